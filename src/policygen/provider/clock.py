"""The provider's clock: the time its time rules and relative windows are judged at.

Tests move it with ``POLICYGEN_NOW`` (an RFC 3339 instant such as ``2027-03-11T00:00:00Z``),
because Terraform runs the provider in a process of its own, where nothing else can reach.
Durations (waits, the start queue) are measured with the monotonic clock and never move with it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from policygen.errors import PolicygenError
from policygen.spec.timestamps import parse_timestamp

#: Environment variable that fixes the provider's current time (for tests and rehearsals).
NOW_ENV = "POLICYGEN_NOW"


def now() -> datetime:
    """The current time in UTC, or the instant ``POLICYGEN_NOW`` names."""
    fixed = os.environ.get(NOW_ENV)
    if not fixed:
        return datetime.now(UTC)
    parsed = parse_timestamp(fixed)
    if parsed is None:
        raise PolicygenError(
            f"{NOW_ENV}={fixed!r} is not an RFC 3339 time with a zone; write it like 2027-03-11T00:00:00Z, "
            f"or unset {NOW_ENV} to use the real time."
        )
    return parsed.astimezone(UTC)
