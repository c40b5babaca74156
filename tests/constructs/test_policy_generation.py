"""The PolicyGeneration construct, checked with cdktf.Testing."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any

import cdktf
import pytest
from constructs import Construct

from policygen import AccessAnalyzerProvider, PolicyGeneration, PolicyGenerations, SpecError, Trail, TrailSpec
from policygen._names import NO_INSTALL_ENV, POLICY_GENERATION_TYPE, PROVIDER_SOURCE
from policygen.spec import load_paths
from policygen.spec.fields import REQUEST_FIELDS, TRAIL_FIELDS
from tests.conftest import ROOT

PRINCIPAL = "arn:aws:iam::123456789012:role/app"
ACCESS_ROLE = "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole"
TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management"


@pytest.fixture
def stack() -> cdktf.TerraformStack:
    """An empty stack in a test app."""
    return cdktf.TerraformStack(cdktf.Testing.app(), "test")


def request(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments of a valid request, with ``overrides``."""
    return {
        "principal_arn": PRINCIPAL,
        "access_role": ACCESS_ROLE,
        "trails": [Trail(TRAIL_ARN, regions=("us-east-1",))],
        "lookback_days": 7,
        **overrides,
    }


def synthesized(stack: cdktf.TerraformStack) -> dict[str, Any]:
    """The stack's cdk.tf.json as a mapping."""
    result: dict[str, Any] = json.loads(cdktf.Testing.synth(stack))
    return result


def app_role_spec() -> Any:
    """The example spec `app-role` from specs/."""
    (spec,) = [s for s in load_paths([ROOT / "specs"]) if s.name == "app-role"]
    return spec


# ---- the request -------------------------------------------------------------------------------


def test_spec_becomes_one_resource_named_after_it(stack: cdktf.TerraformStack) -> None:
    """One resource per spec, named after the spec, with the request's attributes."""
    PolicyGeneration(stack, "app-role", spec=app_role_spec())
    out = cdktf.Testing.synth(stack)
    assert cdktf.Testing.to_have_resource_with_properties(
        out, POLICY_GENERATION_TYPE, {"principal_arn": PRINCIPAL, "access_role": ACCESS_ROLE, "lookback_days": 30}
    )
    resources = json.loads(out)["resource"][POLICY_GENERATION_TYPE]
    assert list(resources) == ["app_role"]
    assert resources["app_role"]["trails"] == [{"cloud_trail_arn": TRAIL_ARN, "regions": ["us-east-1", "eu-west-1"]}]


def test_keyword_arguments_synthesize_the_same_resource_as_a_spec(stack: cdktf.TerraformStack) -> None:
    """Typed keyword arguments give exactly the resource that the equivalent spec gives."""
    spec = app_role_spec()
    PolicyGeneration(stack, "from-spec", spec=dataclasses.replace(spec, name="from-spec"))
    PolicyGeneration(
        stack,
        "from-kwargs",
        principal_arn=spec.principal_arn,
        access_role=spec.access_role,
        trails=list(spec.trails),
        lookback_days=spec.lookback_days,
    )
    resources = synthesized(stack)["resource"][POLICY_GENERATION_TYPE]
    assert resources["from_kwargs"].pop("instance_key") == "${terraform.workspace}/test/from-kwargs"
    assert resources["from_spec"].pop("instance_key") == "${terraform.workspace}/test/from-spec"
    assert resources["from_kwargs"] == resources["from_spec"]


def test_each_generation_gets_an_instance_key_of_its_own() -> None:
    """Identical requests in one stack or in two synthesize different instance keys, so they never share a job."""
    spec = app_role_spec()
    app = cdktf.Testing.app()
    one, two = cdktf.TerraformStack(app, "one"), cdktf.TerraformStack(app, "two")
    PolicyGeneration(one, "a", spec=dataclasses.replace(spec, name="a"))
    PolicyGeneration(one, "b", spec=dataclasses.replace(spec, name="b"))
    PolicyGeneration(two, "a", spec=dataclasses.replace(spec, name="a"))
    keys = [
        resource["instance_key"]
        for stack in (one, two)
        for resource in synthesized(stack)["resource"][POLICY_GENERATION_TYPE].values()
    ]
    assert keys == [f"${{terraform.workspace}}/{key}" for key in ("one/a", "one/b", "two/a")]


