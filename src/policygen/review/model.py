"""The result model of ``policygen review``: what a plan does, as dataclasses with their ``to_dict``.

:class:`Review` is the whole report; :meth:`Review.to_dict` is the ``--format json`` document (its
shape is documented in ``docs/cli.md``). :func:`estimated_seconds` and the quotas per Region count
what the generations of a review start, one job at a time per Region.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from policygen._names import GENERATED_POLICY_TYPE, POLICY_CHECK_TYPE
from policygen.review.schedule import jobs_per_day
from policygen.spec.quotas import DAILY_QUOTA
from policygen.spec.quotas import daily_quota as daily_quota_of

RESOURCE_TYPE = "accessanalyzer_policy_generation"

#: Version of the ``--format json`` document; raised only when a field changes meaning or goes away.
REVIEW_FORMAT = 1

#: Expected duration of one job. AWS's CLI example job (about two days of logs) took about
#: 2 min 20 s; real jobs take longer as they read more log files. Rounded up to 2.5 min.
SECONDS_PER_JOB = 150


@dataclass(frozen=True)
class ReviewWarning:
    """One thing a reviewer should look at; ``address`` is None for the plan as a whole."""

    code: str
    message: str
    address: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The warning as a JSON-ready mapping."""
        return {"code": self.code, "address": self.address, "message": self.message}


@dataclass(frozen=True)
class TrailChange:
    """One trail of a generation, as the plan shows it (None where the plan does not know yet)."""

    cloud_trail_arn: str | None
    regions: tuple[str, ...] = ()
    all_regions: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The trail as a JSON-ready mapping."""
        return {"cloud_trail_arn": self.cloud_trail_arn, "regions": list(self.regions), "all_regions": self.all_regions}


@dataclass(frozen=True)
class Window:
    """The time window of a generation and a sentence describing it.

    ``days`` is the window's length when it can be known at plan time (for a start time without an
    end time: as of the plan's timestamp); ``resolved_at_apply`` is True for ``lookback_days``
    windows whose start is computed when the job is created.
    """

    start_time: str | None
    end_time: str | None
    lookback_days: int | None
    days: float | None
    resolved_at_apply: bool
    description: str

    def to_dict(self) -> dict[str, Any]:
        """The window as a JSON-ready mapping."""
        return {
            "start_time": self.start_time,
            "end_time": self.end_time,
            "lookback_days": self.lookback_days,
            "days": self.days,
            "resolved_at_apply": self.resolved_at_apply,
            "description": self.description,
        }


@dataclass(frozen=True)
class GenerationChange:
    """One policy generation resource the plan changes.

    ``action`` is ``create``, ``replace``, ``delete``, ``update`` (in place: no new job) or
    ``forget`` (removed from state without destroying). For replace and delete, ``previous_job_id``
    and ``previous_status`` describe the job in state; ``cancels_job`` is True when that job was
    IN_PROGRESS at plan time, so applying cancels it.
    """

    address: str
    action: str
    region: str | None
    region_note: str
    principal_arn: str | None
    access_role: str | None
    trails: tuple[TrailChange, ...] | None
    window: Window | None
    previous_job_id: str | None = None
    previous_status: str | None = None
    replaced_attributes: tuple[str, ...] = ()
    unknown_attributes: tuple[str, ...] = ()
    waits_for_completion: bool = False
    #: The client token the create will send, as the plan shows it (None: known only at apply).
    client_token: str | None = None
    #: The role its provider assumes (``assume_role.role_arn``), when the plan shows one.
    role_arn: str | None = None
    #: The account the job runs in: the assumed role's (None: the provider's own credentials decide).
    account: str | None = None
    #: The provider configuration that starts it (``accessanalyzer.<alias>``): one queue each.
    provider_key: str = "accessanalyzer"

    @property
    def starts_job(self) -> bool:
        """True when applying starts a new job (create or replace)."""
        return self.action in ("create", "replace")

    @property
    def cancels_job(self) -> bool:
        """True when applying cancels the job in state (it was in progress at plan time)."""
        return self.action in ("replace", "delete") and self.previous_status == "IN_PROGRESS"

    def to_dict(self) -> dict[str, Any]:
        """The change as a JSON-ready mapping."""
        return {
            "address": self.address,
            "action": self.action,
            "starts_job": self.starts_job,
            "cancels_job": self.cancels_job,
            "region": self.region,
            "region_note": self.region_note,
            "principal_arn": self.principal_arn,
            "access_role": self.access_role,
            "trails": None if self.trails is None else [t.to_dict() for t in self.trails],
            "window": None if self.window is None else self.window.to_dict(),
            "previous_job": (
                {"job_id": self.previous_job_id, "status": self.previous_status}
                if self.action in ("replace", "delete", "forget")
                else None
            ),
            "replaced_attributes": list(self.replaced_attributes),
            "unknown_attributes": list(self.unknown_attributes),
            "client_token": self.client_token,
            "account": self.account,
            "role_arn": self.role_arn,
        }


@dataclass(frozen=True)
class RegionQuota:
    """The jobs one apply starts in one account and Region (None: unknown), against its daily quota.

    They run one after another, so they alone decide how long the queue takes
    (:attr:`estimated_apply_seconds`). Only the jobs within the day's quota start today
    (:attr:`jobs_today`); :attr:`days` says how the rest would spread over later days.
    """

    region: str | None
    jobs_started: int
    #: True when one of the Region's generations waits for its job (``wait_for_completion``).
    waits_for_completion: bool = False
    #: The account the jobs run in (an assumed role's), None when the provider's credentials decide.
    account: str | None = None
    #: The role assumed to start them, when there is one.
    role_arn: str | None = None
    #: The expected duration of one job.
    seconds_per_job: int = SECONDS_PER_JOB

    @property
    def jobs_today(self) -> int:
        """The jobs that can start in this apply: at most the daily quota."""
        return min(self.jobs_started, self.daily_quota or self.jobs_started)

    @property
    def days(self) -> list[int]:
        """How many jobs start on each day, today first (one day when they fit the quota)."""
        return jobs_per_day(self.jobs_started, self.daily_quota or DAILY_QUOTA)

    @property
    def fits_daily_quota(self) -> bool:
        """True when every job can start today (an unknown Region is judged at the usual quota)."""
        return len(self.days) <= 1

    @property
    def estimated_apply_seconds(self) -> int:
        """How long the apply takes for this queue's jobs of today (see :func:`estimated_seconds`)."""
        return _one_region_seconds(self.jobs_today, self.waits_for_completion, self.seconds_per_job)[0]

    @property
    def estimated_ready_seconds(self) -> int:
        """Time from the start of the apply until this queue's last job of today has finished."""
        return _one_region_seconds(self.jobs_today, self.waits_for_completion, self.seconds_per_job)[1]

    def describe(self) -> str:
        """``us-east-1``, or ``account 111111111111 in us-east-1`` when the account is known."""
        region = self.region or "an unknown Region"
        return f"account {self.account} in {region}" if self.account else region

    @property
    def daily_quota(self) -> int | None:
        """50, or 5 in the Regions with the lower quota; None when the Region is unknown."""
        if self.region is None:
            return None
        return daily_quota_of(self.region)

    def to_dict(self) -> dict[str, Any]:
        """The Region's count as a JSON-ready mapping."""
        return {
            "region": self.region,
            "jobs_started": self.jobs_started,
            "daily_quota": self.daily_quota,
            "estimated_apply_seconds": self.estimated_apply_seconds,
            "estimated_ready_seconds": self.estimated_ready_seconds,
            "account": self.account,
            "role_arn": self.role_arn,
            "fits_daily_quota": self.fits_daily_quota,
            "jobs_per_day": self.days,
        }


