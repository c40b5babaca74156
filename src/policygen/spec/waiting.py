"""How create waits: ``wait_for_completion``, ``wait_timeout`` and ``queue_timeout``, and their rules.

Durations are written as Terraform users write them (``"1h30m"``, ``"45m"``, ``"90s"``). The rules
live here, in the spec layer, so that the construct (at synth), the provider (at plan) and any
other caller judge them alike: :func:`wait_problems`.
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


def wait_problems(wait_for_completion: object, wait_timeout: object, queue_timeout: object) -> list[tuple[str, str]]:
    """Every problem of the wait settings, as ``(attribute, message)``; values that are not strings are skipped."""
    problems = [
        (name, problem)
        for name, value in (("wait_timeout", wait_timeout), ("queue_timeout", queue_timeout))
        if isinstance(value, str) and (problem := duration_problem(name, value))
    ]
    if isinstance(wait_timeout, str) and wait_for_completion is not True:
        problems.append(
            (
                "wait_timeout",
                f"wait_timeout={wait_timeout[:40]!r} can only be given with wait_for_completion=True (it is how "
                "long that wait lasts); add wait_for_completion=True, or remove wait_timeout.",
            )
        )
    return problems
