"""``policygen review``: what a Terraform plan will do to Access Analyzer policy generations.

Reads the JSON of ``terraform show -json PLANFILE`` and describes every
``accessanalyzer_policy_generation`` the plan creates, replaces, deletes (a delete cancels the job
when it is still in progress) or updates, with the warnings a reviewer should see:

* ``window_near_limit``: a window of :data:`NEAR_LIMIT_DAYS` days or more, near the 90-day maximum.
* ``organization_trail_all_regions``: ``all_regions`` on what looks like an organisation trail,
  which risks the limit of 100,000 log files per generation. The heuristic, since a plan cannot
  know: the trail's account differs from the principal's (organisation trails live in the
  management or a delegated account), or the trail name has a word starting with ``org`` (``org``,
  ``org-trail``, ``OrganizationTrail``; a bare substring would also match ``forge`` or ``georgia``).
* ``daily_quota``: two or more jobs started in one Region by one apply, against the daily quota of
  :data:`DAILY_QUOTA` (:data:`LOW_DAILY_QUOTA` in :data:`LOW_DAILY_QUOTA_REGIONS`, all from
  :mod:`policygen.service_limits`); the Region comes from the
  provider configuration in the plan, else from ``--region``, else it is reported as unknown.
* ``one_at_a_time``: two or more jobs in one Region run one after another (one warning per
  Region); jobs of different Regions run side by side, so the apply lasts as long as its busiest
  Region. The expected duration assumes :data:`SECONDS_PER_JOB` per job. Jobs whose Region the
  plan does not show are counted as one "unknown Region", which can only overstate the wait.
* ``cancels_running_job``: a replace or delete cancels a job that was in progress at plan time.

:func:`review_plan` builds a :class:`Review`; :meth:`Review.to_dict` is the ``--format json``
document (its shape is documented in ``docs/cli.md``) and :func:`to_markdown` the pull-request
comment.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from policygen._names import GENERATED_POLICY_TYPE, POLICY_CHECK_TYPE
from policygen.errors import BinaryPlanError, PolicygenError
from policygen.service_limits import (
    DAILY_QUOTA,
    LOW_DAILY_QUOTA,
    LOW_DAILY_QUOTA_REGIONS,
    MAX_IN_PROGRESS,
    MAX_LOG_FILES,
    MAX_LOG_GB,
    MAX_WINDOW_DAYS,
)
from policygen.service_limits import daily_quota as daily_quota_of
from policygen.spec.arns import parse_arn
from policygen.timestamps import parse_time

RESOURCE_TYPE = "accessanalyzer_policy_generation"

#: Version of the ``--format json`` document; raised only when a field changes meaning or goes away.
REVIEW_FORMAT = 1

#: Windows of this many days or more are flagged: near the service's :data:`MAX_WINDOW_DAYS`.
NEAR_LIMIT_DAYS = 80

#: Expected duration of one job. AWS's CLI example job (about two days of logs) took about
#: 2 min 20 s; real jobs take longer as they read more log files. Rounded up to 2.5 min.
SECONDS_PER_JOB = 150

#: Where the provider finds its Region when its configuration sets none.
_AT_APPLY = "AWS_REGION, AWS_DEFAULT_REGION or the profile decides at apply"

#: A word of a trail name that starts with "org" (see the module docstring for the heuristic).
_ORG_WORD = re.compile(r"(?:^|[^a-z0-9])org", re.IGNORECASE)


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
        }


@dataclass(frozen=True)
class RegionQuota:
    """The jobs one apply starts in one Region (None: unknown), against that Region's daily quota.

    They run one after another, so they alone decide how long the Region takes (:attr:`estimated_apply_seconds`).
    """

    region: str | None
    jobs_started: int
    #: True when one of the Region's generations waits for its job (``wait_for_completion``).
    waits_for_completion: bool = False

    @property
    def estimated_apply_seconds(self) -> int:
        """How long the apply takes for this Region's jobs (see :func:`estimated_seconds`)."""
        return _one_region_seconds(self.jobs_started, self.waits_for_completion)[0]

    @property
    def estimated_ready_seconds(self) -> int:
        """Time from the start of the apply until this Region's last job has finished."""
        return _one_region_seconds(self.jobs_started, self.waits_for_completion)[1]

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
        return estimated_seconds(self.generations)[0]

    @property
    def estimated_ready_seconds(self) -> int:
        """Expected time from the start of the apply until every new job has finished."""
        return estimated_seconds(self.generations)[1]

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
                "seconds_per_job": SECONDS_PER_JOB,
                "estimated_apply_seconds": self.estimated_apply_seconds,
                "estimated_ready_seconds": self.estimated_ready_seconds,
            },
            "regions": [r.to_dict() for r in self.regions],
            "generations": [g.to_dict() for g in self.generations],
            "warnings": [w.to_dict() for w in self.warnings],
            # Only for plans that read them, so that the document of every other plan stays as it was.
            **({"policy_reads": [r.to_dict() for r in self.policy_reads]} if self.policy_reads else {}),
        }