def test_trails_may_be_mappings(stack: cdktf.TerraformStack) -> None:
    """A trail given as a TrailSpec mapping synthesizes like a Trail object."""
    PolicyGeneration(stack, "org", **request(trails=[{"cloud_trail_arn": TRAIL_ARN, "all_regions": True}]))
    assert cdktf.Testing.to_have_resource_with_properties(
        cdktf.Testing.synth(stack),
        POLICY_GENERATION_TYPE,
        {"trails": [{"cloud_trail_arn": TRAIL_ARN, "all_regions": True}]},
    )


def test_name_defaults_to_the_construct_id(stack: cdktf.TerraformStack) -> None:
    """Without name=, the resource and output are named after the construct id."""
    generation = PolicyGeneration(stack, "app-role", **request())
    out = synthesized(stack)
    assert generation.name == "app-role"
    assert list(out["resource"][POLICY_GENERATION_TYPE]) == ["app_role"]
    assert "app_role_job_id" in out["output"]


def test_name_overrides_the_construct_id(stack: cdktf.TerraformStack) -> None:
    """name= names the resource and the output, whatever the construct id."""
    PolicyGeneration(stack, "Generation", name="ci", **request())
    out = synthesized(stack)
    assert list(out["resource"][POLICY_GENERATION_TYPE]) == ["ci"]
    assert "ci_job_id" in out["output"]


def test_optional_behaviour_is_left_out_by_default(stack: cdktf.TerraformStack) -> None:
    """Without wait, timeout, triggers or token, none of those attributes is synthesized."""
    PolicyGeneration(stack, "app", **request())
    resource = synthesized(stack)["resource"][POLICY_GENERATION_TYPE]["app"]
    assert set(resource) == {"principal_arn", "access_role", "trails", "lookback_days", "instance_key"}


def test_wait_timeout_and_triggers_are_synthesized(stack: cdktf.TerraformStack) -> None:
    """wait_for_completion, wait_timeout and triggers become the resource's attributes."""
    PolicyGeneration(stack, "app", **request(triggers={"rev": "2"}), wait_for_completion=True, wait_timeout="1h30m")
    assert cdktf.Testing.to_have_resource_with_properties(
        cdktf.Testing.synth(stack),
        POLICY_GENERATION_TYPE,
        {"wait_for_completion": True, "wait_timeout": "1h30m", "triggers": {"rev": "2"}},
    )


def test_spec_triggers_are_synthesized(stack: cdktf.TerraformStack) -> None:
    """The triggers of a spec object reach the resource."""
    PolicyGeneration(stack, "app-role", spec=dataclasses.replace(app_role_spec(), triggers={"rev": "3"}))
    resource = synthesized(stack)["resource"][POLICY_GENERATION_TYPE]["app_role"]
    assert resource["triggers"] == {"rev": "3"}


# ---- checks ------------------------------------------------------------------------------------


def test_spec_and_fields_together_name_the_props_and_the_fix(stack: cdktf.TerraformStack) -> None:
    """spec= with request props fails at once, naming each prop given and how to fix it."""
    with pytest.raises(SpecError) as caught:
        PolicyGeneration(stack, "app", spec=app_role_spec(), principal_arn=PRINCIPAL, lookback_days=3)
    (problem,) = caught.value.problems
    assert problem.pointer == "/spec"
    assert "spec= was given together with principal_arn, lookback_days" in problem.message
    assert "dataclasses.replace(spec, principal_arn=...)" in problem.message
    assert stack.node.try_find_child("app") is None


def test_missing_required_props_are_named(stack: cdktf.TerraformStack) -> None:
    """Without spec=, a missing principal_arn, access_role or trails is named in the error."""
    with pytest.raises(SpecError, match=r"PolicyGeneration 'app' needs access_role, trails; give them"):
        PolicyGeneration(stack, "app", principal_arn=PRINCIPAL, lookback_days=7)


def test_invalid_props_fail_with_the_spec_messages_at_the_call(stack: cdktf.TerraformStack) -> None:
    """A request that breaks a spec rule raises SpecError at this file and line, pointing at the prop."""
    bad_trail = Trail("arn:aws:cloudtrail:us-east-1:123456789012:trail/management", ("us-east-1",), True)
    with pytest.raises(SpecError) as caught:
        PolicyGeneration(stack, "app", **request(trails=[bad_trail]))  # the line reported
    (problem,) = caught.value.problems
    assert problem.file == __file__
    assert "# the line reported" in Path(__file__).read_text().splitlines()[problem.line - 1]
    assert problem.pointer == "/trails/0/regions"
    assert problem.message == "`regions` cannot be combined with `allRegions: true`; remove one of them."


