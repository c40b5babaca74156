"""``policygen estimate``: a spec folder's queues, before any plan.

Each spec's job runs in its principal's account; with ``roles`` each account assumes its role (as
``AccountProviders`` does in the constructs). Every account and Region is one queue: its jobs run
one at a time, at most the daily quota of them a day. :func:`estimate_specs` counts them as
:class:`~policygen.review.model.RegionQuota` values, the same ones ``policygen review`` reports
for a plan, so the two say the same about the same generations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from policygen.review.model import SECONDS_PER_JOB, RegionQuota, format_minutes
from policygen.review.schedule import AccountRoles, account_of
from policygen.spec import Spec


@dataclass(frozen=True)
class Estimate:
    """The queues of a set of specs and what applying them would take."""

    queues: tuple[RegionQuota, ...]
    seconds_per_job: int

    @property
    def fits_daily_quota(self) -> bool:
        """True when every queue's jobs can start today."""
        return all(q.fits_daily_quota for q in self.queues)

    @property
    def estimated_apply_seconds(self) -> int:
        """The apply lasts as long as its longest queue (queues run side by side)."""
        return max((q.estimated_apply_seconds for q in self.queues), default=0)

    @property
    def estimated_ready_seconds(self) -> int:
        """Time from the start of the apply until every job of today has finished."""
        return max((q.estimated_ready_seconds for q in self.queues), default=0)

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` document."""
        return {
            "seconds_per_job": self.seconds_per_job,
            "generations": sum(q.jobs_started for q in self.queues),
            "fits_daily_quota": self.fits_daily_quota,
            "estimated_apply_seconds": self.estimated_apply_seconds,
            "estimated_ready_seconds": self.estimated_ready_seconds,
            "queues": [q.to_dict() for q in self.queues],
        }

    def to_text(self) -> str:
        """A table of the queues and a closing sentence."""
        header = ("account", "Region", "role assumed", "jobs", "quota", "fits today", "days", "apply", "all ready")
        rows = [header]
        for q in self.queues:
            days = ", ".join(f"day {d}: {n}" for d, n in enumerate(q.days, start=1))
            rows.append(
                (
                    q.account or "unknown",
                    q.region or "unknown",
                    q.role_arn or "-",
                    str(q.jobs_started),
                    str(q.daily_quota or "50 (5 in low-quota Regions)"),
                    "yes" if q.fits_daily_quota else "NO",
                    days,
                    format_minutes(q.estimated_apply_seconds),
                    format_minutes(q.estimated_ready_seconds),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
        total = sum(q.jobs_started for q in self.queues)
        lines.append("")
        lines.append(
            f"{total} generation(s) in {len(self.queues)} queue(s) (account and Region), one job at a time in each and "
            f"the queues side by side, at ~{format_minutes(self.seconds_per_job)} per job: the apply takes about "
            f"{format_minutes(self.estimated_apply_seconds)}, every policy ready about "
            f"{format_minutes(self.estimated_ready_seconds)} after it starts (with wait_for_completion, the apply "
            "lasts until then)."
        )
        if not self.fits_daily_quota:
            lines.append(
                "Some queues exceed the daily quota: the constructs refuse such a stack unless allow_later_days=True, "
                "and the starts beyond the quota fail at apply; the days column says when the rest could run."
            )
        return "\n".join(lines) + "\n"


def estimate_specs(
    specs: Sequence[Spec],
    *,
    roles: AccountRoles | None = None,
    region: str | None = None,
    seconds_per_job: int = SECONDS_PER_JOB,
) -> Estimate:
    """The queues of ``specs`` in ``region`` (None: unknown), each principal's account assuming ``roles``' role.

    Raises AccountRoleError when ``roles`` leaves out an account of the specs (as the constructs do).
    """
    if roles is not None:
        roles.check(specs)
    counts: dict[str | None, int] = {}
    for spec in specs:
        account = account_of(spec.principal_arn)
        counts[account] = counts.get(account, 0) + 1
    queues = tuple(
        RegionQuota(
            region,
            count,
            account=account,
            role_arn=roles.role_for(account) if roles is not None and account else None,
            seconds_per_job=seconds_per_job,
        )
        for account, count in sorted(counts.items(), key=lambda item: item[0] or "")
    )
    return Estimate(queues, seconds_per_job)
