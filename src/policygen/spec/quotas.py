"""Access Analyzer's limits on policy generation: the one place policygen states them.

From the IAM User Guide's quotas page and the StartPolicyGeneration reference; none of them is
adjustable. The spec's checks (the window), the service wrapper (the daily quota's error), the
provider (a job's history) and ``policygen review`` (its warnings) read them from here.

The emulator keeps its own copy (:mod:`policygen.emulator.models`): it stands alone, as the service
it imitates does, so that a test against it checks these numbers instead of echoing them.

The spec loader's own limits (file size, nesting, ...) are policygen's, not the service's: they
live in :mod:`policygen.spec.limits`.
"""

from __future__ import annotations

from datetime import timedelta

#: Days of CloudTrail events one generation reads at most (``endTime - startTime``).
MAX_WINDOW_DAYS = 90
#: :data:`MAX_WINDOW_DAYS` as a duration.
MAX_WINDOW = timedelta(days=MAX_WINDOW_DAYS)

#: Policy generations a day per account and Region in most Regions (cancelled and failed ones count).
DAILY_QUOTA = 50
#: Policy generations a day in :data:`LOW_DAILY_QUOTA_REGIONS`.
LOW_DAILY_QUOTA = 5
#: The Regions with the lower daily quota.
LOW_DAILY_QUOTA_REGIONS = frozenset({"af-south-1", "ap-east-1", "ap-southeast-3", "eu-south-1", "me-south-1"})
#: The daily quota counts the generations started in the last 24 hours, not per calendar day.
QUOTA_PERIOD = timedelta(hours=24)

#: Generations in progress at once per account and Region: a start while one runs is refused.
MAX_IN_PROGRESS = 1

#: How long Access Analyzer keeps a job: older ones are neither listed nor returned.
JOB_HISTORY = timedelta(days=7)

#: Log files one generation reads at most; past it the job fails with SERVICE_QUOTA_EXCEEDED_ERROR.
MAX_LOG_FILES = 100_000
#: Gigabytes of log files one generation reads at most (the same failure).
MAX_LOG_GB = 25


def daily_quota(region: str | None) -> int:
    """The daily quota of policy generations in ``region`` (the usual one when it is unknown)."""
    return LOW_DAILY_QUOTA if region in LOW_DAILY_QUOTA_REGIONS else DAILY_QUOTA