def test_every_problem_is_reported(stack: cdktf.TerraformStack) -> None:
    """All problems of a request are reported together, each at its prop."""
    with pytest.raises(SpecError) as caught:
        PolicyGeneration(
            stack, "app", **request(principal_arn="arn:aws:iam::123456789012:group/devs", lookback_days=91)
        )
    assert {p.pointer for p in caught.value.problems} == {"/principal_arn", "/lookback_days"}


def test_unknown_trail_keys_are_named(stack: cdktf.TerraformStack) -> None:
    """A trail mapping with a misspelt key fails, listing the allowed keys."""
    with pytest.raises(SpecError, match=r"trails\[0\] has unknown key\(s\) 'region'; allowed keys: cloud_trail_arn"):
        PolicyGeneration(stack, "app", **request(trails=[{"cloud_trail_arn": TRAIL_ARN, "region": ["us-east-1"]}]))


def test_wait_timeout_needs_wait_for_completion(stack: cdktf.TerraformStack) -> None:
    """wait_timeout alone fails fast and says to add wait_for_completion=True."""
    with pytest.raises(SpecError, match=r"can only be given with wait_for_completion=True"):
        PolicyGeneration(stack, "app", **request(), wait_timeout="30m")


def test_names_are_unique_per_stack(stack: cdktf.TerraformStack) -> None:
    """Two generations whose names give the same Terraform name fail, naming the first one."""
    PolicyGeneration(stack, "app-role", **request())
    with pytest.raises(SpecError, match=r"becomes the Terraform name 'app_role', as the name 'app-role' of the Pol"):
        PolicyGeneration(stack, "second", name="app_role", **request())


def test_token_values_are_left_to_the_provider(stack: cdktf.TerraformStack) -> None:
    """A prop that is a token (another resource's attribute) passes, and is synthesized as a reference."""
    role = cdktf.TerraformVariable(stack, "role_arn", type="string")
    PolicyGeneration(stack, "app", **request(principal_arn=role.string_value))
    out = synthesized(stack)
    assert out["resource"][POLICY_GENERATION_TYPE]["app"]["principal_arn"] == "${var.role_arn}"
    assert "${" not in out["output"]["app_job_id"]["description"], "Terraform wants a literal description"


def test_number_tokens_are_left_to_the_provider(stack: cdktf.TerraformStack) -> None:
    """A number token (a variable's value) for lookback_days passes and is synthesized as a reference."""
    days = cdktf.TerraformVariable(stack, "days", type="number")
    PolicyGeneration(stack, "app", **request(lookback_days=days.number_value))
    resource = synthesized(stack)["resource"][POLICY_GENERATION_TYPE]["app"]
    assert resource["lookback_days"] == "${var.days}"


def test_token_values_do_not_hide_other_problems(stack: cdktf.TerraformStack) -> None:
    """With a token prop, the other props are still checked."""
    role = cdktf.TerraformVariable(stack, "role_arn", type="string")
    with pytest.raises(SpecError) as caught:
        PolicyGeneration(stack, "app", **request(principal_arn=role.string_value, lookback_days=0))
    assert [p.pointer for p in caught.value.problems] == ["/lookback_days"]


def test_a_request_with_tokens_is_built_like_one_without(stack: cdktf.TerraformStack) -> None:
    """With a token prop, the literal props are still normalised: the start time in UTC with Z."""
    role = cdktf.TerraformVariable(stack, "role_arn", type="string")
    props = request(principal_arn=role.string_value, lookback_days=None, start_time="2026-11-01T01:00:00+01:00")
    generation = PolicyGeneration(stack, "app", **props)
    assert generation.spec.start_time == "2026-11-01T00:00:00Z"
    assert synthesized(stack)["resource"][POLICY_GENERATION_TYPE]["app"]["start_time"] == "2026-11-01T00:00:00Z"


