"""ARN and Region knowledge from botocore's endpoint data, without network."""

from __future__ import annotations

from policygen.spec.arns import (
    REGION_PATTERN,
    arn_problem,
    closest_region,
    parse_arn,
    partition_of_region,
    partitions,
    region_problem,
)


def test_partitions_come_from_botocore_with_their_regions() -> None:
    """The standard, China and GovCloud partitions are known with their Regions."""
    assert "us-east-1" in partitions()["aws"]
    assert partition_of_region("cn-northwest-1") == "aws-cn"
    assert partition_of_region("us-gov-west-1") == "aws-us-gov"


def test_global_endpoint_aliases_are_not_regions() -> None:
    """ "aws-global" is an endpoint alias in botocore's data, not a Region a trail logs in."""
    assert partition_of_region("aws-global") is None


def test_valid_arns_of_every_kind_pass() -> None:
    """Role, user, access role and trail ARNs, in any known partition, pass."""
    assert arn_problem("arn:aws:iam::123456789012:user/path/ci", "principalArn") is None
    assert arn_problem("arn:aws-cn:iam::123456789012:role/service-role/x", "accessRole") is None
    assert arn_problem("arn:aws-us-gov:cloudtrail:us-gov-west-1:123456789012:trail/org", "cloudTrailArn") is None


def test_an_arn_with_too_few_parts_is_explained() -> None:
    """A truncated ARN says how many parts it has."""
    problem = arn_problem("arn:aws:iam::role/x", "principalArn")
    assert problem is not None
    assert "it has 5 colon-separated parts, an ARN has 6" in problem


def test_an_iam_arn_with_a_region_is_explained() -> None:
    """IAM is global: a Region in an IAM ARN is named as the mistake."""
    problem = arn_problem("arn:aws:iam:us-east-1:123456789012:role/x", "accessRole")
    assert problem is not None
    assert "IAM ARNs have no Region, but this one has 'us-east-1'" in problem


def test_values_of_the_wrong_type_are_left_to_the_schema() -> None:
    """Non-strings get no ARN or Region message (the schema reports their type)."""
    assert arn_problem(42, "principalArn") is None
    assert region_problem(None) is None
    assert parse_arn(["arn"]) is None


def test_the_closest_region_prefers_swapped_letters() -> None:
    """'us-esat-1' most likely meant 'us-east-1', though 'us-west-1' is as close by ratio."""
    assert closest_region("us-esat-1") == "us-east-1"
    assert closest_region("zz-nowhere-9") is None


def test_iam_names_hold_only_the_characters_iam_allows() -> None:
    """A principal with a NUL byte and a snowman, or a space in its path, is refused; IAM's own characters pass."""
    from policygen.spec.arns import arn_problem

    assert arn_problem("arn:aws:iam::123456789012:role/svc+deploy=1,a.b@c_d-e", "principalArn") is None
    assert arn_problem("arn:aws:iam::123456789012:role/service-role/team/app", "accessRole") is None
    nul = arn_problem("arn:aws:iam::123456789012:role/app\x00\u2603", "principalArn")
    assert nul is not None
    assert "may hold only ASCII letters, digits and +=,.@_-" in nul
    spaced = arn_problem("arn:aws:iam::123456789012:role/my path/app", "accessRole")
    assert spaced is not None
    assert "printable ASCII" in spaced


def test_partitions_json_names_every_region_that_endpoints_json_does() -> None:
    """partitions() reads only botocore's 7 KB partitions.json; the 1.2 MB endpoints.json adds no Region."""
    import json
    from pathlib import Path

    import botocore

    data = Path(botocore.__file__).parent / "data"
    endpoints = json.loads((data / "endpoints.json").read_text())
    for partition in endpoints["partitions"]:
        regions = {r for r in partition["regions"] if REGION_PATTERN.match(r)}
        assert regions <= partitions()[partition["partition"]], partition["partition"]


def test_once_computes_once_when_threads_ask_together() -> None:
    """The provider's 10 gRPC threads ask for the schema and the Regions at the same moment."""
    import threading
    import time

    from policygen.spec.once import once

    calls = []
    gate = threading.Barrier(10)

    @once
    def slow() -> object:
        calls.append(1)
        time.sleep(0.05)  # long enough that unguarded threads would all start computing
        return object()

    results: list[object] = []

    def ask() -> None:
        gate.wait()
        results.append(slow())

    threads = [threading.Thread(target=ask) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len({id(r) for r in results}) == 1
