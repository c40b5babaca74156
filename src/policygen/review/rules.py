"""The rules of ``policygen review``: a plan's changes to policy generations, and the warnings they deserve.

:func:`review_plan` builds a :class:`~policygen.review.model.Review` from a plan read by
:mod:`policygen.review.reading`: each generation it creates, replaces, deletes, updates or forgets,
its Region (from the provider configuration, else ``--region``), the quotas per Region, the
generated policies and policy checks the plan reads, and the warnings (window near the limit,
organisation trail read in all Regions, daily quota, one job at a time, a running job cancelled).
The heuristics are described in the docstring of :mod:`policygen.review`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from policygen._names import GENERATED_POLICY_TYPE
from policygen.provider.rules.outside import ENDED_BADLY, ENDED_OUTSIDE, ended_outside_detail
from policygen.review.model import (
    POLICY_READS,
    RESOURCE_TYPE,
    SECONDS_PER_JOB,
    GenerationChange,
    PolicyRead,
    RegionQuota,
    Review,
    ReviewWarning,
    TrailChange,
    Window,
    format_minutes,
    format_number,
    in_days,
    region_quotas,
)
from policygen.review.providers import AT_APPLY, ProviderSetting, provider_settings
from policygen.review.reading import MAX_MODULE_DEPTH
from policygen.review.schedule import account_of
from policygen.spec.arns import parse_arn
from policygen.spec.quotas import (
    DAILY_QUOTA,
    LOW_DAILY_QUOTA,
    LOW_DAILY_QUOTA_REGIONS,
    MAX_IN_PROGRESS,
    MAX_LOG_FILES,
    MAX_LOG_GB,
    MAX_WINDOW_DAYS,
)
from policygen.spec.timestamps import parse_time

#: Windows of this many days or more are flagged: near the service's :data:`MAX_WINDOW_DAYS`.
NEAR_LIMIT_DAYS = 80

#: A word of a trail name that starts with "org" (see the docstring of policygen.review for the heuristic).
_ORG_WORD = re.compile(r"(?:^|[^a-z0-9])org", re.IGNORECASE)


def review_plan(plan: dict[str, Any], *, region: str | None = None, seconds_per_job: int = SECONDS_PER_JOB) -> Review:
    """Describe the policy generations a plan changes.

    ``region`` is used for generations whose provider configuration in the plan sets no Region
    (it then comes from ``AWS_REGION`` or the profile when Terraform runs). ``seconds_per_job`` is
    the expected duration of one job, for the estimated apply times.
    """
    timestamp = parse_time(plan.get("timestamp"))
    settings = provider_settings(plan.get("configuration") or {}, plan.get("variables") or {})
    generations: list[GenerationChange] = []
    for change in plan.get("resource_changes") or []:
        if change.get("type") != RESOURCE_TYPE or change.get("mode", "managed") != "managed":
            continue
        action = _action(change["change"].get("actions", []))
        if action is None:
            continue
        setting = settings.get((change.get("module_address", ""), change.get("name")))
        generation_region, note = _where(setting, region)
        generation = _generation(change, action, generation_region, note, timestamp)
        if setting is not None:
            role = setting.role_arn
            generation = dataclasses.replace(
                generation, role_arn=role, account=account_of(role), provider_key=setting.key
            )
        generations.append(generation)
    quotas = region_quotas(generations, seconds_per_job)
    warnings = [w for g in generations for w in _generation_warnings(g)]
    warnings += _plan_warnings(generations, quotas, seconds_per_job)
    warnings += _ended_outside(plan)
    return Review(
        terraform_version=plan.get("terraform_version"),
        plan_timestamp=plan.get("timestamp"),
        generations=tuple(generations),
        regions=tuple(quotas),
        warnings=tuple(warnings),
        policy_reads=_policy_reads(plan),
        seconds_per_job=seconds_per_job,
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
        days = in_days(end_at - start_at)
        return Window(start, end, lookback, days, False, f"{start} to {end} ({format_number(days)} days)")
    if timestamp is None:
        return Window(start, None, lookback, None, False, f"{start} to the time of apply")
    days = in_days(timestamp - start_at)
    return Window(
        start, None, lookback, days, False, f"{start} to the time of apply ({format_number(days)} days as of the plan)"
    )


def _ended_outside(plan: dict[str, Any]) -> list[ReviewWarning]:
    """Jobs that ended FAILED or CANCELED outside Terraform, which the plan keeps (provider/rules/outside.py)."""
    warnings = []
    for change in plan.get("resource_changes") or []:
        if change.get("type") != RESOURCE_TYPE or change.get("mode", "managed") != "managed":
            continue
        body = change.get("change") or {}
        before = body.get("before") or {}
        if body.get("actions") not in (["no-op"], ["update"]) or before.get("status") not in ENDED_BADLY:
            continue
        title = ENDED_OUTSIDE.format(job_id=before.get("job_id"), status=before["status"])
        detail = ended_outside_detail(before).replace("ADDRESS", str(change.get("address")))
        warnings.append(ReviewWarning("ended_outside_terraform", f"{title}. {detail}", change.get("address")))
    return warnings


def _where(setting: ProviderSetting | None, fallback: str | None) -> tuple[str | None, str]:
    """The Region of a generation and where it comes from: its provider's, else ``--region``."""
    if setting is not None and setting.region is not None:
        return setting.region, setting.region_note
    note = setting.region_note if setting is not None else f"not found in the plan's configuration; {AT_APPLY}"
    if fallback is not None:
        return fallback, "from --region"
    return None, note