def test_every_field_of_the_request_is_a_keyword() -> None:
    """The construct's keywords and a TrailSpec's keys are the table's (policygen.spec.fields)."""
    parameters = inspect.signature(PolicyGeneration.__init__).parameters
    assert [f.keyword for f in REQUEST_FIELDS if f.keyword not in parameters] == []
    assert list(TrailSpec.__annotations__) == [f.keyword for f in TRAIL_FIELDS]


def test_from_directory_raises_every_problem(tmp_path: Path, stack: cdktf.TerraformStack) -> None:
    """An invalid spec folder fails synth with a SpecError listing the located problems."""
    (tmp_path / "a.yaml").write_text("name: a\n")
    with pytest.raises(SpecError) as caught:
        PolicyGenerations.from_directory(stack, tmp_path)
    messages = [p.message for p in caught.value.problems]
    assert any("'policyGenerationDetails' is required" in m for m in messages)
    assert any("'cloudTrailDetails' is required" in m for m in messages)
    assert all(p.file == str(tmp_path / "a.yaml") for p in caught.value.problems)


def test_from_file_declares_each_generation_of_the_file(stack: cdktf.TerraformStack) -> None:
    """from_file gives one construct per generation, with the spec names as ids."""
    generations = PolicyGeneration.from_file(stack, ROOT / "specs" / "app-role.yaml")
    assert [g.node.id for g in generations] == ["app-role"]


# ---- tokens and outputs ------------------------------------------------------------------------


def test_job_id_and_status_are_references(stack: cdktf.TerraformStack) -> None:
    """job_id and status are tokens that synthesize to the resource's attributes."""
    generation = PolicyGeneration(stack, "app", **request())
    cdktf.TerraformOutput(stack, "both", value=[generation.job_id, generation.status])
    assert synthesized(stack)["output"]["both"]["value"] == [
        "${accessanalyzer_policy_generation.app.job_id}",
        "${accessanalyzer_policy_generation.app.status}",
    ]


def test_resource_is_the_escape_hatch(stack: cdktf.TerraformStack) -> None:
    """An override on .resource lands in the synthesized resource."""
    generation = PolicyGeneration(stack, "app", **request())
    generation.resource.add_override("lifecycle.prevent_destroy", True)
    resource = synthesized(stack)["resource"][POLICY_GENERATION_TYPE]["app"]
    assert resource["lifecycle"] == {"prevent_destroy": True}


def test_job_id_output_per_generation(stack: cdktf.TerraformStack) -> None:
    """Each generation adds the output `<name>_job_id` (hyphens as underscores) with its job id."""
    PolicyGenerations.from_directory(stack, ROOT / "specs")
    outputs = synthesized(stack)["output"]
    assert outputs["app_role_job_id"]["value"] == "${accessanalyzer_policy_generation.app_role.job_id}"
    assert outputs["ci_deployer_job_id"]["value"] == "${accessanalyzer_policy_generation.ci_deployer.job_id}"


def test_one_map_output_holds_every_generation_of_the_stack(stack: cdktf.TerraformStack) -> None:
    """policy_generation_job_ids maps each name to its job id, generations in nested scopes included."""
    PolicyGeneration(stack, "app-role", **request())
    PolicyGeneration(Construct(stack, "team"), "ci", **request())
    outputs = synthesized(stack)["output"]
    assert outputs["policy_generation_job_ids"]["value"] == {
        "app-role": "${accessanalyzer_policy_generation.app_role.job_id}",
        "ci": "${accessanalyzer_policy_generation.ci.job_id}",
    }


def test_each_stack_has_its_own_map_output(stack: cdktf.TerraformStack) -> None:
    """A generation of another stack appears only in that stack's map output."""
    other = cdktf.TerraformStack(stack.node.scope, "other")  # type: ignore[arg-type]  # the app
    PolicyGeneration(stack, "here", **request())
    PolicyGeneration(other, "there", **request())
    assert list(synthesized(stack)["output"]["policy_generation_job_ids"]["value"]) == ["here"]
    assert list(synthesized(other)["output"]["policy_generation_job_ids"]["value"]) == ["there"]


# ---- providers ---------------------------------------------------------------------------------


def test_provider_is_added_once_per_stack(stack: cdktf.TerraformStack) -> None:
    """Many generations share one default provider block and one required_providers entry."""
    PolicyGenerations.from_directory(stack, ROOT / "specs")
    out = synthesized(stack)
    assert out["provider"] == {"accessanalyzer": [{}]}
    assert out["terraform"]["required_providers"] == {"accessanalyzer": {"source": PROVIDER_SOURCE, "version": "0.1.0"}}


