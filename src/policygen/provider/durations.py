"""The duration attributes of ``accessanalyzer_policy_generation``: ``wait_timeout`` and ``queue_timeout``.

Written as Terraform users write them (``"1h30m"``, ``"45m"``, ``"90s"``); the resource
(:mod:`policygen.provider.policy_generation`) checks them at validate and reads them at create.
"""

from __future__ import annotations

import re

#: How long create waits with `wait_for_completion` when `wait_timeout` is not set.
DEFAULT_WAIT_TIMEOUT = "60m"
#: How long create waits for other running generations when `queue_timeout` is not set.
DEFAULT_QUEUE_TIMEOUT = "60m"
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
#: The longest wait a duration attribute accepts: an apply that waits longer has gone wrong.
MAX_DURATION_SECONDS = 24 * 3600


def parse_duration(text: str) -> float | None:
    """``"1h30m"``, ``"45m"``, ``"90s"`` in seconds; None when the text is not such a duration."""
    match = _DURATION.match(text.strip())
    if not text.strip() or match is None:
        return None
    # Digits are cut before int(): a thousand-digit number is no duration, and must not cost time.
    if any(group and len(group) > 9 for group in match.groups()):
        return float("inf")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def duration_problem(name: str, text: str) -> str | None:
    """Why ``text`` is not a usable value of the duration attribute ``name``; None when it is one."""
    shown = text if len(text) <= 40 else f"{text[:40]}… ({len(text)} characters)"
    seconds = parse_duration(text)
    if seconds is None:
        return f"{shown!r} is not a duration; write it like 45m, 1h30m or 90s."
    if seconds <= 0:
        return f"{name} must be longer than zero, got {shown!r}; write it like 45m, or leave it out for the default."
    if seconds > MAX_DURATION_SECONDS:
        return f"{name} can be at most 24h, got {shown!r}; an apply should not wait longer than a day."
    return None