def _generation_warnings(generation: GenerationChange) -> list[ReviewWarning]:
    warnings = []
    address = generation.address
    window = generation.window
    if generation.starts_job and window is not None and window.days is not None and window.days >= NEAR_LIMIT_DAYS:
        message = (
            f"The window is {format_number(window.days)} days, near the {MAX_WINDOW_DAYS}-day maximum: the job reads "
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


def _plan_warnings(
    generations: list[GenerationChange], quotas: list[RegionQuota], seconds_per_job: int
) -> list[ReviewWarning]:
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
                f"This apply starts {quota.jobs_started} policy generations in {quota.describe()}, of the "
                f"{quota.daily_quota} a day Access Analyzer allows per account and Region (cancelled ones and "
                "those started in the last 24 hours included)."
            )
            if not quota.fits_daily_quota:
                later = ", ".join(f"day {day}: {n}" for day, n in enumerate(quota.days, start=1) if day > 1)
                message += (
                    f" It exceeds the quota: starts after the {quota.daily_quota}th will fail. The rest can only "
                    f"start on later days ({later}), with further applies."
                )
        warnings.append(ReviewWarning("daily_quota", message))
    side_by_side = len(quotas) > 1
    others = "the other accounts' and Regions'" if any(q.account for q in quotas) else "the other Regions'"
    for quota in quotas:
        if quota.jobs_started <= MAX_IN_PROGRESS:
            continue
        unknown = "an unknown Region (the plan does not name it; counted as one Region)"
        where = quota.describe() if quota.region else unknown
        if side_by_side:
            expect = (
                f"expect them to hold the apply about {format_minutes(quota.estimated_apply_seconds)} and its "
                f"policies to be ready about {format_minutes(quota.estimated_ready_seconds)} after the apply starts, "
                f"while {others} jobs run side by side"
            )
        else:
            expect = (
                f"expect the apply to take about {format_minutes(quota.estimated_apply_seconds)} and every policy to "
                f"be ready about {format_minutes(quota.estimated_ready_seconds)} after it starts"
            )
        warnings.append(
            ReviewWarning(
                "one_at_a_time",
                f"Access Analyzer runs one generation at a time per account and Region, so the {quota.jobs_today} "
                f"jobs in {where} run one after another: {expect} (~{format_minutes(seconds_per_job)} per job; longer "
                "windows and busier trails take longer).",
            )
        )
    return warnings


def _policy_reads(plan: dict[str, Any]) -> tuple[PolicyRead, ...]:
    """Every generated policy and policy check of the plan: read at plan time, or waiting for apply."""
    reads: dict[str, PolicyRead] = {}
    prior = ((plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    for resource in _data_resources(prior, 0):
        reads[resource["address"]] = _read(resource)
    for change in plan.get("resource_changes") or []:
        deferred = (change.get("change") or {}).get("actions") == ["read"]
        if change.get("mode") == "data" and change.get("type") in POLICY_READS and deferred:
            reads[change["address"]] = PolicyRead(change["address"], change["type"], known=False)
    return tuple(reads[address] for address in sorted(reads))


def _data_resources(module: dict[str, Any], depth: int) -> list[dict[str, Any]]:
    found = [r for r in module.get("resources") or [] if r.get("mode") == "data" and r.get("type") in POLICY_READS]
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
