"""The plan rules of the provider's servicer, through the protocol's own requests (issue 11).

Each test sends PlanResourceChange the way Terraform does and reads the planned state, the
planned private data, the replace paths and the diagnostics.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tf.gen import tfplugin_pb2 as pb
from tf.utils import read_dynamic_value, to_dynamic_value

from policygen._names import POLICY_GENERATION_TYPE
from policygen.provider.clock import NOW_ENV
from policygen.provider.configuration import PolicygenProvider
from policygen.provider.planned import PlannedCreates
from policygen.provider.policy_generation import PolicyGenerationHandler
from policygen.provider.protocol import PolicygenServicer

ACCOUNT = "123456789012"
CONFIG: dict[str, Any] = {
    "principal_arn": f"arn:aws:iam::{ACCOUNT}:role/app",
    "access_role": f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole",
    "trails": [
        {
            "cloud_trail_arn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management",
            "regions": ["us-east-1"],
            "all_regions": None,
        }
    ],
    "start_time": None,
    "lookback_days": 7,
    "end_time": None,
    "client_token": None,
    "triggers": None,
    "wait_for_completion": None,
    "wait_timeout": None,
    "queue_timeout": None,
    "instance_key": None,
    "job_id": None,
    "status": None,
    "started_on": None,
    "completed_on": None,
    "job_error": None,
    "expired": None,
}
COMPUTED = ("start_time", "client_token", "job_id", "status", "started_on", "completed_on", "job_error", "expired")


def servicer(tmp_path: Path) -> PolicygenServicer:
    """A servicer whose planned creates are kept under ``tmp_path``."""
    return PolicygenServicer(PolicygenProvider(planned=PlannedCreates(tmp_path / "planned.json")))


def plan(
    service: PolicygenServicer,
    config: dict[str, Any],
    prior: dict[str, Any] | None = None,
    prior_private: bytes = b"",
) -> pb.PlanResourceChange.Response:
    """PlanResourceChange as Terraform sends it: the proposed state merges prior computed values into the config."""
    proposed = dict(config)
    for name in COMPUTED:
        if proposed.get(name) is None:
            proposed[name] = prior.get(name) if prior else None
    return service.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=POLICY_GENERATION_TYPE,
            prior_state=to_dynamic_value(prior),
            proposed_new_state=to_dynamic_value(proposed),
            config=to_dynamic_value(config),
            prior_private=prior_private,
        ),
        None,  # type: ignore[arg-type]  # the servicer never uses the gRPC context
    )


def planned(response: pb.PlanResourceChange.Response) -> dict[str, Any]:
    value: dict[str, Any] = read_dynamic_value(response.planned_state)
    return value


def errors(response: pb.PlanResourceChange.Response) -> list[str]:
    return [f"{d.summary}: {d.detail}" for d in response.diagnostics if d.severity == pb.Diagnostic.ERROR]


def existing(job_id: str = "job-0", **changes: Any) -> dict[str, Any]:
    """A created resource in state."""
    return {
        **CONFIG,
        "start_time": "2026-11-01T00:00:00Z",
        "client_token": "tok-0",
        "job_id": job_id,
        "status": "SUCCEEDED",
        "expired": False,
        **changes,
    }


def test_the_plan_of_a_create_shows_the_window_and_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """lookback_days is resolved into start_time and a client token derived at plan, not left unknown."""
    monkeypatch.setenv(NOW_ENV, "2026-12-01T15:30:00Z")
    values = planned(plan(servicer(tmp_path), CONFIG))
    assert values["start_time"] == "2026-11-25T00:00:00Z"
    assert isinstance(values["client_token"], str)
    assert len(values["client_token"]) == 36


def test_a_later_plan_of_the_same_create_repeats_its_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Terraform plans a create again before applying it (maybe the next day): the values stay the same."""
    monkeypatch.setenv(NOW_ENV, "2026-12-01T23:59:00Z")
    first = planned(plan(servicer(tmp_path), CONFIG))
    monkeypatch.setenv(NOW_ENV, "2026-12-02T00:01:00Z")
    second = planned(plan(servicer(tmp_path), CONFIG))  # a new process, as Terraform's apply walk is
    assert (second["start_time"], second["client_token"]) == (first["start_time"], first["client_token"])


