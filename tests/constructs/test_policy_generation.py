"""The PolicyGeneration construct, checked with cdktf.Testing."""

from __future__ import annotations

import json
from pathlib import Path

import cdktf
import pytest

from policygen import AccessAnalyzerProvider, PolicyGeneration, PolicyGenerations, SpecError
from policygen._names import NO_INSTALL_ENV, POLICY_GENERATION_TYPE, PROVIDER_SOURCE
from policygen.spec import load_paths
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def _no_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests synthesize into cdktf's temporary folders; no launcher is needed there."""
    monkeypatch.setenv(NO_INSTALL_ENV, "1")


def test_spec_becomes_one_resource_named_after_it() -> None:
    """One resource per spec, named after the spec, with the request's attributes."""
    (spec,) = [s for s in load_paths([ROOT / "specs"]) if s.name == "app-role"]
    app = cdktf.Testing.app()
    stack = cdktf.TerraformStack(app, "test")
    PolicyGeneration(stack, "app-role", spec=spec)
    out = cdktf.Testing.synth(stack)
    assert cdktf.Testing.to_have_resource_with_properties(
        out,
        POLICY_GENERATION_TYPE,
        {
            "principal_arn": "arn:aws:iam::123456789012:role/app",
            "access_role": "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole",
            "lookback_days": 30,
        },
    )
    resources = json.loads(out)["resource"][POLICY_GENERATION_TYPE]
    assert list(resources) == ["app_role"]
    assert resources["app_role"]["trails"] == [
        {
            "cloud_trail_arn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/management",
            "regions": ["us-east-1", "eu-west-1"],
        }
    ]


def test_job_id_output_per_generation() -> None:
    """Each generation adds the output `<name>_job_id` (hyphens as underscores) with its job id."""
    app = cdktf.Testing.app()
    stack = cdktf.TerraformStack(app, "test")
    PolicyGenerations.from_directory(stack, ROOT / "specs")
    outputs = json.loads(cdktf.Testing.synth(stack))["output"]
    assert outputs["app_role_job_id"]["value"] == "${accessanalyzer_policy_generation.app_role.job_id}"
    assert outputs["ci_deployer_job_id"]["value"] == "${accessanalyzer_policy_generation.ci_deployer.job_id}"


def test_provider_is_added_once_per_stack() -> None:
    """Many generations share one default provider block and one required_providers entry."""
    app = cdktf.Testing.app()
    stack = cdktf.TerraformStack(app, "test")
    PolicyGenerations.from_directory(stack, ROOT / "specs")
    synth = json.loads(cdktf.Testing.synth(stack))
    assert synth["provider"] == {"accessanalyzer": [{}]}
    assert synth["terraform"]["required_providers"] == {
        "accessanalyzer": {"source": PROVIDER_SOURCE, "version": "0.1.0"}
    }


def test_an_explicit_provider_is_used_and_configured() -> None:
    """A provider passed in is the one the resource uses; its settings are synthesized."""
    (spec, *_) = load_paths([ROOT / "specs"])
    app = cdktf.Testing.app()
    stack = cdktf.TerraformStack(app, "test")
    eu = AccessAnalyzerProvider(stack, "eu", region="eu-west-1", alias="eu")
    PolicyGeneration(stack, spec.name, spec=spec, provider=eu)
    synth = json.loads(cdktf.Testing.synth(stack))
    assert synth["provider"] == {"accessanalyzer": [{"alias": "eu", "region": "eu-west-1"}]}
    resource = next(iter(synth["resource"][POLICY_GENERATION_TYPE].values()))
    assert resource["provider"] == "accessanalyzer.eu"


def test_from_directory_raises_every_problem(tmp_path: Path) -> None:
    """An invalid spec folder fails synth with a SpecError listing the located problems."""
    (tmp_path / "a.yaml").write_text("name: a\n")
    app = cdktf.Testing.app()
    stack = cdktf.TerraformStack(app, "test")
    with pytest.raises(SpecError) as caught:
        PolicyGenerations.from_directory(stack, tmp_path)
    messages = [p.message for p in caught.value.problems]
    assert any("'policyGenerationDetails' is required" in m for m in messages)
    assert any("'cloudTrailDetails' is required" in m for m in messages)
    assert all(p.file == str(tmp_path / "a.yaml") for p in caught.value.problems)


def test_synth_installs_the_launcher_and_lock_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At synth the stack folder gets terraform.d/plugins/... and a .terraform.lock.hcl entry."""
    monkeypatch.delenv(NO_INSTALL_ENV)
    app = cdktf.App(outdir=str(tmp_path))
    stack = cdktf.TerraformStack(app, "s")
    PolicyGenerations.from_directory(stack, ROOT / "specs")
    app.synth()
    workdir = tmp_path / "stacks" / "s"
    assert list((workdir / "terraform.d" / "plugins").rglob("terraform-provider-accessanalyzer_v0.1.0"))
    assert PROVIDER_SOURCE in (workdir / ".terraform.lock.hcl").read_text()
