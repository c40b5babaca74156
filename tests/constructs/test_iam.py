"""AccessAnalyzerServiceRole and DeployerPolicy, checked on the synthesized JSON with cdktf.Testing."""

from __future__ import annotations

import json
from typing import Any

import cdktf
import pytest

from policygen import AccessAnalyzerServiceRole, DeployerPolicy, PolicyGeneration
from policygen._names import POLICY_GENERATION_TYPE
from policygen.aws.iam import (
    deployer_policy,
    organization_bucket_policy_statements,
    organization_key_policy_statements,
    service_role_policy,
    trust_policy,
)
from policygen.constructs.aws_resources import AwsProvider
from policygen.spec import Trail
from tests.test_iam_policies import lint

ACCOUNT = "123456789012"
ORG = "o-a1b2c3d4e5"
BUCKET = "arn:aws:s3:::org-trail-logs"
TRAIL = "arn:aws:cloudtrail:eu-west-1:210987654321:trail/organization"
KEY = "arn:aws:kms:eu-west-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def new_stack() -> cdktf.TerraformStack:
    """An empty stack in a fresh test app."""
    return cdktf.TerraformStack(cdktf.Testing.app(), "test")


def synth(stack: cdktf.TerraformStack) -> dict[str, Any]:
    """The stack's Terraform JSON as a dict."""
    return dict(json.loads(cdktf.Testing.synth(stack)))


def caller_account(out: dict[str, Any]) -> str:
    """The reference to the account id read by the stack's one aws_caller_identity."""
    return f"${{data.aws_caller_identity.{only(out['data'], 'aws_caller_identity')[0]}.account_id}}"


def only(resources: dict[str, Any], kind: str) -> tuple[str, dict[str, Any]]:
    """The one resource (or data source) of ``kind``, with its logical name."""
    ((name, body),) = resources[kind].items()
    return name, body


def test_role_trusts_access_analyzer_for_the_caller_account() -> None:
    """By default the account comes from aws_caller_identity; the trust policy pins it."""
    stack = new_stack()
    AccessAnalyzerServiceRole(stack, "access", trail_bucket_arn=BUCKET)
    out = synth(stack)
    assert only(out["data"], "aws_caller_identity")[1] == {"provider": "aws"}
    _, role = only(out["resource"], "aws_iam_role")
    assert role == {
        "name_prefix": "AccessAnalyzerMonitorServiceRole_",
        "path": "/service-role/",
        "description": "Assumed by IAM Access Analyzer to read CloudTrail logs for policy generation (policygen).",
        "assume_role_policy": role["assume_role_policy"],
        "provider": "aws",
    }
    assert json.loads(role["assume_role_policy"]) == trust_policy(account_id=caller_account(out))


def test_inline_policy_is_the_service_role_policy() -> None:
    """The aws_iam_role_policy holds exactly service_role_policy(), attached to the role by name."""
    stack = new_stack()
    AccessAnalyzerServiceRole(stack, "access", trail_bucket_arn=BUCKET, kms_key_arn=KEY, trail_arns=[TRAIL])
    out = synth(stack)
    role_name, _ = only(out["resource"], "aws_iam_role")
    _, policy = only(out["resource"], "aws_iam_role_policy")
    assert policy["name"] == "AccessAnalyzerPolicyGeneration"
    assert policy["role"] == f"${{aws_iam_role.{role_name}.name}}"
    assert json.loads(policy["policy"]) == service_role_policy(
        trail_bucket_arn=BUCKET, account_id=caller_account(out), kms_key_arn=KEY, trail_arns=[TRAIL]
    )


def test_given_account_id_needs_no_data_source() -> None:
    """With account_id the documents hold it literally and no aws_caller_identity is read."""
    stack = new_stack()
    AccessAnalyzerServiceRole(stack, "access", trail_bucket_arn=BUCKET, account_id=ACCOUNT)
    out = synth(stack)
    assert "data" not in out
    _, role = only(out["resource"], "aws_iam_role")
    assert json.loads(role["assume_role_policy"]) == trust_policy(account_id=ACCOUNT)


def test_role_name_replaces_the_prefix() -> None:
    """role_name gives the role a fixed name in /service-role/ instead of a generated one."""
    stack = new_stack()
    AccessAnalyzerServiceRole(stack, "access", trail_bucket_arn=BUCKET, account_id=ACCOUNT, role_name="PolicyGen")
    assert cdktf.Testing.to_have_resource_with_properties(
        cdktf.Testing.synth(stack), "aws_iam_role", {"name": "PolicyGen", "path": "/service-role/"}
    )
    _, role = only(synth(stack)["resource"], "aws_iam_role")
    assert "name_prefix" not in role