def estimated_seconds(generations: Sequence[GenerationChange]) -> tuple[int, int]:
    """(apply, ready): expected seconds until the apply returns, and until every new job has finished.

    Jobs run one at a time per account and Region, and each start waits for the previous job of its
    Region to finish, so a Region lasts about one job less than its jobs: its last job runs after
    the apply returns, unless one of its generations waits for completion (``wait_for_completion``).
    Regions run side by side: the apply takes as long as the longest of them.
    """
    estimates = [(q.estimated_apply_seconds, q.estimated_ready_seconds) for q in _quotas(list(generations))]
    return max((a for a, _ in estimates), default=0), max((r for _, r in estimates), default=0)


def _one_region_seconds(started: int, waits: bool) -> tuple[int, int]:
    """(apply, ready) seconds of ``started`` jobs in one Region, run one after another."""
    if not started:
        return 0, 0
    return SECONDS_PER_JOB * (started if waits else started - 1), SECONDS_PER_JOB * started


#: The first bytes of a zip archive, which is what ``terraform plan -out=PLANFILE`` writes.
_ZIP_MAGIC = b"PK\x03\x04"
#: The deepest module nesting read (``module_calls``); Terraform configurations stay far below.
MAX_MODULE_DEPTH = 100


def read_plan(path: str) -> dict[str, Any]:
    """Read and parse ``terraform show -json`` output from a file, or from standard input for ``-``.

    Raises:
        BinaryPlanError: the input is binary, for example the plan file itself.
        PolicygenError: it cannot be read, is not JSON, is not a plan, or has values of the wrong type.
    """
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        # Bytes when there are any, so that a binary plan piped in is recognised as such.
        return load_plan(stream.read() if stream is not None else sys.stdin.read(), "standard input")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PolicygenError(
            f"Cannot read the plan {path}: {exc.strerror or exc}. Pass the output of "
            "`terraform show -json PLANFILE` as a file, or - to read it from standard input."
        ) from exc
    return load_plan(data, path)


def load_plan(text: str | bytes, source: str = "the plan") -> dict[str, Any]:
    """Parse ``terraform show -json`` output; raise PolicygenError when it is not a plan.

    Bytes may be UTF-8, UTF-16 or UTF-32 (what a shell redirect writes on Windows), with or
    without a byte order mark; bytes that are none of these raise :class:`BinaryPlanError`.
    Every value :func:`review_plan` reads is checked for its JSON type, so that a plan edited by
    hand (or by a hostile script) gets a message naming the value, never a traceback.
    """
    if isinstance(text, bytes):
        text = _decode(text, source)
    try:
        plan = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicygenError(
            f"{source} is not JSON ({exc.msg} at line {exc.lineno}); pass the output of "
            "`terraform show -json PLANFILE`, not the plan file itself."
        ) from exc
    except RecursionError as exc:
        raise PolicygenError(
            f"{source} nests its JSON too deeply to be a Terraform plan; pass the output of "
            "`terraform show -json PLANFILE`."
        ) from exc
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise PolicygenError(
            f"{source} is JSON but not Terraform's; pass the output of `terraform show -json PLANFILE`."
        )
    if "planned_values" not in plan and "resource_changes" not in plan:
        raise PolicygenError(
            f"{source} is Terraform state, not a plan; save a plan with `terraform plan -out=PLANFILE` "
            "and pass the output of `terraform show -json PLANFILE`."
        )
    try:
        _check_plan(plan)
    except _WrongType as wrong:
        raise PolicygenError(
            f"{source} is not a plan as `terraform show -json` writes it: {wrong}. Pass its unmodified "
            "output (`terraform show -json PLANFILE`)."
        ) from None
    return plan


def _decode(data: bytes, source: str) -> str:
    """The text of a plan read as bytes; BinaryPlanError for a plan file or other binary data."""
    show = f"terraform show -json {source if source != 'standard input' else 'PLANFILE'}"
    if data.startswith(_ZIP_MAGIC):
        raise BinaryPlanError(
            f"{source} is a binary plan file, as `terraform plan -out` saves it; policygen reads its JSON. "
            f"Run `{show} > plan.json` and pass plan.json, or pipe it: `{show} | policygen review -`."
        )
    try:
        return data.decode(json.detect_encoding(data)).removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise BinaryPlanError(
            f"{source} is binary data, not the JSON of a plan; run `{show}` and pass its output."
        ) from None


