"""The progress display of ``policygen wait``: one live line on a terminal, plain lines elsewhere.

On a terminal the line is redrawn in place (carriage return, erase line) about once a second with a
spinner, the status and the elapsed time. Anywhere else (CI logs, pipes, files) nothing is redrawn:
a line is written when the wait begins, when the status changes, and every :data:`HEARTBEAT_SECONDS`
so that a log shows the wait is alive without filling up.
"""

from __future__ import annotations

from typing import TextIO

from policygen.cli.follow import JobStatus

#: Seconds between two plain progress lines while the status stays the same.
HEARTBEAT_SECONDS = 30.0

_SPINNER = "|/-\\"
_ERASE_LINE = "\r\x1b[2K"


def format_duration(seconds: float) -> str:
    """``m:ss`` under an hour, ``h:mm:ss`` from then on."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class WaitProgress:
    """A ``wait_for_job`` tick callback that shows the wait on ``stream``.

    ``live`` selects the redrawn line (for a terminal) or plain lines. Call :meth:`close` when the
    wait ends, however it ends, so that a live line does not stay half-drawn under what follows.
    """

    def __init__(self, stream: TextIO, *, live: bool, timeout: float | None = None) -> None:
        self.stream = stream
        self.live = live
        self.timeout = timeout
        self._ticks = 0
        self._drawn = False
        self._last_status: str | None = None
        self._last_line_at = 0.0
        #: Seconds waited, as of the latest tick.
        self.elapsed = 0.0

    def __call__(self, status: JobStatus, elapsed: float) -> None:
        """Show ``status`` after ``elapsed`` seconds of waiting."""
        self.elapsed = elapsed
        limit = f" (timeout {format_duration(self.timeout)})" if self.timeout is not None else ""
        text = f"job {status.job_id}: {status.status}, {format_duration(elapsed)} elapsed{limit}"
        if self.live:
            if not status.is_final:
                spinner = _SPINNER[self._ticks % len(_SPINNER)]
                self.stream.write(f"{_ERASE_LINE}{spinner} {text}")
                self.stream.flush()
                self._drawn = True
            self._ticks += 1
            return
        changed = status.status != self._last_status
        if not status.is_final and (changed or elapsed - self._last_line_at >= HEARTBEAT_SECONDS):
            self.stream.write(f"{text}\n")
            self.stream.flush()
            self._last_line_at = elapsed
        self._last_status = status.status

    def close(self) -> None:
        """Erase the live line, if one is drawn."""
        if self._drawn:
            self.stream.write(_ERASE_LINE)
            self.stream.flush()
            self._drawn = False
