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
  :data:`DAILY_QUOTA` (:data:`LOW_QUOTA` in :data:`LOW_QUOTA_REGIONS`); the Region comes from the
  provider configuration in the plan, else from ``--region``, else it is reported as unknown.
* ``one_at_a_time``: two or more jobs run one after another; the expected duration assumes
  :data:`SECONDS_PER_JOB` per job.
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

from policygen.errors import BinaryPlanError, PolicygenError

RESOURCE_TYPE = "accessanalyzer_policy_generation"

#: Version of the ``--format json`` document; raised only when a field changes meaning or goes away.
REVIEW_FORMAT = 1

#: Windows of this many days or more are flagged: the service allows at most 90.
NEAR_LIMIT_DAYS = 80
MAX_WINDOW_DAYS = 90

#: Policy generations per account and Region per day (cancelled ones counted); not adjustable.
DAILY_QUOTA = 50
LOW_QUOTA = 5
LOW_QUOTA_REGIONS = frozenset({"af-south-1", "ap-east-1", "ap-southeast-3", "eu-south-1", "me-south-1"})

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
    """The jobs one apply starts in one Region (None: unknown), against that Region's daily quota."""

    region: str | None
    jobs_started: int

    @property
    def daily_quota(self) -> int | None:
        """50, or 5 in the Regions with the lower quota; None when the Region is unknown."""
        if self.region is None:
            return None
        return LOW_QUOTA if self.region in LOW_QUOTA_REGIONS else DAILY_QUOTA

    def to_dict(self) -> dict[str, Any]:
        """The Region's count as a JSON-ready mapping."""
        return {"region": self.region, "jobs_started": self.jobs_started, "daily_quota": self.daily_quota}


@dataclass(frozen=True)
class Review:
    """Everything ``policygen review`` reports about one plan."""

    terraform_version: str | None
    plan_timestamp: str | None
    generations: tuple[GenerationChange, ...]
    regions: tuple[RegionQuota, ...]
    warnings: tuple[ReviewWarning, ...] = field(default=())

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
        }


def estimated_seconds(generations: Sequence[GenerationChange]) -> tuple[int, int]:
    """(apply, ready): expected seconds until the apply returns, and until every new job has finished.

    Jobs run one at a time, and each start waits for the previous job to finish, so the apply lasts
    about one job less than the jobs themselves: the last job runs after the apply returns, unless a
    generation waits for completion (``wait_for_completion``).
    """
    started = [g for g in generations if g.starts_job]
    if not started:
        return 0, 0
    waits = any(g.waits_for_completion for g in started)
    return SECONDS_PER_JOB * (len(started) if waits else len(started) - 1), SECONDS_PER_JOB * len(started)


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


def _moment(value: Any) -> datetime | None:
    """A string the review reads as a timestamp, parsed (as ``_parse_time`` does); None otherwise."""
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _check_window_times(values: dict[str, Any], where: str, timestamp: Any) -> None:
    """The window's times must be comparable with what the review subtracts them from.

    The review computes ``end_time - start_time``, or, without an end, ``timestamp - start_time``:
    a time without a zone cannot be subtracted from one with a zone (Terraform writes RFC 3339
    times, which have one).
    """
    start, end, stamp = _moment(values.get("start_time")), _moment(values.get("end_time")), _moment(timestamp)
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
    timestamp = _parse_time(plan.get("timestamp"))
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
    start_at, end_at = _parse_time(start), _parse_time(end)
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
    counts: dict[str | None, int] = {}
    for generation in generations:
        if generation.starts_job:
            counts[generation.region] = counts.get(generation.region, 0) + 1
    return [RegionQuota(region, n) for region, n in sorted(counts.items(), key=lambda item: item[0] or "")]


def _generation_warnings(generation: GenerationChange) -> list[ReviewWarning]:
    warnings = []
    address = generation.address
    window = generation.window
    if generation.starts_job and window is not None and window.days is not None and window.days >= NEAR_LIMIT_DAYS:
        message = (
            f"The window is {_number(window.days)} days, near the {MAX_WINDOW_DAYS}-day maximum: the job reads "
            "every log file of the window, so it takes longer and is closer to the 100,000-file limit."
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
                        "all Regions: one generation reads at most 100,000 log files and 25 GB, and the job "
                        "fails with SERVICE_QUOTA_EXCEEDED_ERROR beyond that. List the Regions the principal "
                        "uses instead, or shorten the window.",
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
    parts = (trail.cloud_trail_arn or "").split(":", 5)
    if len(parts) < 6:
        return None
    trail_account, trail_name = parts[4], parts[5].rsplit("/", 1)[-1]
    principal_parts = (principal_arn or "").split(":")
    principal_account = principal_parts[4] if len(principal_parts) > 4 else ""
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
                f"name: Access Analyzer allows {DAILY_QUOTA} a day per account and Region, or {LOW_QUOTA} in "
                f"{', '.join(sorted(LOW_QUOTA_REGIONS))}, cancelled ones included. Set the provider's `region` "
                "(or pass --region) to check."
            )
            if quota.jobs_started > LOW_QUOTA:
                message += f" In a {LOW_QUOTA}-a-day Region this apply would fail."
        else:
            message = (
                f"This apply starts {quota.jobs_started} policy generations in {quota.region}, of the "
                f"{quota.daily_quota} a day Access Analyzer allows per account and Region (cancelled ones and "
                "those started in the last 24 hours included)."
            )
            if quota.jobs_started > quota.daily_quota:
                message += f" It exceeds the quota: starts after the {quota.daily_quota}th will fail."
        warnings.append(ReviewWarning("daily_quota", message))
    started = sum(g.starts_job for g in generations)
    if started >= 2:
        apply_seconds, ready_seconds = estimated_seconds(generations)
        warnings.append(
            ReviewWarning(
                "one_at_a_time",
                f"Access Analyzer runs one generation at a time per account and Region, so the {started} jobs "
                f"run one after another: expect the apply to take about {_minutes(apply_seconds)} "
                f"and every policy to be ready about {_minutes(ready_seconds)} after it starts "
                f"(~{_minutes(SECONDS_PER_JOB)} per job; longer windows and busier trails take longer).",
            )
        )
    return warnings


def to_markdown(review: Review) -> str:
    """The review as a Markdown pull-request comment."""
    lines = [f"### Access Analyzer policy generation: {_headline(review)}", ""]
    if not review.generations:
        lines.append("This plan changes no `accessanalyzer_policy_generation` resources.")
        return "\n".join(lines) + "\n"
    if review.jobs_started:
        started = ", ".join(
            f"{q.jobs_started} in {q.region}" + (f" (of {q.daily_quota} a day)" if q.daily_quota else "")
            if q.region
            else f"{q.jobs_started} in a Region the plan does not name"
            for q in review.regions
        )
        timing = (
            f" Expected apply time about **{_minutes(review.estimated_apply_seconds)}**, every policy ready about "
            f"**{_minutes(review.estimated_ready_seconds)}** after the apply starts (see the warnings)."
            if review.jobs_started > 1
            else f" The policy should be ready about **{_minutes(SECONDS_PER_JOB)}** after the apply starts"
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
    return "\n".join(lines).rstrip("\n") + "\n"


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


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _days(delta: timedelta) -> float:
    return round(float(delta.total_seconds()) / 86400, 1)


def _number(value: float) -> str:
    return f"{value:g}"


def _minutes(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds / 60
    return f"{minutes:g} min" if minutes < 60 else f"{minutes / 60:.1f} h"