def test_permissions_boundary_is_set_on_the_role() -> None:
    """A permissions boundary given is the role's."""
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/Boundary"
    stack = new_stack()
    AccessAnalyzerServiceRole(stack, "access", trail_bucket_arn=BUCKET, permissions_boundary=boundary)
    assert cdktf.Testing.to_have_resource_with_properties(
        cdktf.Testing.synth(stack), "aws_iam_role", {"permissions_boundary": boundary}
    )


def test_arn_waits_for_the_inline_policy_and_is_an_output() -> None:
    """arn refers to the inline policy (so users wait for it); <id>_role_arn outputs it."""
    stack = new_stack()
    AccessAnalyzerServiceRole(stack, "access-role", trail_bucket_arn=BUCKET, account_id=ACCOUNT)
    out = synth(stack)
    policy_name, _ = only(out["resource"], "aws_iam_role_policy")
    expected = f"arn:aws:iam::{ACCOUNT}:role/service-role/${{aws_iam_role_policy.{policy_name}.role}}"
    assert out["output"] == {
        "access_role_role_arn": {
            "value": expected,
            "description": "ARN of the access role for Access Analyzer policy generation.",
        }
    }


def test_arn_can_be_a_generations_access_role() -> None:
    """PolicyGeneration(access_role=role.arn) synthesizes the reference into the generation."""
    stack = new_stack()
    role = AccessAnalyzerServiceRole(stack, "access", trail_bucket_arn=BUCKET, account_id=ACCOUNT)
    PolicyGeneration(
        stack,
        "app",
        principal_arn=f"arn:aws:iam::{ACCOUNT}:role/app",
        access_role=role.arn,
        trails=[Trail(cloud_trail_arn=f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/main", regions=("eu-west-1",))],
        lookback_days=30,
    )
    out = synth(stack)
    policy_name, _ = only(out["resource"], "aws_iam_role_policy")
    _, generation = only(out["resource"], POLICY_GENERATION_TYPE)
    assert generation["access_role"] == (
        f"arn:aws:iam::{ACCOUNT}:role/service-role/${{aws_iam_role_policy.{policy_name}.role}}"
    )


def test_hashicorp_aws_is_required_and_configured_once() -> None:
    """Two roles in a stack share one default provider block and one required_providers entry."""
    stack = new_stack()
    AccessAnalyzerServiceRole(stack, "a", trail_bucket_arn=BUCKET, account_id=ACCOUNT)
    AccessAnalyzerServiceRole(stack, "b", trail_bucket_arn=BUCKET, account_id=ACCOUNT)
    out = synth(stack)
    assert out["provider"] == {"aws": [{}]}
    assert out["terraform"]["required_providers"] == {"aws": {"source": "hashicorp/aws", "version": ">= 5.0"}}


def test_a_declared_aws_provider_is_reused() -> None:
    """An unaliased aws provider already in the stack is used instead of adding a second block."""
    stack = new_stack()
    AwsProvider(stack, "mine", region="eu-west-1")
    AccessAnalyzerServiceRole(stack, "access", trail_bucket_arn=BUCKET, account_id=ACCOUNT)
    assert synth(stack)["provider"] == {"aws": [{"region": "eu-west-1"}]}


def test_any_terraform_provider_can_be_passed() -> None:
    """aws_provider accepts any cdktf.TerraformProvider (e.g. the prebuilt package's) and its alias."""

    class OtherBindingAwsProvider(cdktf.TerraformProvider):
        """Stands in for cdktf_cdktf_provider_aws.provider.AwsProvider."""

        def __init__(self, scope: cdktf.TerraformStack, id: str) -> None:
            super().__init__(
                scope,
                id,
                terraform_resource_type="aws",
                terraform_generator_metadata=cdktf.TerraformProviderGeneratorMetadata(provider_name="aws"),
                terraform_provider_source="hashicorp/aws",
            )

        @property  # type: ignore[misc]  # jsii declares alias read-write
        def alias(self) -> str:
            return "security"

        def _synthesize_attributes(self) -> dict[str, Any]:
            return {"alias": "security", "region": "us-east-1"}

    stack = new_stack()
    provider = OtherBindingAwsProvider(stack, "security")
    AccessAnalyzerServiceRole(stack, "access", trail_bucket_arn=BUCKET, aws_provider=provider)
    out = synth(stack)
    assert out["provider"] == {"aws": [{"alias": "security", "region": "us-east-1"}]}
    kinds = ("aws_iam_role", "aws_iam_role_policy")
    assert {body["provider"] for kind in kinds for body in out["resource"][kind].values()} == {"aws.security"}
    assert only(out["data"], "aws_caller_identity")[1]["provider"] == "aws.security"


def test_account_trail_has_no_organization_outputs() -> None:
    """An account trail needs nothing from another account: only the role ARN is output."""
    stack = new_stack()
    role = AccessAnalyzerServiceRole(stack, "access", trail_bucket_arn=BUCKET, account_id=ACCOUNT, kms_key_arn=KEY)
    assert list(synth(stack)["output"]) == ["access_role_arn"]
    with pytest.raises(ValueError, match="organisation trails"):
        role.bucket_policy_statements()


def test_organization_trail_outputs_the_bucket_and_key_statements() -> None:
    """For an organisation trail the bucket and key statements are outputs (JSON) and method results."""
    stack = new_stack()
    role = AccessAnalyzerServiceRole(
        stack,
        "access",
        trail_bucket_arn=BUCKET,
        kms_key_arn=KEY,
        organization_trail=True,
        organization_id=ORG,
        trail_arns=[TRAIL],
        account_id=ACCOUNT,
    )
    out = synth(stack)
    role_name, _ = only(out["resource"], "aws_iam_role")
    role_arn = f"${{aws_iam_role.{role_name}.arn}}"
    assert sorted(out["output"]) == [
        "access_bucket_policy_statements",
        "access_key_policy_statements",
        "access_role_arn",
    ]
    assert json.loads(out["output"]["access_bucket_policy_statements"]["value"]) == (
        organization_bucket_policy_statements(
            role_arn=role_arn, trail_bucket_arn=BUCKET, account_id=ACCOUNT, organization_id=ORG
        )
    )
    assert json.loads(out["output"]["access_key_policy_statements"]["value"]) == organization_key_policy_statements(
        role_arn=role_arn, trail_arns=[TRAIL], kms_key_arn=KEY, account_id=ACCOUNT
    )
    statements = role.key_policy_statements()
    token = statements[0]["Principal"]["AWS"]
    assert cdktf.Token.is_unresolved(token)
    assert statements == organization_key_policy_statements(
        role_arn=token, trail_arns=[TRAIL], kms_key_arn=KEY, account_id=ACCOUNT
    )
    _, policy = only(out["resource"], "aws_iam_role_policy")
    assert (
        f"AWSLogs/{ORG}/{ACCOUNT}/*"
        in json.loads(policy["policy"])["Statement"][3]["Condition"]["StringLike"]["s3:prefix"]
    )


def test_organization_trail_without_key_outputs_no_key_statement() -> None:
    """Without a key there is no key-policy output, and asking for the statements fails."""
    stack = new_stack()
    role = AccessAnalyzerServiceRole(
        stack, "access", trail_bucket_arn=BUCKET, organization_trail=True, organization_id=ORG, trail_arns=[TRAIL]
    )
    assert sorted(synth(stack)["output"]) == ["access_bucket_policy_statements", "access_role_arn"]
    with pytest.raises(ValueError, match="with a key"):
        role.key_policy_statements()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"organization_trail": True, "trail_arns": [TRAIL]}, "needs organization_id"),
        ({"organization_trail": True, "organization_id": ORG}, "trail_arns"),
        ({"organization_id": ORG}, "only used with organization_trail=True"),
        ({"kms_key_arn": "${aws_kms_key.logs.arn}"}, "pass bucket_region"),
        ({"account_id": "not-an-account"}, "not an AWS account id"),
    ],
)
def test_inconsistent_arguments_fail_at_construction(arguments: dict[str, Any], message: str) -> None:
    """Missing or contradictory props raise ValueError naming them, before anything is synthesized."""
    with pytest.raises(ValueError, match=message):
        AccessAnalyzerServiceRole(new_stack(), "access", trail_bucket_arn=BUCKET, **arguments)


