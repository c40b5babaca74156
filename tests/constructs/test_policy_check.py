"""The PolicyCheck data source binding, checked with cdktf.Testing."""

from __future__ import annotations

import json
from typing import Any

import cdktf
import pytest

from policygen import AccessAnalyzerProvider, GeneratedPolicy, PolicyCheck
from policygen._names import GENERATED_POLICY_TYPE, POLICY_CHECK_TYPE

JOB_ID = "4d2b0a7e-7a2d-4b56-9d0f-2b0bb1a7c001"
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)


@pytest.fixture
def stack() -> cdktf.TerraformStack:
    """An empty stack in a test app."""
    return cdktf.TerraformStack(cdktf.Testing.app(), "test")


def synthesized(stack: cdktf.TerraformStack) -> dict[str, Any]:
    """The stack's cdk.tf.json as a mapping."""
    result: dict[str, Any] = json.loads(cdktf.Testing.synth(stack))
    return result


def test_policy_alone_is_synthesized_by_default(stack: cdktf.TerraformStack) -> None:
    """With the defaults, only policy is configured: no charged check is asked for."""
    PolicyCheck(stack, "gate", policy=POLICY)
    assert synthesized(stack)["data"][POLICY_CHECK_TYPE]["gate"] == {"policy": POLICY}


def test_every_prop_is_synthesized_when_set(stack: cdktf.TerraformStack) -> None:
    """reference, denied_actions and fail_on become the data source's attributes."""
    PolicyCheck(stack, "gate", policy=POLICY, reference=POLICY, denied_actions=["iam:PutRolePolicy"], fail_on="WARNING")
    assert cdktf.Testing.to_have_data_source_with_properties(
        cdktf.Testing.synth(stack),
        POLICY_CHECK_TYPE,
        {"policy": POLICY, "reference": POLICY, "denied_actions": ["iam:PutRolePolicy"], "fail_on": "WARNING"},
    )


def test_policy_may_be_a_generated_policy_token(stack: cdktf.TerraformStack) -> None:
    """A GeneratedPolicy's document wires the check to that data source."""
    draft = GeneratedPolicy(stack, "draft", job_id=JOB_ID)
    PolicyCheck(stack, "gate", policy=cdktf.Fn.element(draft.policies, 0))
    policy = synthesized(stack)["data"][POLICY_CHECK_TYPE]["gate"]["policy"]
    assert policy == f"${{element(data.{GENERATED_POLICY_TYPE}.draft.policies, 0)}}"


def test_results_are_references(stack: cdktf.TerraformStack) -> None:
    """result, message, new_access, granted_denied_actions and findings synthesize to the attributes."""
    gate = PolicyCheck(stack, "gate", policy=POLICY)
    for name in ("result", "message", "new_access", "granted_denied_actions", "findings"):
        cdktf.TerraformOutput(stack, name, value=getattr(gate, name))
    outputs = synthesized(stack)["output"]
    for name in ("result", "message", "new_access", "granted_denied_actions", "findings"):
        assert outputs[name]["value"] == f"${{data.{POLICY_CHECK_TYPE}.gate.{name}}}"


def test_a_postcondition_on_the_result_is_synthesized(stack: cdktf.TerraformStack) -> None:
    """The gate of examples/two-phase, from the construct: a postcondition on result with message as error."""
    gate = PolicyCheck(stack, "gate", policy=POLICY)
    postcondition = {"condition": '${self.result == "PASS"}', "error_message": "${self.message}"}
    gate.add_override("lifecycle.postcondition", [postcondition])
    assert synthesized(stack)["data"][POLICY_CHECK_TYPE]["gate"]["lifecycle"] == {"postcondition": [postcondition]}


def test_the_default_provider_is_added_when_none_is_given(stack: cdktf.TerraformStack) -> None:
    """A stack holding only the check still gets the provider block and its requirement."""
    PolicyCheck(stack, "gate", policy=POLICY)
    out = synthesized(stack)
    assert out["provider"] == {"accessanalyzer": [{}]}
    assert "accessanalyzer" in out["terraform"]["required_providers"]


def test_an_aliased_provider_is_used(stack: cdktf.TerraformStack) -> None:
    """provider= points the check at that aliased configuration."""
    eu = AccessAnalyzerProvider(stack, "eu", region="eu-west-1", alias="eu")
    PolicyCheck(stack, "gate", policy=POLICY, provider=eu)
    assert synthesized(stack)["data"][POLICY_CHECK_TYPE]["gate"]["provider"] == "accessanalyzer.eu"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"policy": ""}, "policy must be the JSON text of a policy document"),
        ({"policy": POLICY, "fail_on": "FATAL"}, "fail_on must be one of ERROR, SECURITY_WARNING, WARNING, SUGGESTION"),
        ({"policy": POLICY, "denied_actions": []}, "denied_actions is empty, which checks nothing"),
        ({"policy": POLICY, "denied_actions": "iam:PassRole"}, "denied_actions must be a list of action names"),
    ],
)
def test_props_are_checked_in_the_constructor(stack: cdktf.TerraformStack, props: dict[str, Any], message: str) -> None:
    """A wrong prop fails at once, naming the prop and the fix, and adds nothing to the stack."""
    with pytest.raises(ValueError, match=message):
        PolicyCheck(stack, "gate", **props)
    assert "data" not in synthesized(stack)


def test_it_is_the_frameworks_data_source(stack: cdktf.TerraformStack) -> None:
    """The check is a cdktf TerraformDataSource in a cdktf app (and a PolicyCheck)."""
    gate = PolicyCheck(stack, "gate", policy=POLICY)
    assert isinstance(gate, PolicyCheck)
    assert isinstance(gate, cdktf.TerraformDataSource)
