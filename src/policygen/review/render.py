"""Rendering a review: the Markdown pull-request comment of ``policygen review``.

:func:`to_markdown` writes a :class:`~policygen.review.model.Review`; the ``--format json``
document is :meth:`~policygen.review.model.Review.to_dict`.
"""

from __future__ import annotations

from typing import Any

from policygen._names import GENERATED_POLICY_TYPE
from policygen.review.model import GenerationChange, Review, format_minutes


def to_markdown(review: Review) -> str:
    """The review as a Markdown pull-request comment."""
    lines = [f"### Access Analyzer policy generation: {_headline(review)}", ""]
    if not review.generations:
        lines.append("This plan changes no `accessanalyzer_policy_generation` resources.")
        if review.warnings:  # jobs that changed outside Terraform, kept by the plan
            lines += ["", "**Warnings**", ""]
            lines += [f"- ⚠️ `{w.address}`: {w.message}" if w.address else f"- ⚠️ {w.message}" for w in review.warnings]
        return "\n".join(lines + _markdown_policy_reads(review)) + "\n"
    if review.jobs_started:
        started = ", ".join(
            f"{q.jobs_started} in {q.describe()}" + (f" (of {q.daily_quota} a day)" if q.daily_quota else "")
            if q.region
            else f"{q.jobs_started} in an unknown Region (the plan does not name it)"
            for q in review.regions
        )
        kind = "accounts and Regions" if any(q.account for q in review.regions) else "Regions"
        order = (
            f" The {len(review.regions)} {kind} run side by side, one job at a time in each."
            if len(review.regions) > 1
            else ""
        )
        if max(q.jobs_started for q in review.regions) > 1:
            timing = (
                f"{order} Expected apply time about **{format_minutes(review.estimated_apply_seconds)}**, every policy "
                f"ready about **{format_minutes(review.estimated_ready_seconds)}** after the apply starts "
                "(see the warnings)."
            )
        else:  # one job per Region: each starts at once
            subject = "The policy" if review.jobs_started == 1 else "Every policy"
            timing = (
                f"{order} {subject} should be ready about **{format_minutes(review.seconds_per_job)}** after the apply "
                "starts"
                + (" (the apply waits for it)." if review.estimated_apply_seconds else "; the apply does not wait.")
            )
        lines.append(f"Applying starts **{review.jobs_started}** job(s): {started}.{timing}")
        lines.append("")
        if any(q.account for q in review.regions) or not all(q.fits_daily_quota for q in review.regions):
            lines += _markdown_queues(review)
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
        token = (
            f"`{generation.client_token}`"
            if generation.client_token
            else "derived at apply from the request, its triggers and instance key (docs/spec.md)"
        )
        lines.append(f"- **Client token:** {token}")
    if generation.starts_job:
        lines.append(f"- **Region:** {generation.region or 'unknown'} ({generation.region_note})")
        if generation.account:
            lines.append(f"- **Account:** {generation.account} (assumes `{generation.role_arn}`)")
    lines.append("")
    return lines


def _markdown_queues(review: Review) -> list[str]:
    """A table of the queues: per account and Region, the jobs, the daily quota, the days, the time."""
    lines = [
        "| account | Region | role assumed | jobs | daily quota | fits today | days (jobs per day) | apply time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for q in review.regions:
        days = ", ".join(f"day {d}: {n}" for d, n in enumerate(q.days, start=1))
        account = q.account or "(the provider's)"
        role = _code(q.role_arn) if q.role_arn else "-"
        quota = q.daily_quota or "50 (5 in the low-quota Regions)"
        fits = "yes" if q.fits_daily_quota else "**no**"
        lines.append(
            f"| {account} | {q.region or 'unknown'} | {role} | {q.jobs_started} | {quota} | {fits} | {days} "
            f"| ~{format_minutes(q.estimated_apply_seconds)} |"
        )
    return [*lines, "", f"Times assume ~{format_minutes(review.seconds_per_job)} per job (`--job-minutes`).", ""]


def _code(value: str | None) -> str:
    return f"`{value}`" if value else "(known after apply)"


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