class _WrongType(Exception):
    """A value of the plan whose JSON type ``review_plan`` cannot read; ``str()`` says which and why."""


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    return next((name for name, types in _JSON_TYPES.items() if isinstance(value, types)), type(value).__name__)


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _expect(value: Any, where: str, kind: str, *, required: bool = False) -> Any:
    """``value`` when its JSON type is ``kind`` (or null, unless ``required``); else raise _WrongType."""
    if value is None and not required:
        return None
    if _json_type(value) != kind:
        actual = _json_type(value)
        raise _WrongType(f"{where} is {'null' if actual == 'null' else _a(actual)}, not {_a(kind)}")
    return value


def _expect_strings(value: Any, where: str) -> None:
    """An array of strings, or null."""
    for index, item in enumerate(_expect(value, where, "array") or []):
        _expect(item, f"{where}[{index}]", "string", required=True)


def _check_window_times(values: dict[str, Any], where: str, timestamp: Any) -> None:
    """The window's times must be comparable with what the review subtracts them from.

    The review computes ``end_time - start_time``, or, without an end, ``timestamp - start_time``:
    a time without a zone cannot be subtracted from one with a zone (Terraform writes RFC 3339
    times, which have one).
    """
    start, end, stamp = parse_time(values.get("start_time")), parse_time(values.get("end_time")), parse_time(timestamp)
    other, other_where = (end, f"{where}.end_time") if end is not None else (stamp, "timestamp")
    if start is not None and other is not None and (start.tzinfo is None) != (other.tzinfo is None):
        naive = f"{where}.start_time" if start.tzinfo is None else other_where
        raise _WrongType(
            f"{naive} has no time zone while {other_where if naive != other_where else f'{where}.start_time'} "
            "has one, so the window cannot be measured; Terraform's RFC 3339 times have a zone (Z or +00:00)"
        )


def _check_plan(plan: dict[str, Any]) -> None:
    """Check the JSON types of everything :func:`review_plan` reads; raise _WrongType at the first wrong one."""
    _expect(plan.get("timestamp"), "timestamp", "string")
    for index, change in enumerate(_expect(plan.get("resource_changes"), "resource_changes", "array") or []):
        where = f"resource_changes[{index}]"
        _expect(change, where, "object", required=True)
        if change.get("type") != RESOURCE_TYPE:
            continue
        _expect(change.get("address"), f"{where}.address", "string", required=True)
        for key in ("name", "module_address"):
            _expect(change.get(key), f"{where}.{key}", "string")
        body = _expect(change.get("change"), f"{where}.change", "object", required=True)
        _check_change(body, f"{where}.change")
        _check_window_times(body.get("after") or {}, f"{where}.change.after", plan.get("timestamp"))
    configuration = _expect(plan.get("configuration"), "configuration", "object") or {}
    providers = _expect(configuration.get("provider_config"), "configuration.provider_config", "object") or {}
    for key, value in providers.items():
        where = f"configuration.provider_config[{key!r}]"
        provider = _expect(value, where, "object") or {}
        expressions = _expect(provider.get("expressions"), f"{where}.expressions", "object") or {}
        region = _expect(expressions.get("region"), f"{where}.expressions.region", "object") or {}
        _expect(region.get("constant_value"), f"{where}.expressions.region.constant_value", "string")
        _expect_strings(region.get("references"), f"{where}.expressions.region.references")
    _check_module(configuration.get("root_module"), "configuration.root_module", 0)
    _check_policy_reads(plan)


def _check_change(body: dict[str, Any], where: str) -> None:
    """The ``change`` of one policy generation: actions, before/after values, replace paths."""
    if "actions" in body:
        _expect(body["actions"], f"{where}.actions", "array", required=True)
        _expect_strings(body["actions"], f"{where}.actions")
    for index, path in enumerate(_expect(body.get("replace_paths"), f"{where}.replace_paths", "array") or []):
        _expect(path, f"{where}.replace_paths[{index}]", "array", required=True)
    _expect(body.get("after_unknown"), f"{where}.after_unknown", "object")
    for side in ("before", "after"):
        values = _expect(body.get(side), f"{where}.{side}", "object") or {}
        for key in ("principal_arn", "access_role"):
            _expect(values.get(key), f"{where}.{side}.{key}", "string")
        for key in ("start_time", "end_time"):
            _expect(values.get(key), f"{where}.{side}.{key}", "string")
        _expect(values.get("lookback_days"), f"{where}.{side}.lookback_days", "number")
        for index, trail in enumerate(_expect(values.get("trails"), f"{where}.{side}.trails", "array") or []):
            at = f"{where}.{side}.trails[{index}]"
            _expect(trail, at, "object", required=True)
            _expect(trail.get("cloud_trail_arn"), f"{at}.cloud_trail_arn", "string")
            _expect_strings(trail.get("regions"), f"{at}.regions")