def test_deployer_policy_output_names_the_role() -> None:
    """DeployerPolicy outputs deployer_policy() as JSON, with the role's ARN as a reference."""
    stack = new_stack()
    role = AccessAnalyzerServiceRole(stack, "access", trail_bucket_arn=BUCKET, account_id=ACCOUNT)
    DeployerPolicy(stack, "deployer-policy", access_role_arns=[role.role_arn], region="eu-west-1")
    out = synth(stack)
    role_name, _ = only(out["resource"], "aws_iam_role")
    output = out["output"]["deployer_policy"]
    assert output["description"] == "IAM policy (JSON) that the identity running cdktf deploy needs for policygen."
    assert json.loads(output["value"]) == deployer_policy(
        access_role_arns=[f"${{aws_iam_role.{role_name}.arn}}"], region="eu-west-1"
    )


def test_synthesized_policies_pass_parliament() -> None:
    """The policies as synthesized (literal account) have no MEDIUM+ parliament finding beyond the documented."""
    stack = new_stack()
    AccessAnalyzerServiceRole(
        stack, "access", trail_bucket_arn=BUCKET, kms_key_arn=KEY, trail_arns=[TRAIL], account_id=ACCOUNT
    )
    out = synth(stack)
    _, role = only(out["resource"], "aws_iam_role")
    _, policy = only(out["resource"], "aws_iam_role_policy")
    assert lint(json.loads(role["assume_role_policy"]), "trust") == []
    assert lint(json.loads(policy["policy"]), "service_role") == []
