"""What one provider process remembers between the calls of one Terraform command.

Terraform runs one provider process per provider configuration and command, and within an apply
the destroy half of a replacement runs before its create half, in that same process. This memory
lives and dies with the process: nothing decides a job from a file beside Terraform.
"""

from __future__ import annotations

import threading


class ProcessMemory:
    """Jobs this process destroyed or created."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replaced: dict[str, str] = {}
        self._released: set[str] = set()
        self._created: set[str] = set()

    def destroyed(self, request_key: str, job_id: str, *, released: bool = False) -> None:
        """The object holding ``job_id`` (a request of ``request_key``) was destroyed by this process.

        ``released``: its job was left running for the replacement to carry on with (the object
        was tainted by an interrupted wait).
        """
        with self._lock:
            self._replaced[request_key] = job_id
            if released:
                self._released.add(job_id)

    def replaced_by(self, request_key: str) -> tuple[str, bool] | None:
        """The job this process destroyed for the same request, and whether it was left running for it."""
        with self._lock:
            job_id = self._replaced.get(request_key)
            return None if job_id is None else (job_id, job_id in self._released)

    def destroyed_jobs(self) -> frozenset[str]:
        """Every job this process destroyed."""
        with self._lock:
            return frozenset(self._replaced.values())

    def created(self, job_id: str) -> None:
        """A create of this process ends holding ``job_id``."""
        with self._lock:
            self._created.add(job_id)

    def was_created(self, job_id: str) -> bool:
        """Whether a create of this process holds ``job_id`` (a delete must not cancel it)."""
        with self._lock:
            return job_id in self._created