def test_a_default_provider_added_first_is_used(stack: cdktf.TerraformStack) -> None:
    """A default provider the user adds (anywhere in the stack) is the only provider block."""
    AccessAnalyzerProvider(Construct(stack, "config"), "mine", region="eu-west-1")
    PolicyGeneration(stack, "app", **request())
    assert synthesized(stack)["provider"] == {"accessanalyzer": [{"region": "eu-west-1"}]}


def test_a_default_provider_added_later_replaces_policygens(stack: cdktf.TerraformStack) -> None:
    """A default provider created after the first generation takes the place of the one policygen added."""
    PolicyGeneration(stack, "app", **request())
    AccessAnalyzerProvider(stack, "accessanalyzer", region="eu-west-1")
    assert synthesized(stack)["provider"] == {"accessanalyzer": [{"region": "eu-west-1"}]}


def test_aliased_providers_serve_their_generations(stack: cdktf.TerraformStack) -> None:
    """Generations in two Regions use their aliased providers; no default block is added for them."""
    eu = AccessAnalyzerProvider(stack, "eu", region="eu-west-1", alias="eu")
    audit = AccessAnalyzerProvider(stack, "audit", region="us-east-1", profile="audit", alias="audit")
    PolicyGeneration(stack, "eu-app", **request(), provider=eu)
    PolicyGeneration(stack, "audit-app", **request(), provider=audit)
    out = synthesized(stack)
    assert sorted(out["provider"]["accessanalyzer"], key=lambda p: p["alias"]) == [
        {"alias": "audit", "profile": "audit", "region": "us-east-1"},
        {"alias": "eu", "region": "eu-west-1"},
    ]
    resources = out["resource"][POLICY_GENERATION_TYPE]
    assert resources["eu_app"]["provider"] == "accessanalyzer.eu"
    assert resources["audit_app"]["provider"] == "accessanalyzer.audit"


def test_synth_installs_the_launcher_and_lock_entry(tmp_path: Path) -> None:
    """Constructing writes no file; at synth the stack folder gets terraform.d/plugins/... and a lock entry."""
    app = cdktf.App(outdir=str(tmp_path))
    stack = cdktf.TerraformStack(app, "s")
    PolicyGenerations.from_directory(stack, ROOT / "specs")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # cdktf itself makes the stacks folder
    app.synth()
    workdir = tmp_path / "stacks" / "s"
    assert list((workdir / "terraform.d" / "plugins").rglob("terraform-provider-accessanalyzer_v0.1.0"))
    assert PROVIDER_SOURCE in (workdir / ".terraform.lock.hcl").read_text()


def test_launcher_is_installed_for_aliased_providers_too(tmp_path: Path) -> None:
    """A stack whose generations all use aliased providers still gets the launcher at synth."""
    app = cdktf.App(outdir=str(tmp_path))
    stack = cdktf.TerraformStack(app, "s")
    PolicyGeneration(stack, "app", **request(), provider=AccessAnalyzerProvider(stack, "eu", alias="eu"))
    app.synth()
    assert list((tmp_path / "stacks" / "s" / "terraform.d" / "plugins").rglob("terraform-provider-accessanalyzer_*"))


def test_no_install_env_skips_the_launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """POLICYGEN_NO_INSTALL_PROVIDER=1 at synth leaves the stack folder without a launcher."""
    monkeypatch.setenv(NO_INSTALL_ENV, "1")
    app = cdktf.App(outdir=str(tmp_path))
    PolicyGeneration(cdktf.TerraformStack(app, "s"), "app", **request())
    app.synth()
    assert not (tmp_path / "stacks" / "s" / "terraform.d").exists()


def test_a_spec_changed_by_hand_is_checked_again() -> None:
    """A loaded spec is trusted, but dataclasses.replace makes an unchecked one, which synth checks."""
    import dataclasses

    (spec, *_) = load_paths([ROOT / "specs"])
    assert spec.validated
    bad = dataclasses.replace(spec, principal_arn="arn:aws:iam::123456789012:group/devs")
    assert not bad.validated
    app = cdktf.Testing.app()
    stack = cdktf.TerraformStack(app, "test")
    with pytest.raises(SpecError, match="group/devs"):
        PolicyGeneration(stack, "x", spec=bad)
