"""The GeneratedPolicy data source binding, checked with cdktf.Testing."""

from __future__ import annotations

import json
from typing import Any

import cdktf
import pytest

from policygen import AccessAnalyzerProvider, GeneratedPolicy, PolicyGenerations
from policygen._names import GENERATED_POLICY_TYPE
from tests.conftest import ROOT

JOB_ID = "4d2b0a7e-7a2d-4b56-9d0f-2b0bb1a7c001"


@pytest.fixture
def stack() -> cdktf.TerraformStack:
    """An empty stack in a test app."""
    return cdktf.TerraformStack(cdktf.Testing.app(), "test")


def synthesized(stack: cdktf.TerraformStack) -> dict[str, Any]:
    """The stack's cdk.tf.json as a mapping."""
    result: dict[str, Any] = json.loads(cdktf.Testing.synth(stack))
    return result


def test_job_id_alone_is_synthesized_by_default(stack: cdktf.TerraformStack) -> None:
    """With the defaults, only job_id is configured (the flags are left out, not false)."""
    GeneratedPolicy(stack, "draft", job_id=JOB_ID)
    assert synthesized(stack)["data"][GENERATED_POLICY_TYPE]["draft"] == {"job_id": JOB_ID}


def test_flags_are_synthesized_when_set(stack: cdktf.TerraformStack) -> None:
    """include_resource_placeholders and include_service_level_template become true attributes."""
    GeneratedPolicy(
        stack, "draft", job_id=JOB_ID, include_resource_placeholders=True, include_service_level_template=True
    )
    assert cdktf.Testing.to_have_data_source_with_properties(
        cdktf.Testing.synth(stack),
        GENERATED_POLICY_TYPE,
        {"job_id": JOB_ID, "include_resource_placeholders": True, "include_service_level_template": True},
    )


def test_job_id_may_be_a_generation_token(stack: cdktf.TerraformStack) -> None:
    """A PolicyGeneration's job_id wires the data source to that resource."""
    (generation, *_) = PolicyGenerations.from_directory(stack, ROOT / "specs")
    GeneratedPolicy(stack, "draft", job_id=generation.job_id)
    data = synthesized(stack)["data"][GENERATED_POLICY_TYPE]["draft"]
    assert data["job_id"] == "${accessanalyzer_policy_generation.app_role.job_id}"


def test_results_are_references(stack: cdktf.TerraformStack) -> None:
    """policies, is_complete and status are tokens that synthesize to the data source's attributes."""
    draft = GeneratedPolicy(stack, "draft", job_id=JOB_ID)
    cdktf.TerraformOutput(stack, "policies", value=draft.policies)
    cdktf.TerraformOutput(stack, "complete", value=draft.is_complete)
    cdktf.TerraformOutput(stack, "status", value=draft.status)
    outputs = synthesized(stack)["output"]
    assert outputs["policies"]["value"] == f"${{data.{GENERATED_POLICY_TYPE}.draft.policies}}"
    assert outputs["complete"]["value"] == f"${{data.{GENERATED_POLICY_TYPE}.draft.is_complete}}"
    assert outputs["status"]["value"] == f"${{data.{GENERATED_POLICY_TYPE}.draft.status}}"


def test_the_default_provider_is_added_when_none_is_given(stack: cdktf.TerraformStack) -> None:
    """A stack holding only the data source still gets the provider block and its requirement."""
    GeneratedPolicy(stack, "draft", job_id=JOB_ID)
    out = synthesized(stack)
    assert out["provider"] == {"accessanalyzer": [{}]}
    assert "accessanalyzer" in out["terraform"]["required_providers"]


def test_an_aliased_provider_is_used(stack: cdktf.TerraformStack) -> None:
    """provider= points the data source at that aliased configuration."""
    eu = AccessAnalyzerProvider(stack, "eu", region="eu-west-1", alias="eu")
    GeneratedPolicy(stack, "draft", job_id=JOB_ID, provider=eu)
    assert synthesized(stack)["data"][GENERATED_POLICY_TYPE]["draft"]["provider"] == "accessanalyzer.eu"