@dataclass(frozen=True)
class Review:
    """Everything ``policygen review`` reports about one plan."""

    terraform_version: str | None
    plan_timestamp: str | None
    generations: tuple[GenerationChange, ...]
    regions: tuple[RegionQuota, ...]
    warnings: tuple[ReviewWarning, ...] = field(default=())
    #: The generated policies and policy checks the plan reads (see :class:`PolicyRead`).
    policy_reads: tuple[PolicyRead, ...] = field(default=())
    #: The expected duration of one job, which the estimates assume.
    seconds_per_job: int = SECONDS_PER_JOB

    @property
    def jobs_started(self) -> int:
        """How many jobs applying the plan starts."""
        return sum(g.starts_job for g in self.generations)

    @property
    def jobs_cancelled(self) -> int:
        """How many in-progress jobs applying the plan cancels."""
        return sum(g.cancels_job for g in self.generations)

    @property
    def estimated_apply_seconds(self) -> int:
        """Expected duration of the apply (see :func:`estimated_seconds`)."""
        return estimated_seconds(self.generations, self.seconds_per_job)[0]

    @property
    def estimated_ready_seconds(self) -> int:
        """Expected time from the start of the apply until every new job has finished."""
        return estimated_seconds(self.generations, self.seconds_per_job)[1]

    def count(self, action: str) -> int:
        """How many generations the plan changes with ``action``."""
        return sum(g.action == action for g in self.generations)

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` document (see ``docs/cli.md`` for its shape)."""
        return {
            "review_format": REVIEW_FORMAT,
            "terraform_version": self.terraform_version,
            "plan_timestamp": self.plan_timestamp,
            "summary": {
                **{action: self.count(action) for action in ("create", "replace", "delete", "update", "forget")},
                "jobs_started": self.jobs_started,
                "jobs_cancelled": self.jobs_cancelled,
                "seconds_per_job": self.seconds_per_job,
                "estimated_apply_seconds": self.estimated_apply_seconds,
                "estimated_ready_seconds": self.estimated_ready_seconds,
            },
            "regions": [r.to_dict() for r in self.regions],
            "generations": [g.to_dict() for g in self.generations],
            "warnings": [w.to_dict() for w in self.warnings],
            # Only for plans that read them, so that the document of every other plan stays as it was.
            **({"policy_reads": [r.to_dict() for r in self.policy_reads]} if self.policy_reads else {}),
        }


def estimated_seconds(
    generations: Sequence[GenerationChange], seconds_per_job: int = SECONDS_PER_JOB
) -> tuple[int, int]:
    """(apply, ready): expected seconds until the apply returns, and until every new job has finished.

    Jobs run one at a time per account and Region, and each start waits for the previous job of its
    Region to finish, so a Region lasts about one job less than its jobs: its last job runs after
    the apply returns, unless one of its generations waits for completion (``wait_for_completion``).
    Accounts and Regions run side by side: the apply takes as long as the longest of them. Only
    the jobs within each queue's daily quota are counted: the others fail at once today.
    """
    quotas = region_quotas(list(generations), seconds_per_job)
    estimates = [(q.estimated_apply_seconds, q.estimated_ready_seconds) for q in quotas]
    return max((a for a, _ in estimates), default=0), max((r for _, r in estimates), default=0)


def _one_region_seconds(started: int, waits: bool, seconds_per_job: int) -> tuple[int, int]:
    """(apply, ready) seconds of ``started`` jobs in one queue, run one after another."""
    if not started:
        return 0, 0
    return seconds_per_job * (started if waits else started - 1), seconds_per_job * started


def region_quotas(generations: list[GenerationChange], seconds_per_job: int = SECONDS_PER_JOB) -> list[RegionQuota]:
    """The jobs started per queue, ordered by Region name (the unknown first), then account.

    A queue is an account and Region: the assumed role's account, or, for a provider that assumes
    no role, its configuration (whose credentials are one account), in a Region.
    """
    queues: dict[tuple[str | None, str], list[GenerationChange]] = {}
    for generation in generations:
        if generation.starts_job:
            owner = f"account {generation.account}" if generation.account else generation.provider_key
            queues.setdefault((generation.region, owner), []).append(generation)
    ordered = sorted(queues.items(), key=lambda item: (item[0][0] or "", item[0][1]))
    return [
        RegionQuota(
            region,
            len(members),
            any(g.waits_for_completion for g in members),
            account=members[0].account,
            role_arn=members[0].role_arn,
            seconds_per_job=seconds_per_job,
        )
        for (region, _), members in ordered
    ]


# ---- Generated policies and policy checks the plan reads (issue 16) -------------------------------
# Data sources are read at plan time when their inputs are known: their values are then in the
# plan's prior_state. One whose inputs wait for apply (a job not started yet) is a "read" in
# resource_changes, with nothing known. The review shows what the plan has; it calls no service.

POLICY_READS = (GENERATED_POLICY_TYPE, POLICY_CHECK_TYPE)


@dataclass(frozen=True)
class PolicyRead:
    """A generated policy or a policy check the plan reads, with what the plan knows of it.

    For ``accessanalyzer_policy_check``: ``result``, ``message``, ``findings`` (``finding_type``,
    ``issue_code``, ``location``, ``details``), ``new_access``, ``granted_denied_actions``, and
    ``diff``, the action-by-action comparison of its ``reference`` with its ``policy`` (offline, as
    ``policygen diff`` makes it; None without a reference). For ``accessanalyzer_generated_policy``:
    ``job_id``, ``status``, ``documents`` and ``actions`` (how many the draft allows). ``known`` is
    False for a read that waits for apply; nothing else is known then.
    """

    address: str
    data_source: str
    known: bool
    result: str | None = None
    message: str | None = None
    findings: tuple[dict[str, Any], ...] = ()
    new_access: bool | None = None
    granted_denied_actions: bool | None = None
    diff: dict[str, Any] | None = None
    job_id: str | None = None
    status: str | None = None
    documents: int | None = None
    actions: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The read as a JSON-ready mapping (only the members of its data source)."""
        common = {"address": self.address, "data_source": self.data_source, "known": self.known}
        if self.data_source == GENERATED_POLICY_TYPE:
            return {**common, "job_id": self.job_id, "status": self.status, "documents": self.documents,
                    "actions": self.actions}  # fmt: skip
        return {
            **common,
            "result": self.result,
            "message": self.message,
            "findings": list(self.findings),
            "new_access": self.new_access,
            "granted_denied_actions": self.granted_denied_actions,
            "diff": self.diff,
        }


def in_days(delta: timedelta) -> float:
    return round(float(delta.total_seconds()) / 86400, 1)


def format_number(value: float) -> str:
    return f"{value:g}"


def format_minutes(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds / 60
    return f"{minutes:g} min" if minutes < 60 else f"{minutes / 60:.1f} h"