def _check_module(module: Any, where: str, depth: int) -> None:
    """A module of the configuration: its resources and, nested, the modules it calls."""
    if depth > MAX_MODULE_DEPTH:
        raise _WrongType(f"{where} nests modules more than {MAX_MODULE_DEPTH} deep")
    module = _expect(module, where, "object") or {}
    for index, resource in enumerate(_expect(module.get("resources"), f"{where}.resources", "array") or []):
        at = f"{where}.resources[{index}]"
        _expect(resource, at, "object", required=True)
        if resource.get("type") == RESOURCE_TYPE:
            _expect(resource.get("name"), f"{at}.name", "string", required=True)
            _expect(resource.get("provider_config_key"), f"{at}.provider_config_key", "string")
    for name, call in (_expect(module.get("module_calls"), f"{where}.module_calls", "object") or {}).items():
        at = f"{where}.module_calls[{name!r}]"
        _check_module((_expect(call, at, "object") or {}).get("module"), f"{at}.module", depth + 1)


def review_plan(plan: dict[str, Any], *, region: str | None = None) -> Review:
    """Describe the policy generations a plan changes.

    ``region`` is used for generations whose provider configuration in the plan sets no Region
    (it then comes from ``AWS_REGION`` or the profile when Terraform runs).
    """
    timestamp = parse_time(plan.get("timestamp"))
    regions = _provider_regions(plan.get("configuration") or {})
    generations: list[GenerationChange] = []
    for change in plan.get("resource_changes") or []:
        if change.get("type") != RESOURCE_TYPE or change.get("mode", "managed") != "managed":
            continue
        action = _action(change["change"].get("actions", []))
        if action is None:
            continue
        key = (change.get("module_address", ""), change.get("name"))
        configured = regions.get(key)
        generation_region, note = _region(configured, region)
        generations.append(_generation(change, action, generation_region, note, timestamp))
    quotas = _quotas(generations)
    warnings = [w for g in generations for w in _generation_warnings(g)]
    warnings += _plan_warnings(generations, quotas)
    return Review(
        terraform_version=plan.get("terraform_version"),
        plan_timestamp=plan.get("timestamp"),
        generations=tuple(generations),
        regions=tuple(quotas),
        warnings=tuple(warnings),
        policy_reads=_policy_reads(plan),
    )


def _action(actions: list[str]) -> str | None:
    if sorted(actions) == ["create", "delete"]:
        return "replace"
    if len(actions) == 1 and actions[0] in ("create", "delete", "update", "forget"):
        return actions[0]
    return None  # no-op and read change nothing


def _generation(
    change: dict[str, Any], action: str, region: str | None, region_note: str, timestamp: datetime | None
) -> GenerationChange:
    body = change["change"]
    before: dict[str, Any] = body.get("before") or {}
    after: dict[str, Any] = body.get("after") or {}
    unknown: dict[str, Any] = body.get("after_unknown") or {}
    values = before if action in ("delete", "forget") else after
    unknown_names = tuple(sorted(k for k in ("principal_arn", "access_role", "trails") if unknown.get(k) is True))
    trails = None if unknown.get("trails") is True else tuple(_trail(t) for t in values.get("trails") or [])
    return GenerationChange(
        address=change["address"],
        action=action,
        region=region if action != "delete" else None,
        region_note=region_note if action != "delete" else "",
        principal_arn=values.get("principal_arn"),
        access_role=values.get("access_role"),
        trails=trails,
        window=_window(after, unknown, timestamp) if action in ("create", "replace", "update") else None,
        previous_job_id=before.get("job_id"),
        previous_status=before.get("status"),
        replaced_attributes=tuple(sorted({str(path[0]) for path in body.get("replace_paths") or [] if path})),
        unknown_attributes=unknown_names,
        waits_for_completion=bool(after.get("wait_for_completion")),
        client_token=after.get("client_token") if action in ("create", "replace") else None,
    )


def _trail(value: dict[str, Any]) -> TrailChange:
    return TrailChange(
        cloud_trail_arn=value.get("cloud_trail_arn"),
        regions=tuple(value.get("regions") or ()),
        all_regions=bool(value.get("all_regions")),
    )


def _window(values: dict[str, Any], unknown: dict[str, Any], timestamp: datetime | None) -> Window:
    start, end, lookback = values.get("start_time"), values.get("end_time"), values.get("lookback_days")
    start_at, end_at = parse_time(start), parse_time(end)
    if lookback is not None and (start is None or unknown.get("start_time") is True):
        if end_at is not None:
            return Window(None, end, lookback, float(lookback), True, f"{lookback} days before {end}")
        return Window(None, None, lookback, float(lookback), True, f"last {lookback} days, resolved at apply")
    if lookback is not None and start_at is not None and end_at is None:
        # Resolved at the plan of the create (the provider shows what it will send).
        description = f"last {lookback} days: {start} to the time of apply"
        return Window(start, None, lookback, float(lookback), False, description)
    if start_at is None:
        return Window(start, end, lookback, None, False, "(known after apply)")
    if end_at is not None:
        days = _days(end_at - start_at)
        return Window(start, end, lookback, days, False, f"{start} to {end} ({_number(days)} days)")
    if timestamp is None:
        return Window(start, None, lookback, None, False, f"{start} to the time of apply")
    days = _days(timestamp - start_at)
    return Window(
        start, None, lookback, days, False, f"{start} to the time of apply ({_number(days)} days as of the plan)"
    )