def test_without_the_record_a_new_day_plans_a_new_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The record is what carries a plan across midnight: without it, the next day's window is resolved."""
    monkeypatch.setenv(NOW_ENV, "2026-12-01T23:59:00Z")
    first = planned(plan(servicer(tmp_path / "a"), CONFIG))
    monkeypatch.setenv(NOW_ENV, "2026-12-02T00:01:00Z")
    second = planned(plan(servicer(tmp_path / "b"), CONFIG))
    assert second["start_time"] == "2026-11-26T00:00:00Z"
    assert second["client_token"] != first["client_token"]


def test_a_replacement_plans_a_token_of_its_own(tmp_path: Path) -> None:
    """The first call of a replacement hands the job being replaced to the create call, whose token differs."""
    fresh = planned(plan(servicer(tmp_path / "fresh"), CONFIG))["client_token"]
    service = servicer(tmp_path / "replace")
    first = plan(service, CONFIG, prior=existing("job-0"))
    assert first.planned_private == b'{"replaces": "job-0"}'
    replacement = planned(plan(service, CONFIG, prior_private=first.planned_private))["client_token"]
    assert replacement != fresh
    again = planned(plan(servicer(tmp_path / "replace"), CONFIG))["client_token"]  # the apply's re-plan
    assert again == replacement


def test_a_tainted_create_is_replaced_with_a_new_token(tmp_path: Path) -> None:
    """Terraform shows the replacement of a tainted object as a plain create; the record says what it replaces."""
    provider = PolicygenProvider(planned=PlannedCreates(tmp_path / "planned.json"))
    original = planned(plan(PolicygenServicer(provider), CONFIG))["client_token"]
    key = PolicyGenerationHandler(provider).request_key(CONFIG)
    provider.planned.tainted(key, "job-failed", datetime.now(UTC))  # what create does when its wait fails
    replacement = planned(plan(servicer(tmp_path), CONFIG))["client_token"]
    assert replacement != original


def test_time_rules_are_judged_only_for_a_create(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A start 100 days ago without an end fails the plan of a create, never the plan of an existing resource."""
    monkeypatch.setenv(NOW_ENV, "2027-03-11T00:00:00Z")
    fixed = {**CONFIG, "lookback_days": None, "start_time": "2026-12-01T00:00:00Z"}
    (error,) = errors(plan(servicer(tmp_path), fixed))
    assert "the window is 100 days" in error
    assert errors(plan(servicer(tmp_path), fixed, prior=existing(start_time="2026-12-01T00:00:00Z"))) == []


def test_two_creates_with_one_request_are_refused(tmp_path: Path) -> None:
    """The second create whose token another resource of the plan holds gets an error naming the fix."""
    service = servicer(tmp_path)
    assert errors(plan(service, CONFIG)) == []
    (error,) = errors(plan(service, CONFIG))
    assert error.startswith("Two policy generations would share one job")
    assert "instance_key" in error
    assert errors(plan(service, {**CONFIG, "instance_key": "b"})) == []


def test_an_import_is_reconciled_in_place_once(tmp_path: Path) -> None:
    """Null values of an imported job are recorded in place; after that, adding triggers replaces."""
    imported = existing(access_role=None, lookback_days=None, client_token=None)
    first = plan(servicer(tmp_path), CONFIG, prior=imported)
    assert list(first.requires_replace) == []
    assert planned(first)["client_token"] == ""
    reconciled = {**imported, "access_role": CONFIG["access_role"], "lookback_days": 7, "client_token": ""}
    changed = plan(servicer(tmp_path), {**CONFIG, "triggers": {"rev": "2"}}, prior=reconciled)
    assert [p.steps[0].attribute_name for p in changed.requires_replace] == ["triggers"]
