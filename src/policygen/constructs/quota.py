"""The daily quota, checked when a stack is built: generations counted per account and Region.

Access Analyzer starts at most 50 policy generations a day per account and Region (5 in the
low-quota Regions, :mod:`policygen.spec.quotas`). A stack that declares more on one account
and Region would start the first ones and fail the rest at apply, after hours of queueing. So the
constructs count, per stack, the generations of each account and Region as they are declared, and
refuse the ones beyond the quota with :class:`policygen.errors.DailyQuotaError`, unless the user
lets them run on a later day (``allow_later_days=True`` on the generation, on
``PolicyGenerations.from_directory``, or on its provider).

The account of a generation is its provider's ``assume_role`` account when it has one, else its
principal's; the Region is its provider's ``region`` (None: the AWS SDKs' chain decides at apply, counted
at the usual quota).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from policygen.errors import DailyQuotaError
from policygen.review.schedule import account_of, jobs_per_day
from policygen.spec.quotas import LOW_DAILY_QUOTA, LOW_DAILY_QUOTA_REGIONS, daily_quota

#: One ledger per stack.
_LEDGERS: weakref.WeakKeyDictionary[Any, DailyQuotaLedger] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class QuotaQueue:
    """One account and Region: the queue of a provider configuration's jobs and of the daily quota."""

    account: str | None
    region: str | None

    def describe(self) -> str:
        """``account 111111111111 in us-east-1``, naming what is unknown."""
        account = f"account {self.account}" if self.account else "the provider's account"
        region = self.region or "the provider's Region (not set: AWS_REGION decides at apply)"
        return f"{account} in {region}"

    @property
    def quota(self) -> int:
        """The daily quota of the Region (the usual one when the Region is unknown)."""
        return daily_quota(self.region)


@dataclass(frozen=True)
class QueuedGeneration:
    """One generation about to be declared: its name, queue, and whether it may run on a later day."""

    name: str
    queue: QuotaQueue
    allow_later_days: bool


def queue_of(provider: Any, principal_arn: str) -> QuotaQueue:
    """The queue of a generation of ``principal_arn`` started through ``provider`` (None: the default one)."""
    role = getattr(provider, "role_arn", None)
    region = getattr(provider, "region", None)
    return QuotaQueue(account_of(role) or account_of(principal_arn), region if isinstance(region, str) else None)


class DailyQuotaLedger:
    """The generations of one stack, per queue, in the order they were declared."""

    def __init__(self) -> None:
        self.queues: dict[QuotaQueue, list[str]] = {}

    @classmethod
    def of(cls, stack: Any) -> DailyQuotaLedger:
        """The ledger of ``stack``, made on first use."""
        ledger = _LEDGERS.get(stack)
        if ledger is None:
            ledger = _LEDGERS[stack] = cls()
        return ledger

    def check(self, entries: Sequence[QueuedGeneration]) -> None:
        """Raise DailyQuotaError when any of ``entries``, added after those declared, is beyond its quota.

        Every generation beyond it that is not allowed to run later is named, with the numbers of
        its queue, so that one error lists everything a spec folder would fail.
        """
        counts = {queue: len(names) for queue, names in self.queues.items()}
        totals = dict(counts)
        for entry in entries:
            totals[entry.queue] = totals.get(entry.queue, 0) + 1
        beyond: dict[QuotaQueue, list[str]] = {}
        for entry in entries:
            counts[entry.queue] = counts.get(entry.queue, 0) + 1
            if counts[entry.queue] > entry.queue.quota and not entry.allow_later_days:
                beyond.setdefault(entry.queue, []).append(entry.name)
        if beyond:
            names = [name for queued in beyond.values() for name in queued]
            raise DailyQuotaError(_message(beyond, totals), beyond=names)

    def add(self, entry: QueuedGeneration) -> None:
        """Record a declared generation (after :meth:`check`)."""
        self.queues.setdefault(entry.queue, []).append(entry.name)


def _message(beyond: dict[QuotaQueue, list[str]], totals: dict[QuotaQueue, int]) -> str:
    parts = []
    for queue, names in beyond.items():
        total, quota = totals[queue], queue.quota
        days = jobs_per_day(total, quota)
        spread = ", ".join(f"day {day}: {count}" for day, count in enumerate(days, start=1))
        low = (
            f" ({LOW_DAILY_QUOTA} a day in {', '.join(sorted(LOW_DAILY_QUOTA_REGIONS))})"
            if queue.region is None
            else ""
        )
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        parts.append(
            f"{total} policy generations are declared for {queue.describe()}, but Access Analyzer starts at most "
            f"{quota} a day there{low}, cancelled ones included: the {len(names)} beyond the quota ({shown}) would "
            f"fail at apply ({spread})."
        )
    return (
        " ".join(parts)
        + " Declare at most the quota per account and Region in one apply (split the specs over days), or let the "
        "rest run on later days with allow_later_days=True (on PolicyGeneration, PolicyGenerations.from_directory, "
        "AccountProviders or AccessAnalyzerProvider): today's apply then fails those starts, and an apply on a "
        "later day creates them."
    )