def _provider_regions(configuration: dict[str, Any]) -> dict[tuple[str, str], tuple[str | None, str]]:
    """(module address, resource name) -> (Region, where it comes from) from the plan's configuration."""
    providers: dict[str, Any] = configuration.get("provider_config") or {}
    found: dict[tuple[str, str], tuple[str | None, str]] = {}

    def walk(module: dict[str, Any], address: str) -> None:
        for resource in module.get("resources") or []:
            if resource.get("type") != RESOURCE_TYPE:
                continue
            key = resource.get("provider_config_key", "")
            expression = ((providers.get(key) or {}).get("expressions") or {}).get("region")
            if expression is None:
                found[(address, resource["name"])] = (None, f"not set in the plan; {_AT_APPLY}")
            elif "constant_value" in expression:
                found[(address, resource["name"])] = (expression["constant_value"], "from the provider configuration")
            else:
                refs = ", ".join(expression.get("references") or []) or "an expression"
                found[(address, resource["name"])] = (None, f"from {refs}, not known in the plan")
        for name, call in (module.get("module_calls") or {}).items():
            walk(call.get("module") or {}, f"{address}.module.{name}" if address else f"module.{name}")

    walk(configuration.get("root_module") or {}, "")
    return found


def _region(configured: tuple[str | None, str] | None, fallback: str | None) -> tuple[str | None, str]:
    region, note = configured or (None, f"not found in the plan's configuration; {_AT_APPLY}")
    if region is not None:
        return region, note
    if fallback is not None:
        return fallback, "from --region"
    return None, note


def _quotas(generations: list[GenerationChange]) -> list[RegionQuota]:
    """The jobs started per Region (None: the unknown Region), ordered by Region name, the unknown first."""
    counts: dict[str | None, int] = {}
    waits: dict[str | None, bool] = {}
    for generation in generations:
        if generation.starts_job:
            counts[generation.region] = counts.get(generation.region, 0) + 1
            waits[generation.region] = waits.get(generation.region, False) or generation.waits_for_completion
    ordered = sorted(counts.items(), key=lambda item: item[0] or "")
    return [RegionQuota(region, n, waits[region]) for region, n in ordered]


def _generation_warnings(generation: GenerationChange) -> list[ReviewWarning]:
    warnings = []
    address = generation.address
    window = generation.window
    if generation.starts_job and window is not None and window.days is not None and window.days >= NEAR_LIMIT_DAYS:
        message = (
            f"The window is {_number(window.days)} days, near the {MAX_WINDOW_DAYS}-day maximum: the job reads "
            f"every log file of the window, so it takes longer and is closer to the {MAX_LOG_FILES:,}-file limit."
        )
        if window.end_time is None and not window.resolved_at_apply:
            message += (
                " It ends at the time of apply, so it grows until then; StartPolicyGeneration refuses a "
                f"window over {MAX_WINDOW_DAYS} days."
            )
        warnings.append(ReviewWarning("window_near_limit", message, address))
    if generation.starts_job:
        for trail in generation.trails or ():
            reason = _organization_trail_reason(trail, generation.principal_arn)
            if trail.all_regions and reason:
                warnings.append(
                    ReviewWarning(
                        "organization_trail_all_regions",
                        f"{trail.cloud_trail_arn} looks like an organisation trail ({reason}) and is read in "
                        f"all Regions: one generation reads at most {MAX_LOG_FILES:,} log files and {MAX_LOG_GB} GB, "
                        "and the job fails with SERVICE_QUOTA_EXCEEDED_ERROR beyond that. List the Regions the "
                        "principal uses instead, or shorten the window.",
                        address,
                    )
                )
    if generation.cancels_job:
        warnings.append(
            ReviewWarning(
                "cancels_running_job",
                f"The job {generation.previous_job_id} was IN_PROGRESS at plan time: applying cancels it, "
                "its policy is lost, and it still counts against the daily quota.",
                address,
            )
        )
    return warnings


def _organization_trail_reason(trail: TrailChange, principal_arn: str | None) -> str | None:
    trail_arn, principal = parse_arn(trail.cloud_trail_arn), parse_arn(principal_arn)
    if trail_arn is None:
        return None
    trail_account, trail_name = trail_arn.account, trail_arn.resource.rsplit("/", 1)[-1]
    principal_account = principal.account if principal is not None else ""
    if principal_account and trail_account and principal_account != trail_account:
        return f"its account {trail_account} is not the principal's account {principal_account}"
    if _ORG_WORD.search(trail_name):
        return f"its name {trail_name!r} suggests an organisation"
    return None


