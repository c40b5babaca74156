"""AccountProviders: one provider per account and Region, each assuming the account's role (issue 23)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cdktf
import pytest

from policygen import AccessAnalyzerProvider, AccountProviders, PolicyGeneration, PolicyGenerations, Trail
from policygen.errors import AccountRoleError, DailyQuotaError, InvalidArgumentError

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
PATTERN = "arn:aws:iam::{account}:role/PolicyGeneration"


@pytest.fixture
def stack() -> cdktf.TerraformStack:
    """An empty stack in a test app."""
    return cdktf.TerraformStack(cdktf.Testing.app(), "org")


def synthesized(stack: cdktf.TerraformStack) -> dict[str, Any]:
    """The stack's cdk.tf.json as a mapping."""
    result: dict[str, Any] = json.loads(cdktf.Testing.synth(stack))
    return result


def write_specs(folder: Path, roles_per_account: dict[str, int], region: str = "us-east-1") -> Path:
    """One spec file per account, each with ``n`` generations of roles of that account."""
    folder.mkdir(exist_ok=True)
    for account, count in roles_per_account.items():
        entries = "".join(
            f"  - name: a{account[-1]}-role-{index}\n    principalArn: arn:aws:iam::{account}:role/role-{index}\n"
            for index in range(count)
        )
        (folder / f"{account}.yaml").write_text(
            "version: 1\ndefaults:\n  cloudTrailDetails:\n    trails:\n"
            f"      - cloudTrailArn: arn:aws:cloudtrail:{region}:{account}:trail/management\n"
            f"        regions: [{region}]\n"
            f"    accessRole: arn:aws:iam::{account}:role/AccessAnalyzerMonitorServiceRole\n"
            "    lookbackDays: 30\n"
            f"generations:\n{entries}"
        )
    return folder


def test_each_account_gets_one_provider_assuming_its_role(stack: cdktf.TerraformStack, tmp_path: Path) -> None:
    """Specs in three accounts: three aliased providers named after account and Region, each generation on its own."""
    specs = write_specs(tmp_path / "specs", dict.fromkeys(ACCOUNTS, 2))
    accounts = AccountProviders(stack, "accounts", roles=PATTERN, region="us-east-1")
    PolicyGenerations.from_directory(stack, specs, accounts=accounts)
    doc = synthesized(stack)
    providers = {p["alias"]: p for p in doc["provider"]["accessanalyzer"]}
    assert set(providers) == {f"a{a}_us_east_1" for a in ACCOUNTS}
    for account in ACCOUNTS:
        block = providers[f"a{account}_us_east_1"]
        assert block["region"] == "us-east-1"
        assert block["assume_role"] == {"role_arn": f"arn:aws:iam::{account}:role/PolicyGeneration"}
    for name, resource in doc["resource"]["accessanalyzer_policy_generation"].items():
        account = resource["principal_arn"].split(":")[4]
        assert resource["provider"] == f"accessanalyzer.a{account}_us_east_1", name


def test_a_mapping_names_each_accounts_role(stack: cdktf.TerraformStack, tmp_path: Path) -> None:
    """A mapping's role is used as given, with the shared assume_role settings."""
    specs = write_specs(tmp_path / "specs", {ACCOUNTS[0]: 1})
    role = f"arn:aws:iam::{ACCOUNTS[0]}:role/path/Drafts"
    accounts = AccountProviders(
        stack, "accounts", roles={ACCOUNTS[0]: role}, region="eu-west-1", external_id="ext-123", duration="2h"
    )
    PolicyGenerations.from_directory(stack, specs, accounts=accounts)
    (block,) = synthesized(stack)["provider"]["accessanalyzer"]
    assert block["assume_role"] == {"role_arn": role, "external_id": "ext-123", "duration": "2h"}
    assert block["alias"] == f"a{ACCOUNTS[0]}_eu_west_1"


def test_an_account_missing_from_the_mapping_names_account_specs_and_fix(
    stack: cdktf.TerraformStack, tmp_path: Path
) -> None:
    """Every account the mapping leaves out is named with its specs and the fix, before anything is declared."""
    specs = write_specs(tmp_path / "specs", dict.fromkeys(ACCOUNTS, 1))
    accounts = AccountProviders(
        stack, "accounts", roles={ACCOUNTS[0]: f"arn:aws:iam::{ACCOUNTS[0]}:role/PolicyGeneration"}
    )
    with pytest.raises(AccountRoleError) as caught:
        PolicyGenerations.from_directory(stack, specs, accounts=accounts)
    message = str(caught.value)
    assert set(caught.value.accounts) == {ACCOUNTS[1], ACCOUNTS[2]}
    assert f"account {ACCOUNTS[1]}: a2-role-0 (" in message
    assert "222222222222.yaml" in message
    assert "arn:aws:iam::{account}:role/PolicyGeneration" in message
    assert not accounts.providers  # nothing was declared


def test_a_generation_given_account_providers_needs_no_wiring(stack: cdktf.TerraformStack) -> None:
    """provider=AccountProviders picks the principal's account's provider for a hand-written generation."""
    accounts = AccountProviders(stack, "accounts", roles=PATTERN, region="us-east-1")
    PolicyGeneration(
        stack,
        "app",
        principal_arn=f"arn:aws:iam::{ACCOUNTS[1]}:role/app",
        access_role=f"arn:aws:iam::{ACCOUNTS[1]}:role/Access",
        trails=[Trail(f"arn:aws:cloudtrail:us-east-1:{ACCOUNTS[1]}:trail/management", regions=("us-east-1",))],
        lookback_days=7,
        provider=accounts,
    )
    resource = synthesized(stack)["resource"]["accessanalyzer_policy_generation"]["app"]
    assert resource["provider"] == f"accessanalyzer.a{ACCOUNTS[1]}_us_east_1"


