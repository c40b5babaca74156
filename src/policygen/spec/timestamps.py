"""Timestamps as policygen reads and writes them: ISO 8601 in, ``YYYY-MM-DDTHH:MM:SSZ`` out.

The one place outside the emulator (which stands alone) that parses or formats a point in time:
spec documents, Terraform attributes, plans, the provider's clock and its caches all go through
these functions, so that "a timestamp" means the same thing everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime

#: How policygen writes a timestamp: RFC 3339, UTC, whole seconds.
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 string parsed, with or without a zone; None when ``value`` is not one.

    For readers that must tell a time without a zone apart themselves (a plan, a state); a rule
    that needs an instant uses :func:`parse_timestamp`.
    """
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_timestamp(value: object) -> datetime | None:
    """An ISO 8601 timestamp that carries a time zone, parsed; None when ``value`` is not one.

    A time without a zone names no instant (it depends on the machine's zone), so it is refused.
    """
    parsed = parse_time(value)
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def format_timestamp(value: datetime) -> str:
    """A timestamp the way policygen writes them: UTC, seconds, ``Z`` (``2026-11-28T12:00:00Z``)."""
    return value.astimezone(UTC).strftime(_FORMAT)


def rfc3339(value: datetime | None) -> str | None:
    """A botocore timestamp (a datetime with a zone) as :func:`format_timestamp` writes it; None stays None."""
    return format_timestamp(value) if value else None