def _plan_warnings(generations: list[GenerationChange], quotas: list[RegionQuota]) -> list[ReviewWarning]:
    warnings = []
    for quota in quotas:
        if quota.jobs_started < 2:
            continue
        if quota.daily_quota is None:
            message = (
                f"This apply starts {quota.jobs_started} policy generations in a Region the plan does not "
                f"name: Access Analyzer allows {DAILY_QUOTA} a day per account and Region, or {LOW_DAILY_QUOTA} "
                f"in {', '.join(sorted(LOW_DAILY_QUOTA_REGIONS))}, cancelled ones included. Set the provider's "
                "`region` (or pass --region) to check."
            )
            if quota.jobs_started > LOW_DAILY_QUOTA:
                message += f" In a {LOW_DAILY_QUOTA}-a-day Region this apply would fail."
        else:
            message = (
                f"This apply starts {quota.jobs_started} policy generations in {quota.region}, of the "
                f"{quota.daily_quota} a day Access Analyzer allows per account and Region (cancelled ones and "
                "those started in the last 24 hours included)."
            )
            if quota.jobs_started > quota.daily_quota:
                message += f" It exceeds the quota: starts after the {quota.daily_quota}th will fail."
        warnings.append(ReviewWarning("daily_quota", message))
    side_by_side = len(quotas) > 1
    for quota in quotas:
        if quota.jobs_started <= MAX_IN_PROGRESS:
            continue
        where = quota.region or "an unknown Region (the plan does not name it; counted as one Region)"
        if side_by_side:
            expect = (
                f"expect them to hold the apply about {_minutes(quota.estimated_apply_seconds)} and its policies to "
                f"be ready about {_minutes(quota.estimated_ready_seconds)} after the apply starts, while the other "
                "Regions' jobs run side by side"
            )
        else:
            expect = (
                f"expect the apply to take about {_minutes(quota.estimated_apply_seconds)} and every policy to be "
                f"ready about {_minutes(quota.estimated_ready_seconds)} after it starts"
            )
        warnings.append(
            ReviewWarning(
                "one_at_a_time",
                f"Access Analyzer runs one generation at a time per account and Region, so the {quota.jobs_started} "
                f"jobs in {where} run one after another: {expect} (~{_minutes(SECONDS_PER_JOB)} per job; longer "
                "windows and busier trails take longer).",
            )
        )
    return warnings


def to_markdown(review: Review) -> str:
    """The review as a Markdown pull-request comment."""
    lines = [f"### Access Analyzer policy generation: {_headline(review)}", ""]
    if not review.generations:
        lines.append("This plan changes no `accessanalyzer_policy_generation` resources.")
        return "\n".join(lines + _markdown_policy_reads(review)) + "\n"
    if review.jobs_started:
        started = ", ".join(
            f"{q.jobs_started} in {q.region}" + (f" (of {q.daily_quota} a day)" if q.daily_quota else "")
            if q.region
            else f"{q.jobs_started} in an unknown Region (the plan does not name it)"
            for q in review.regions
        )
        order = (
            f" The {len(review.regions)} Regions run side by side, one job at a time in each."
            if len(review.regions) > 1
            else ""
        )
        if max(q.jobs_started for q in review.regions) > 1:
            timing = (
                f"{order} Expected apply time about **{_minutes(review.estimated_apply_seconds)}**, every policy "
                f"ready about **{_minutes(review.estimated_ready_seconds)}** after the apply starts (see the warnings)."
            )
        else:  # one job per Region: each starts at once
            subject = "The policy" if review.jobs_started == 1 else "Every policy"
            timing = (
                f"{order} {subject} should be ready about **{_minutes(SECONDS_PER_JOB)}** after the apply starts"
                + (" (the apply waits for it)." if review.estimated_apply_seconds else "; the apply does not wait.")
            )
        lines.append(f"Applying starts **{review.jobs_started}** job(s): {started}.{timing}")
        lines.append("")
    plan_wide = [w for w in review.warnings if w.address is None]
    if review.warnings:
        lines += ["**Warnings**", ""]
        lines += [f"- ⚠️ {w.message}" for w in plan_wide]
        lines += [f"- ⚠️ `{w.address}`: {w.message}" for w in review.warnings if w.address is not None]
        lines.append("")
    for generation in review.generations:
        lines += _markdown_generation(generation)
    return "\n".join(["\n".join(lines).rstrip("\n"), *_markdown_policy_reads(review)]) + "\n"


