"""The jobs of the last seven days, listed once per provider process and shared by its refreshes.

A plan refreshes every policy generation of the configuration, concurrently. One
GetGeneratedPolicy call per job made a plan's cost grow with the number of jobs; one paginated
ListPolicyGenerations pass answers the status and times of all of them at once. GetGeneratedPolicy
is still asked for what the list cannot tell: a job the list does not show (unknown, or older than
the list's seven days), and the error of a FAILED job not yet recorded.

Terraform starts a provider process per command and provider configuration (one account, Region
and endpoint), so the list is as fresh as the plan.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from policygen.errors import ServiceError

if TYPE_CHECKING:  # the client module is imported when the provider is configured
    from policygen.aws.client import AccessAnalyzer

log = logging.getLogger("policygen.provider")


class RecentJobs:
    """ListPolicyGenerations of one provider process, made on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, dict[str, Any]] | None = None

    def started_since(self, service: AccessAnalyzer, moment: datetime) -> int:
        """How many of the listed jobs started at ``moment`` or later (0 when the list cannot be had)."""
        self.summary(service, "")
        with self._lock:
            jobs = self._jobs or {}
            started = (g.get("startedOn") for g in jobs.values())
            return sum(1 for when in started if isinstance(when, datetime) and when >= moment)

    def summary(self, service: AccessAnalyzer, job_id: str) -> dict[str, Any] | None:
        """The list's entry of ``job_id`` (status, startedOn, completedOn), or None when it shows none."""
        with self._lock:  # the concurrent refreshes wait for the one list instead of each making it
            if self._jobs is None:
                try:
                    self._jobs = {g["jobId"]: g for g in service.list()}
                except ServiceError as exc:
                    # Without the list (say, no permission for it), every refresh asks for its job.
                    log.info("could not list policy generations (%s); refreshing job by job", exc)
                    self._jobs = {}
            return self._jobs.get(job_id)
