"""What one provider process remembers between the calls of one Terraform command.

Terraform runs one provider process per provider configuration and command, and within an apply
the destroy half of a replacement runs before its create half, in that same process. This memory
lives and dies with the process: nothing decides a job from a file beside Terraform.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Replaced:
    """A job this process destroyed the object of, for the replacement's create of the same request.

    ``left_running``: its object was tainted by an interrupted wait, so the job was not cancelled and
    the replacement carries on with it, with the window and token it was started with.
    """

    job_id: str
    left_running: bool = False
    start_time: str | None = None
    client_token: str | None = None


class ProcessMemory:
    """Jobs this process destroyed or created."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replaced: dict[str, Replaced] = {}
        self._created: set[str] = set()

    def destroyed(self, request_key: str, replaced: Replaced) -> None:
        """The object holding ``replaced.job_id`` (a request of ``request_key``) was destroyed by this process."""
        with self._lock:
            self._replaced[request_key] = replaced

    def replaced_by(self, request_key: str) -> Replaced | None:
        """The job this process destroyed for the same request, which a new creation replaces."""
        with self._lock:
            return self._replaced.get(request_key)

    def destroyed_jobs(self) -> frozenset[str]:
        """Every job this process destroyed."""
        with self._lock:
            return frozenset(r.job_id for r in self._replaced.values())

    def created(self, job_id: str) -> None:
        """A create of this process ends holding ``job_id``."""
        with self._lock:
            self._created.add(job_id)

    def was_created(self, job_id: str) -> bool:
        """Whether a create of this process holds ``job_id`` (a delete must not cancel it)."""
        with self._lock:
            return job_id in self._created
