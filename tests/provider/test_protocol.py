"""The plan rules of the provider's servicer, through the protocol's own requests (issue 11).

Each test sends PlanResourceChange the way Terraform does and reads the planned state, the
planned private data, the replace paths and the diagnostics.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tf.gen import tfplugin_pb2 as pb
from tf.types import Unknown
from tf.utils import read_dynamic_value, to_dynamic_value

from policygen._names import POLICY_GENERATION_TYPE
from policygen.provider.clock import NOW_ENV
from policygen.provider.configuration import PolicygenProvider
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


def servicer(tmp_path: Path | None = None) -> PolicygenServicer:
    """A servicer as Terraform starts one: a new provider process, which knows nothing of earlier ones."""
    return PolicygenServicer(PolicygenProvider())


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


def test_a_relative_window_and_a_derived_token_are_known_after_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    """lookback_days without end_time leaves start_time and the derived token unknown: only the apply decides them."""
    monkeypatch.setenv(NOW_ENV, "2026-12-01T15:30:00Z")
    response = plan(servicer(), CONFIG)
    assert errors(response) == []
    values = planned(response)
    assert values["start_time"] is Unknown
    assert values["client_token"] is Unknown
    assert values["lookback_days"] == 7


def test_a_window_the_configuration_decides_is_shown_the_same_on_every_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """lookback_days counted back from end_time is shown at plan, and a re-plan days later shows the same."""
    config = {**CONFIG, "end_time": "2026-11-30T00:00:00Z"}
    monkeypatch.setenv(NOW_ENV, "2026-12-01T23:59:00Z")
    first = planned(plan(servicer(), config))
    monkeypatch.setenv(NOW_ENV, "2026-12-06T00:01:00Z")
    second = planned(plan(servicer(), config))  # a new process in another folder, as a pipeline's apply is
    assert first["start_time"] == second["start_time"] == "2026-11-23T00:00:00Z"
    assert first["client_token"] is Unknown
    assert second["client_token"] is Unknown


def test_a_configured_token_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client_token the user set is what the plan shows and the apply sends."""
    values = planned(plan(servicer(), {**CONFIG, "client_token": "mine-1"}))
    assert values["client_token"] == "mine-1"


def test_the_first_plan_and_the_apply_replan_agree_across_midnight(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every value known in the plan before midnight is known and equal in the re-plan of its apply after it."""
    monkeypatch.setenv(NOW_ENV, "2026-12-01T23:59:59Z")
    first = planned(plan(servicer(), CONFIG))
    monkeypatch.setenv(NOW_ENV, "2026-12-02T00:00:01Z")
    second = planned(plan(servicer(), CONFIG))
    for name, value in first.items():
        if value is not Unknown:
            assert second[name] == value, name


def test_a_replacement_is_not_refused_as_sharing_the_old_job() -> None:
    """The create half of a -replace knows the job it replaces (private data), so its claim differs from the old one."""
    service = servicer()
    first = plan(service, CONFIG, prior=existing("job-0", client_token=None))
    assert first.planned_private == b'{"replaces": "job-0"}'
    assert errors(plan(service, CONFIG, prior_private=first.planned_private)) == []


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
