"""What the endpoint serves: one record per request, counted, and written as a line when asked.

``policygen emulator --log-requests`` writes each request to standard error as it is answered::

    PUT StartPolicyGeneration account=123456789012 region=eu-west-1 status=200 ms=2.4
    GET GetGeneratedPolicy account=123456789012 region=ap-southeast-2 status=400 ms=0.9

so that a user can watch what Terraform, the SDKs or the AWS CLI send. A field the endpoint could
not tell is ``-``: the operation of a path that names none, the account and Region of an unsigned
request, the status of a connection closed without an answer (an injected ``drop`` fault). The
milliseconds run from the end of the request's headers to the end of the answer, injected latency
included. In Python, :attr:`Emulator.requests <policygen.emulator.Emulator>` counts every request
by operation (what the benchmarks use to count service calls per command).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class RequestRecord:
    """One request as answered: method, operation, caller's account and Region, status and duration."""

    method: str
    operation: str | None
    account: str | None
    region: str | None
    #: The HTTP status sent; None when the connection was closed without an answer.
    status: int | None
    milliseconds: float

    def line(self) -> str:
        """The record as one log line (``-`` for what is not known)."""
        status = "-" if self.status is None else str(self.status)
        return (
            f"{self.method} {self.operation or '-'} account={self.account or '-'} region={self.region or '-'} "
            f"status={status} ms={self.milliseconds:.1f}"
        )


class RequestLog:
    """Counts the requests an endpoint answers, by operation, and writes each to ``stream`` when given one.

    Only counts are kept, never the records, so a long-running endpoint does not grow.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self._counts: Counter[str | None] = Counter()
        self._lock = threading.Lock()

    def record(self, record: RequestRecord) -> None:
        """Count the request and, with a stream, write its line (whole, even from many threads at once)."""
        with self._lock:
            self._counts[record.operation] += 1
            if self.stream is not None:
                self.stream.write(record.line() + "\n")
                self.stream.flush()

    def counts(self) -> Counter[str | None]:
        """Requests answered so far, by operation (None: requests that named no operation)."""
        with self._lock:
            return Counter(self._counts)

    def total(self) -> int:
        """Requests answered so far."""
        with self._lock:
            return sum(self._counts.values())