def _headline(review: Review) -> str:
    parts = []
    labels = {"create": "to start", "replace": "to replace", "delete": "to remove", "update": "to update in place"}
    for action, label in labels.items():
        if review.count(action):
            parts.append(f"{review.count(action)} {label}")
    if review.count("forget"):
        parts.append(f"{review.count('forget')} to forget")
    if review.jobs_cancelled:
        parts.append(f"{review.jobs_cancelled} job(s) cancelled")
    return ", ".join(parts) or "no changes"


_ACTION_TITLES = {
    "create": "create: starts a job",
    "replace": "replace: starts a new job",
    "delete": "delete",
    "update": "update in place: no new job",
    "forget": "forget: removed from state, the job is left alone",
}


def _markdown_generation(generation: GenerationChange) -> list[str]:
    title = _ACTION_TITLES[generation.action]
    if generation.action == "delete":
        title += ": cancels the job in progress" if generation.cancels_job else ": forgets a finished job"
    lines = [f"#### `{generation.address}` ({title})", ""]
    if generation.action in ("replace", "delete", "forget") and generation.previous_job_id:
        lines.append(f"- **Job in state:** `{generation.previous_job_id}` ({generation.previous_status or 'unknown'})")
    if generation.replaced_attributes:
        lines.append(f"- **Replaced because of:** {', '.join(f'`{a}`' for a in generation.replaced_attributes)}")
    lines.append(f"- **Principal:** {_code(generation.principal_arn)}")
    lines.append(f"- **Access role:** {_code(generation.access_role)}")
    if generation.trails is None:
        lines.append("- **Trails:** (known after apply)")
    else:
        for trail in generation.trails:
            where = "all Regions" if trail.all_regions else ", ".join(trail.regions) or "the trail's home Region"
            lines.append(f"- **Trail:** {_code(trail.cloud_trail_arn)}: {where}")
    if generation.window is not None:
        lines.append(f"- **Window:** {generation.window.description}")
    if generation.starts_job:
        lines.append(f"- **Client token:** {_code(generation.client_token)}")
    if generation.starts_job:
        lines.append(f"- **Region:** {generation.region or 'unknown'} ({generation.region_note})")
    lines.append("")
    return lines


def _code(value: str | None) -> str:
    return f"`{value}`" if value else "(known after apply)"


def _days(delta: timedelta) -> float:
    return round(float(delta.total_seconds()) / 86400, 1)


def _number(value: float) -> str:
    return f"{value:g}"


