"""`policygen review` and `policygen estimate` per account and Region (issue 23): roles, days, job minutes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policygen.cli import main
from policygen.review import review_plan, to_markdown
from tests.constructs.test_organization import write_specs
from tests.test_review import change, plan, planned

ACCOUNTS = ("111111111111", "222222222222")


def role(account: str) -> str:
    """The generation role of an account."""
    return f"arn:aws:iam::{account}:role/PolicyGeneration"


def org_plan(per_account: int, region: str = "us-east-1", assume_role_as_list: bool = False) -> dict[str, Any]:
    """``per_account`` creates in each account, each through an aliased provider that assumes the account's role."""
    providers: dict[str, dict[str, Any]] = {}
    provider_of: dict[str, str] = {}
    changes = []
    for account in ACCOUNTS:
        key = f"accessanalyzer.a{account}_{region.replace('-', '_')}"
        block = {"role_arn": {"constant_value": role(account)}}
        providers[key] = {
            "name": "accessanalyzer",
            "alias": key.split(".")[1],
            "expressions": {
                "region": {"constant_value": region},
                "assume_role": [block] if assume_role_as_list else block,
            },
        }
        for index in range(per_account):
            name = f"a{account[0]}_{index}"
            provider_of[name] = key
            changes.append(change(name, ["create"], after=planned(principal=f"arn:aws:iam::{account}:role/r{index}")))
    return plan(*changes, providers=providers, provider_of=provider_of)


@pytest.mark.parametrize("as_list", [False, True])
def test_each_account_is_its_own_queue_with_its_role(as_list: bool) -> None:
    """Two accounts of 3 jobs: two queues naming account and role, run side by side; the generations show both."""
    review = review_plan(org_plan(3, assume_role_as_list=as_list))
    assert [(q.account, q.role_arn, q.jobs_started) for q in review.regions] == [
        (ACCOUNTS[0], role(ACCOUNTS[0]), 3),
        (ACCOUNTS[1], role(ACCOUNTS[1]), 3),
    ]
    assert review.estimated_apply_seconds == 2 * 150  # side by side: as long as one account's queue
    markdown = to_markdown(review)
    assert f"- **Account:** {ACCOUNTS[0]} (assumes `{role(ACCOUNTS[0])}`)" in markdown
    assert "The 2 accounts and Regions run side by side" in markdown
    assert f"| {ACCOUNTS[1]} | us-east-1 | `{role(ACCOUNTS[1])}` | 3 | 50 | yes | day 1: 3 | ~5 min |" in markdown


def test_a_queue_beyond_the_quota_says_on_which_days_the_rest_runs() -> None:
    """Seven jobs of one account in a 5-a-day Region: 5 today, 2 on day 2; the apply time counts today's."""
    review = review_plan(org_plan(7, region="me-south-1"))
    queue = review.regions[0]
    assert (queue.days, queue.fits_daily_quota, queue.jobs_today) == ([5, 2], False, 5)
    warning = next(w for w in review.warnings if w.code == "daily_quota")
    assert f"account {ACCOUNTS[0]} in me-south-1" in warning.message
    assert "(day 2: 2)" in warning.message
    assert review.to_dict()["regions"][0]["jobs_per_day"] == [5, 2]


def test_job_minutes_set_the_estimates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`review --job-minutes 10`: three jobs of one account take 20 min of apply, 30 until ready."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(org_plan(3)))
    assert main(["review", str(path), "--format", "json", "--job-minutes", "10"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["seconds_per_job"] == 600
    assert data["regions"][0]["estimated_apply_seconds"] == 1200
    assert data["regions"][0]["estimated_ready_seconds"] == 1800


# ---- policygen estimate -----------------------------------------------------------------------


def test_estimate_of_a_spec_folder_per_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`estimate specs/ --roles PATTERN --region R`: one queue per account, its role, days and times."""
    specs = write_specs(tmp_path / "specs", {ACCOUNTS[0]: 3, ACCOUNTS[1]: 1})
    status = main(["estimate", str(specs), "--roles", "arn:aws:iam::{account}:role/PolicyGeneration",
                   "--region", "eu-west-1", "--job-minutes", "4", "--format", "json"])  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert status == 0
    assert [(q["account"], q["role_arn"], q["region"], q["jobs_started"]) for q in data["queues"]] == [
        (ACCOUNTS[0], role(ACCOUNTS[0]), "eu-west-1", 3),
        (ACCOUNTS[1], role(ACCOUNTS[1]), "eu-west-1", 1),
    ]
    assert (data["estimated_apply_seconds"], data["estimated_ready_seconds"]) == (480, 720)


def test_estimate_beyond_the_quota_exits_1_unless_later_days_are_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Six specs in af-south-1: the text names day 2, and the exit status is 1 (0 with --allow-later-days)."""
    specs = write_specs(tmp_path / "specs", {ACCOUNTS[0]: 6}, region="af-south-1")
    assert main(["estimate", str(specs), "--region", "af-south-1"]) == 1
    out = capsys.readouterr().out
    assert "day 1: 5, day 2: 1" in out
    assert "NO" in out
    assert "exceed the daily quota" in out
    assert main(["estimate", str(specs), "--region", "af-south-1", "--allow-later-days"]) == 0


def test_estimate_names_accounts_without_a_role(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A mapping that leaves an account out: exit 1, naming the account, its specs and the fix."""
    specs = write_specs(tmp_path / "specs", {ACCOUNTS[0]: 1, ACCOUNTS[1]: 1})
    assert main(["estimate", str(specs), "--roles", f"{ACCOUNTS[0]}={role(ACCOUNTS[0])}"]) == 1
    err = capsys.readouterr().err
    assert f"account {ACCOUNTS[1]}: a2-role-0" in err
    assert "{account}" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--job-minutes", "0"], "more than 0"),
        (["--roles", "arn:aws:iam::111111111111:role/X"], "neither a pattern"),
    ],
)
def test_estimate_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """A job duration or roles that cannot work are usage errors."""
    with pytest.raises(SystemExit) as caught:
        main(["estimate", str(tmp_path), *args])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err
