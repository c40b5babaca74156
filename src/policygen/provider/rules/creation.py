"""What the plan of a create may promise, and which job its apply ends holding.

Terraform plans every create twice: in ``terraform plan`` (or the plan half of ``apply``), and
again just before the create, seeing only the configuration. Every value known in the first plan
must come out the same in the second, which may run in another folder, on another machine, days
later (a saved plan applied by a pipeline). So a plan shows a value only when the configuration
alone decides it:

- ``start_time`` is known at plan when it is configured, or when ``lookback_days`` counts back
  from a configured ``end_time``. A window relative to today is resolved at apply, when the job is
  created: the plan shows ``lookback_days`` and "(known after apply)".
- A derived ``client_token`` is always "(known after apply)": it depends on the resolved window,
  and on the job a replacement replaces, which Terraform (1.11) does not pass to the second plan.

The derived token of one creation is the UUID of the resolved request, the triggers, the
``instance_key`` and, for a replacement, the job it replaces (:func:`derive_token`). A create
lists the principal's jobs before it starts, so that :func:`judge_returned` can tell the job of a
retried or interrupted create (taken over) from the job of an earlier creation (spent: a new
token is derived that names it, and the create starts again).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from policygen.spec import fields
from policygen.spec.fields import REQUEST_FIELDS

#: The configured inputs that identify a resource's request: every field the plan cannot compute,
#: and ``instance_key``. ``start_time`` counts only when configured (without ``lookback_days``).
KEY_INPUTS = (*(f.attribute for f in REQUEST_FIELDS if not f.computed), "instance_key")
#: Job statuses a create must never take over when the job had them before the create began.
SPENT_STATUSES = frozenset({"FAILED", "CANCELED"})
#: How many spent jobs in a row one create steps past before it gives up (each step derives a
#: new token naming the job it steps past; more than a few means something else is wrong).
MAX_SPENT_STEPS = 5


def document_of(state: Mapping[str, Any]) -> dict[str, Any]:
    """The spec document (API field names) that a resource's attributes describe.

    A value unknown until apply (``None`` here, see :func:`known`) counts as left out.
    """
    return fields.document(state)


def window_known_at_plan(config: Mapping[str, Any]) -> bool:
    """Whether the configuration alone decides the window, so that the plan can show ``start_time``."""
    return config.get("lookback_days") is None or config.get("end_time") is not None


def request_key(state: Mapping[str, Any], where: Mapping[str, Any]) -> str:
    """The identity of the request that ``state`` (a configuration, a plan or a state) describes.

    A digest of the configured inputs (:data:`KEY_INPUTS`) and of ``where`` (the provider's
    Region, profile and endpoint), never of the time: a plan and an apply of the same resource
    agree on it, and so does the delete of a replaced object and its replacement's create.
    """
    inputs: dict[str, Any] = {name: state.get(name) for name in KEY_INPUTS}
    inputs["trails"] = _normal_trails(inputs["trails"])
    days = inputs["lookback_days"]
    if isinstance(days, float) and days.is_integer():
        inputs["lookback_days"] = int(days)
    if state.get("lookback_days") is None:
        inputs["start_time"] = state.get("start_time")
    canonical = json.dumps({"inputs": inputs, "provider": dict(where)}, sort_keys=True, separators=(",", ":"))
    import hashlib  # on use: the launches that only answer the schema or validate skip OpenSSL's loading

    return hashlib.sha256(canonical.encode()).hexdigest()


def _normal_trails(trails: Any) -> Any:
    """An unset ``regions`` equals an empty list, an unset ``all_regions`` equals false."""
    if not isinstance(trails, list):
        return trails
    return [
        {**t, "regions": sorted(t.get("regions") or []), "all_regions": bool(t.get("all_regions"))}
        if isinstance(t, dict)
        else t
        for t in trails
    ]


@dataclass(frozen=True)
class PlannedCreate:
    """What the plan of a create decides: the findings at fault, the values it shows, and the
    token the create would derive if it were applied now (for the claims check, never shown)."""

    findings: list[tuple[str, str]]
    values: dict[str, Any]
    provisional_token: str | None


def plan_create(config: Mapping[str, Any], now: datetime, replaces: str | None = None) -> PlannedCreate:
    """The plan of a create of ``config`` at ``now``; ``replaces`` is the job it replaces, if known.

    Judges the rules that depend on the current time (they hold when a job is created), and
    shows ``start_time`` where the configuration decides it. Returns no values on findings.
    """
    from policygen.spec import document_findings  # the spec's checks: only plans need them

    doc = document_of(config)
    findings = document_findings(doc, now)
    if findings:
        return PlannedCreate(findings, {}, None)
    request = creation_request(config, now, replaces=replaces)
    values: dict[str, Any] = {}
    if config.get("start_time") is None and window_known_at_plan(config):
        values["start_time"] = request["cloudTrailDetails"]["startTime"]
    return PlannedCreate([], values, request["clientToken"])


def creation_request(state: Mapping[str, Any], now: datetime, *, replaces: str | None = None) -> dict[str, Any]:
    """The StartPolicyGeneration request of a planned state, as created at ``now``.

    A ``start_time`` the plan showed is sent as it is; ``lookback_days`` without it is resolved
    at ``now``. A configured ``client_token`` is sent as it is; else one is derived
    (:func:`policygen.spec.model.derive_client_token`) with ``replaces`` mixed in.
    """
    from policygen.spec.model import resolve_request  # uuid and hashlib: only creates need them

    doc = document_of(state)
    details = doc["cloudTrailDetails"]
    if state.get("start_time") is not None:
        details.pop("lookbackDays", None)  # decided at plan: send what the plan showed
    return resolve_request(doc, now, instance=state.get("instance_key"), replaces=replaces)


class Returned(Enum):
    """What the job a StartPolicyGeneration returned is to this create."""

    #: A job that did not exist before this create: started by it.
    STARTED = "started"
    #: A job that existed, in progress or succeeded, which no earlier creation this process knows of
    #: holds: the job of this very creation, started by an interrupted or retried apply.
    RESUMED = "resumed"
    #: A job of an earlier creation (it had failed or was cancelled, or this process has just
    #: destroyed it): never taken over.
    SPENT = "spent"


def judge_returned(job_id: str, before: Mapping[str, str], replaced: frozenset[str] | set[str]) -> Returned:
    """Whether the job ``job_id`` that a start returned may be kept by this create.

    ``before`` maps the principal's jobs, listed just before the start, to their statuses;
    ``replaced`` holds the jobs this provider process destroyed (the old halves of replacements).
    """
    if job_id in replaced:
        return Returned.SPENT
    if job_id not in before:
        return Returned.STARTED
    return Returned.SPENT if before[job_id] in SPENT_STATUSES else Returned.RESUMED


def spent_warning(job_id: str, status: str, token: str, new_token: str) -> str:
    """The warning of a create that stepped past a job of an earlier creation."""
    return (
        f"The client token {token} belongs to policy generation {job_id} ({status}), which an earlier "
        f"creation of this resource started. It was not taken over: this create derived the new token "
        f"{new_token}, which names that job, and started with it. Nothing needs to be done."
    )


def beyond_daily_quota(planned: int, started_today: int, quota: int, region: str | None) -> str | None:
    """The error's detail when the ``planned``-th create of a plan would exceed the day's quota, else None.

    ``started_today`` counts the jobs the service lists as started in the last 24 hours; the quota is
    per account and Region, cancelled and failed jobs included (AWS's Access Analyzer quotas).
    """
    if started_today + planned <= quota:
        return None
    where = f"Region {region}" if region else "this provider's Region"
    fit = max(0, quota - started_today)
    return (
        f"This is create {planned} of this plan in {where} (this provider's account), and {started_today} "
        f"generation(s) were started there in the last 24 hours; Access Analyzer allows {quota} a day per account and "
        f"Region, cancelled and failed ones included, so only {fit} more fit today and this start would fail at "
        "apply. Set `allow_later_days = true` in the provider block to plan it anyway (its start fails today and a "
        "later apply creates it), or spread the generations over days (`policygen estimate` shows the days)."
    )
