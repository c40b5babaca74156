"""The provider's rules without Terraform or gRPC (issue 19, item 9): plan promises, tokens, spent jobs, claims."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from policygen.provider.rules.claims import Claims
from policygen.provider.rules.creation import (
    Returned,
    creation_request,
    judge_returned,
    plan_create,
    request_key,
)
from policygen.provider.rules.memory import ProcessMemory, Replaced
from policygen.provider.rules.outside import older_than_history, ways_out

RULES = Path(__file__).resolve().parents[2] / "src" / "policygen" / "provider" / "rules"
ACCOUNT = "123456789012"
CONFIG: dict[str, Any] = {
    "principal_arn": f"arn:aws:iam::{ACCOUNT}:role/app",
    "access_role": f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole",
    "trails": [
        {"cloud_trail_arn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management", "regions": ["us-east-1"]}
    ],
    "lookback_days": 30,
}
WHERE = {"region": "us-east-1", "profile": None, "endpoint": None}
EVENING = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)


def test_the_rules_import_neither_tf_nor_grpc() -> None:
    """Every module of provider/rules imports no tf and no grpc, so the rules run without the framework."""
    for path in RULES.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert name.split(".")[0] not in ("tf", "grpc"), f"{path.name} imports {name}"


def test_a_relative_window_is_not_promised_at_plan() -> None:
    """lookback_days without end_time: the plan shows no start_time (the apply decides it)."""
    planned = plan_create(CONFIG, EVENING)
    assert planned.findings == []
    assert "start_time" not in planned.values


def test_a_window_counted_back_from_end_time_is_promised() -> None:
    """lookback_days from a configured end_time is the same on any day, so the plan shows it."""
    config = {**CONFIG, "end_time": "2026-11-30T00:00:00Z"}
    first = plan_create(config, EVENING)
    later = plan_create(config, EVENING + timedelta(days=5))
    assert first.values == later.values == {"start_time": "2026-10-31T00:00:00Z"}


def test_the_token_differs_per_creation_and_is_stable_per_retry() -> None:
    """Same request and day: the same token; a replaced job mixed in, or another day's window: another token."""
    same = creation_request(CONFIG, EVENING)["clientToken"]
    assert creation_request(CONFIG, EVENING + timedelta(seconds=30))["clientToken"] == same  # same UTC day
    assert creation_request(CONFIG, EVENING, replaces="job-0")["clientToken"] != same
    assert creation_request(CONFIG, EVENING + timedelta(minutes=2))["clientToken"] != same  # after midnight


def test_a_window_the_plan_showed_is_sent_as_it_is() -> None:
    """A planned start_time is sent unchanged, whatever the day of the apply."""
    planned = {**CONFIG, "start_time": "2026-11-02T00:00:00Z"}
    request = creation_request(planned, EVENING + timedelta(days=6))
    assert request["cloudTrailDetails"]["startTime"] == "2026-11-02T00:00:00Z"
    assert "lookbackDays" not in request["cloudTrailDetails"]


@pytest.mark.parametrize(
    ("before", "replaced", "expected"),
    [
        ({}, set(), Returned.STARTED),
        ({"j": "IN_PROGRESS"}, set(), Returned.RESUMED),
        ({"j": "SUCCEEDED"}, set(), Returned.RESUMED),
        ({"j": "CANCELED"}, set(), Returned.SPENT),
        ({"j": "FAILED"}, set(), Returned.SPENT),
        ({"j": "IN_PROGRESS"}, {"j"}, Returned.SPENT),
        ({}, {"j"}, Returned.SPENT),
    ],
)
def test_a_returned_job_is_judged(before: dict[str, str], replaced: set[str], expected: Returned) -> None:
    """A job of an earlier creation (ended badly, or destroyed by this process) is never taken over."""
    assert judge_returned("j", before, replaced) is expected


def test_the_request_key_ignores_time_and_tells_instances_apart() -> None:
    """The identity of a request: the same for a plan and its apply; another instance key, another identity."""
    assert request_key(CONFIG, WHERE) == request_key({**CONFIG, "start_time": "2026-11-01T00:00:00Z"}, WHERE)
    assert request_key(CONFIG, WHERE) != request_key({**CONFIG, "instance_key": "w2/app"}, WHERE)
    assert request_key(CONFIG, WHERE) != request_key(CONFIG, {**WHERE, "region": "eu-west-1"})


def test_claims_refuse_a_create_that_would_take_an_existing_job_in_either_order() -> None:
    """A create and a kept resource with one token conflict, whichever of the two is planned first."""
    state = {**CONFIG, "client_token": "t", "job_id": "j-1"}
    first = Claims()
    assert first.claim_existing(state) is None
    assert first.claim_for_create("t", CONFIG) is not None
    second = Claims()
    assert second.claim_for_create("t", CONFIG) is None
    problem = second.claim_existing(state)
    assert problem is not None
    assert "instance_key" in problem


def test_memory_carries_a_replaced_job_to_its_replacement() -> None:
    """The old object's delete tells the same request's create which job it replaces, and whether it runs on."""
    memory = ProcessMemory()
    memory.destroyed("key", Replaced("j-old"))
    assert memory.replaced_by("key") == Replaced("j-old")
    left = Replaced("j-left", left_running=True, start_time="2026-11-25T00:00:00Z", client_token="t-1")
    memory.destroyed("other", left)
    assert memory.replaced_by("other") == left
    assert memory.replaced_by("none") is None
    assert memory.destroyed_jobs() == {"j-old", "j-left"}


def test_history_and_ways_out() -> None:
    """A job older than seven days has expired; the ways out name every command a user can run."""
    assert older_than_history({"started_on": "2026-11-20T00:00:00Z"}, EVENING)
    assert not older_than_history({"started_on": "2026-11-30T00:00:00Z"}, EVENING)
    text = ways_out()
    for way in ("`region`", "terraform destroy -refresh=false", "terraform state rm", "terraform import"):
        assert way in text


def test_creates_beyond_the_days_quota_are_refused_with_the_numbers() -> None:
    """The 51st create of a plan (or the 6th in a low-quota Region, jobs of the last 24 hours counted) is refused."""
    from policygen.provider.rules.creation import beyond_daily_quota

    assert beyond_daily_quota(50, 0, 50, "us-east-1") is None
    message = beyond_daily_quota(51, 0, 50, "us-east-1")
    assert message is not None
    assert "create 51" in message
    assert "allows 50 a day" in message
    assert "allow_later_days = true" in message
    low = beyond_daily_quota(2, 4, 5, "af-south-1")
    assert low is not None
    assert "4 generation(s) were started there in the last 24 hours" in low
    assert "only 1 more fit today" in low