@pytest.mark.parametrize(
    "roles",
    [
        "arn:aws:iam::111111111111:role/PolicyGeneration",  # no placeholder, no mapping
        "arn:aws:iam::{account}:user/PolicyGeneration",  # not a role
        {"111111111111": "arn:aws:iam::222222222222:role/X"},  # a role of another account
        {"1111": "arn:aws:iam::111111111111:role/X"},  # not an account id
    ],
)
def test_roles_that_cannot_work_are_refused(stack: cdktf.TerraformStack, roles: Any) -> None:
    """A pattern or mapping that cannot name each account's own role is an InvalidArgumentError."""
    with pytest.raises(InvalidArgumentError, match="role"):
        AccountProviders(stack, "accounts", roles=roles)


def test_assume_role_of_the_provider_is_checked_with_the_providers_rules(stack: cdktf.TerraformStack) -> None:
    """A malformed assume_role block fails where the provider is declared, not at plan."""
    with pytest.raises(InvalidArgumentError, match="duration must be from 15m to 12h"):
        AccessAnalyzerProvider(stack, "p", alias="p", assume_role={"role_arn": PATTERN.format(account="1" * 12),
                                                                    "duration": "13h"})  # fmt: skip


def test_assume_role_synthesizes_as_an_hcl_block(stack: cdktf.TerraformStack) -> None:
    """`synth --hcl` renders assume_role as a nested block, not an attribute."""
    block = {"role_arn": "arn:aws:iam::111111111111:role/R", "tags": {"team": "platform"}}
    provider = AccessAnalyzerProvider(stack, "p", alias="p", sts_endpoint="http://127.0.0.1:1", assume_role=block)
    hcl = provider._synthesize_hcl_attributes()
    assert hcl["assume_role"]["isBlock"] is True
    assert hcl["assume_role"]["value"]["role_arn"]["value"] == "arn:aws:iam::111111111111:role/R"
    assert hcl["sts_endpoint"]["value"] == "http://127.0.0.1:1"


# ---- the daily quota, at synth ----------------------------------------------------------------


def test_generations_beyond_the_daily_quota_are_refused_with_the_numbers(
    stack: cdktf.TerraformStack, tmp_path: Path
) -> None:
    """52 generations of one account in us-east-1: the two beyond 50 are named, with the day they could run."""
    specs = write_specs(tmp_path / "specs", {ACCOUNTS[0]: 52, ACCOUNTS[1]: 3})
    accounts = AccountProviders(stack, "accounts", roles=PATTERN, region="us-east-1")
    with pytest.raises(DailyQuotaError) as caught:
        PolicyGenerations.from_directory(stack, specs, accounts=accounts)
    assert caught.value.beyond == ["a1-role-50", "a1-role-51"]
    message = str(caught.value)
    assert "52 policy generations are declared for account 111111111111 in us-east-1" in message
    assert "at most 50 a day" in message
    assert "day 1: 50, day 2: 2" in message
    assert "allow_later_days=True" in message


def test_a_low_quota_region_counts_five(stack: cdktf.TerraformStack, tmp_path: Path) -> None:
    """In af-south-1 the sixth generation of an account is beyond the quota."""
    specs = write_specs(tmp_path / "specs", {ACCOUNTS[0]: 6}, region="af-south-1")
    accounts = AccountProviders(stack, "accounts", roles=PATTERN, region="af-south-1")
    with pytest.raises(DailyQuotaError, match="at most 5 a day") as caught:
        PolicyGenerations.from_directory(stack, specs, accounts=accounts)
    assert caught.value.beyond == ["a1-role-5"]


def test_allow_later_days_lets_them_be_declared(stack: cdktf.TerraformStack, tmp_path: Path) -> None:
    """With allow_later_days (on the call or on AccountProviders) every generation is declared."""
    specs = write_specs(tmp_path / "specs", {ACCOUNTS[0]: 51})
    accounts = AccountProviders(stack, "accounts", roles=PATTERN, region="us-east-1", allow_later_days=True)
    assert len(PolicyGenerations.from_directory(stack, specs, accounts=accounts)) == 51


def test_the_quota_counts_accounts_apart(stack: cdktf.TerraformStack, tmp_path: Path) -> None:
    """40 generations in each of three accounts fit: the quota is per account and Region."""
    specs = write_specs(tmp_path / "specs", dict.fromkeys(ACCOUNTS, 40))
    accounts = AccountProviders(stack, "accounts", roles=PATTERN, region="us-east-1")
    assert len(PolicyGenerations.from_directory(stack, specs, accounts=accounts)) == 120


def test_a_single_generation_beyond_the_quota_is_refused_where_declared(stack: cdktf.TerraformStack) -> None:
    """The 51st PolicyGeneration on one provider raises; the same with allow_later_days=True is declared."""
    provider = AccessAnalyzerProvider(stack, "p", alias="p", region="us-east-1")

    def declare(index: int, **extra: Any) -> PolicyGeneration:
        return PolicyGeneration(
            stack,
            f"g{index}",
            principal_arn=f"arn:aws:iam::{ACCOUNTS[0]}:role/r{index}",
            access_role=f"arn:aws:iam::{ACCOUNTS[0]}:role/Access",
            trails=[Trail(f"arn:aws:cloudtrail:us-east-1:{ACCOUNTS[0]}:trail/management", regions=("us-east-1",))],
            lookback_days=7,
            provider=provider,
            **extra,
        )

    for index in range(50):
        declare(index)
    with pytest.raises(DailyQuotaError, match="g50"):
        declare(50)
    declare(50, allow_later_days=True)
