"""allow_later_days reaches the provider block, where the provider's own quota check at plan reads it (issue 23)."""

from __future__ import annotations

import json

import cdktf

from policygen import AccessAnalyzerProvider, PolicyGeneration, Trail

ACCOUNT = "123456789012"


def generation(stack: cdktf.TerraformStack, name: str, **options: object) -> None:
    PolicyGeneration(
        stack,
        name,
        principal_arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        access_role=f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole",
        trails=[Trail(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management", regions=("us-east-1",))],
        lookback_days=7,
        **options,  # type: ignore[arg-type]
    )


def providers(stack: cdktf.TerraformStack) -> list[dict[str, object]]:
    blocks: list[dict[str, object]] = json.loads(cdktf.Testing.synth(stack))["provider"]["accessanalyzer"]
    return blocks


def test_a_generation_that_may_run_later_lets_its_provider_plan_beyond_the_quota() -> None:
    """A generation with allow_later_days=True synthesizes allow_later_days = true on its provider."""
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "later")
    generation(stack, "late", allow_later_days=True)
    (block,) = providers(stack)
    assert block["allow_later_days"] is True


def test_without_it_the_provider_block_leaves_it_out() -> None:
    """By default the provider judges the quota at plan: nothing is synthesized."""
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "strict")
    AccessAnalyzerProvider(stack, "aa", region="us-east-1")
    generation(stack, "strict")
    (block,) = providers(stack)
    assert "allow_later_days" not in block


def test_a_default_provider_the_user_adds_later_gets_it_too() -> None:
    """policygen's default provider is remembered per stack until the user's own replaces it: a
    generation declared after that sets allow_later_days on the user's block, the one synthesized."""
    stack = cdktf.TerraformStack(cdktf.Testing.app(), "replaced")
    generation(stack, "first", allow_later_days=True)
    AccessAnalyzerProvider(stack, "accessanalyzer", region="eu-west-1")
    generation(stack, "second", allow_later_days=True)
    (block,) = providers(stack)
    assert block == {"allow_later_days": True, "region": "eu-west-1"}