def _minutes(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds / 60
    return f"{minutes:g} min" if minutes < 60 else f"{minutes / 60:.1f} h"


# ---- Generated policies and policy checks the plan reads (issue 16) -------------------------------
# Data sources are read at plan time when their inputs are known: their values are then in the
# plan's prior_state. One whose inputs wait for apply (a job not started yet) is a "read" in
# resource_changes, with nothing known. The review shows what the plan has; it calls no service.

_POLICY_READS = (GENERATED_POLICY_TYPE, POLICY_CHECK_TYPE)


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


def _policy_reads(plan: dict[str, Any]) -> tuple[PolicyRead, ...]:
    """Every generated policy and policy check of the plan: read at plan time, or waiting for apply."""
    reads: dict[str, PolicyRead] = {}
    prior = ((plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    for resource in _data_resources(prior, 0):
        reads[resource["address"]] = _read(resource)
    for change in plan.get("resource_changes") or []:
        deferred = (change.get("change") or {}).get("actions") == ["read"]
        if change.get("mode") == "data" and change.get("type") in _POLICY_READS and deferred:
            reads[change["address"]] = PolicyRead(change["address"], change["type"], known=False)
    return tuple(reads[address] for address in sorted(reads))


def _data_resources(module: dict[str, Any], depth: int) -> list[dict[str, Any]]:
    found = [r for r in module.get("resources") or [] if r.get("mode") == "data" and r.get("type") in _POLICY_READS]
    if depth < MAX_MODULE_DEPTH:
        for child in module.get("child_modules") or []:
            found += _data_resources(child, depth + 1)
    return found


def _read(resource: dict[str, Any]) -> PolicyRead:
    values: dict[str, Any] = resource.get("values") or {}
    address, data_source = resource["address"], resource["type"]
    if data_source == GENERATED_POLICY_TYPE:
        documents = values.get("policies") or []
        return PolicyRead(
            address, data_source, known=True, job_id=values.get("job_id"), status=values.get("status"),
            documents=len(documents), actions=_action_count(documents),
        )  # fmt: skip
    diff = None
    if values.get("reference") and values.get("policy"):
        from policygen.policy import PolicyDocumentError, diff_policies

        try:
            diff = diff_policies(values["reference"], values["policy"], current_name="reference", draft_name="policy")
        except PolicyDocumentError:
            diff = None  # the check's own findings say what is wrong with it
    return PolicyRead(
        address,
        data_source,
        known=True,
        result=values.get("result"),
        message=values.get("message"),
        findings=tuple(
            {key: f.get(key) for key in ("finding_type", "issue_code", "location", "details")}
            for f in values.get("findings") or []
        ),
        new_access=values.get("new_access"),
        granted_denied_actions=values.get("granted_denied_actions"),
        diff=None if diff is None else diff.to_dict(),
    )


def _action_count(documents: Sequence[str]) -> int | None:
    """How many actions a draft's documents allow together (None when one is not a policy)."""
    from policygen.policy import PolicyDocumentError, get_catalog, parse_policy
    from policygen.policy.grants import effective_actions

    try:
        return len(effective_actions([parse_policy(d) for d in documents], get_catalog()))
    except PolicyDocumentError:
        return None


def _check_policy_reads(plan: dict[str, Any]) -> None:
    """The JSON types of what :func:`_policy_reads` reads (called by :func:`_check_plan`)."""
    prior = _expect(plan.get("prior_state"), "prior_state", "object") or {}
    values = _expect(prior.get("values"), "prior_state.values", "object") or {}
    _check_data_module(values.get("root_module"), "prior_state.values.root_module", 0)
    for index, change in enumerate(plan.get("resource_changes") or []):
        if change.get("mode") == "data" and change.get("type") in _POLICY_READS:
            where = f"resource_changes[{index}]"
            _expect(change.get("address"), f"{where}.address", "string", required=True)
            body = _expect(change.get("change"), f"{where}.change", "object") or {}
            _expect_strings(body.get("actions"), f"{where}.change.actions")


def _check_data_module(module: Any, where: str, depth: int) -> None:
    module = _expect(module, where, "object") or {}
    for index, resource in enumerate(_expect(module.get("resources"), f"{where}.resources", "array") or []):
        at = f"{where}.resources[{index}]"
        _expect(resource, at, "object", required=True)
        if resource.get("mode") != "data" or resource.get("type") not in _POLICY_READS:
            continue
        _expect(resource.get("address"), f"{at}.address", "string", required=True)
        values = _expect(resource.get("values"), f"{at}.values", "object") or {}
        for key in ("result", "message", "job_id", "status", "policy", "reference"):
            _expect(values.get(key), f"{at}.values.{key}", "string")
        for key in ("new_access", "granted_denied_actions"):
            _expect(values.get(key), f"{at}.values.{key}", "boolean")
        _expect_strings(values.get("policies"), f"{at}.values.policies")
        for number, finding in enumerate(_expect(values.get("findings"), f"{at}.values.findings", "array") or []):
            _expect(finding, f"{at}.values.findings[{number}]", "object", required=True)
            for key in ("finding_type", "issue_code", "location", "details"):
                _expect(finding.get(key), f"{at}.values.findings[{number}].{key}", "string")
    if depth < MAX_MODULE_DEPTH:
        for index, child in enumerate(_expect(module.get("child_modules"), f"{where}.child_modules", "array") or []):
            _check_data_module(child, f"{where}.child_modules[{index}]", depth + 1)


def _markdown_policy_reads(review: Review) -> list[str]:
    """The section on generated policies and policy checks, or nothing when the plan reads none."""
    if not review.policy_reads:
        return []
    lines = ["", "#### Policies read at plan time", ""]
    for read in review.policy_reads:
        if not read.known:
            lines.append(f"- `{read.address}`: read at apply, when its inputs are known.")
        elif read.data_source == GENERATED_POLICY_TYPE:
            lines.append(
                f"- `{read.address}`: job {_code(read.job_id)} {read.status or 'unknown'}, {read.documents} "
                f"document(s) allowing {read.actions if read.actions is not None else 'unknown'} action(s)."
            )
        else:
            lines.append(f"- `{read.address}`: **{read.result}**. {read.message}")
            for f in read.findings:
                where = f" ({f['location']})" if f.get("location") else ""
                lines.append(f"  - {f['finding_type']} `{f['issue_code']}`{where}: {f['details']}")
            if read.diff is not None:
                lines.append(f"  - Against its `reference`: {_diff_summary(read.diff)}")
    return lines


def _diff_summary(diff: dict[str, Any]) -> str:
    """One sentence of a ``PolicyDiff.to_dict()``: the four groups' sizes, and the candidates to remove."""
    unused = diff["grantedNotUsed"]
    shown = ", ".join(f"`{a}`" for a in unused[:10]) + (f" and {len(unused) - 10} more" if len(unused) > 10 else "")
    return (
        f"{len(diff['grantedAndUsed'])} action(s) granted and used, {len(unused)} granted but not used"
        + (f" (candidates to remove: {shown})" if unused else "")
        + f", {len(diff['usedNotGranted'])} used but not granted, {len(diff['notVisibleInCloudTrail'])} not "
        "visible in CloudTrail (keep them unless you know they are unused)."
    )
