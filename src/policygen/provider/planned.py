"""What the plan of a create decided, kept until that create has its job.

Terraform plans every create twice: in ``terraform plan`` (or the plan half of ``apply``), and
again just before it applies, when the provider sees only the configuration. The planned window
and client token must come out the same both times, or Terraform refuses the apply ("Provider
produced inconsistent final plan"), and a saved plan applied the next day must send the window
that was reviewed. Nothing in Terraform's protocol carries a create's planned values to that
second plan, so the provider keeps them here, in the working directory's data folder
(``.terraform/policygen/planned-creates.json``, or under ``TF_DATA_DIR``), one entry per request:

- the plan of a create records the resolved ``start_time`` and ``client_token`` (and the job
  the creation replaces); every later plan of the same request reuses them while they are at most
  :data:`REUSE_FOR` old and still pass the time rules;
- a create that got its job removes the entry, so the next creation (a ``-replace``) plans anew;
- a create that ended tainted (the job FAILED, was CANCELED or its wait timed out) leaves the
  job it replaces, so the replacement that follows derives a new token even though Terraform shows
  it to the provider as a plain create.

An entry is keyed by the request's configured inputs and the provider settings, never by time.
The file is only an aid: when it is missing or unwritable, plans resolve anew and the derived
token stays stable within a UTC day (docs/spec.md, "The client token").
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from policygen.timestamps import parse_time, parse_timestamp

log = logging.getLogger("policygen.provider")

#: How long a planned window and token are reused by later plans of the same request.
REUSE_FOR = timedelta(days=7)
#: How long the job a tainted create leaves behind is remembered for its replacement.
KEEP_REPLACED_FOR = timedelta(days=30)


@dataclass(frozen=True)
class PlannedCreate:
    """One create's plan: the values it sends (None: not decided yet) and the job it replaces."""

    planned_on: str
    start_time: str | None = None
    client_token: str | None = None
    replaces: str | None = None

    @property
    def decided(self) -> bool:
        """True when this entry holds the values of a plan (not only the job being replaced)."""
        return self.client_token is not None


def request_key(inputs: dict[str, Any], provider: dict[str, Any]) -> str:
    """The key of a request: a digest of its configured inputs and the provider's settings."""
    canonical = json.dumps({"inputs": inputs, "provider": provider}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class PlannedCreates:
    """The planned creates of one working directory (a JSON file; see the module docstring)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()

    @classmethod
    def of_working_directory(cls) -> PlannedCreates:
        """The file in Terraform's data folder of the current working directory (where Terraform runs us)."""
        data_dir = Path(os.environ.get("TF_DATA_DIR") or ".terraform")
        return cls(data_dir / "policygen" / "planned-creates.json")

    def get(self, key: str) -> PlannedCreate | None:
        """The entry of ``key``, if any."""
        with self._lock:
            raw = self._read().get(key)
        try:
            return PlannedCreate(**raw) if isinstance(raw, dict) else None
        except TypeError:
            return None

    def put(self, key: str, entry: PlannedCreate, now: datetime) -> None:
        """Record ``entry`` under ``key`` (and forget entries too old to be used)."""
        self._change(key, asdict(entry), now)

    def created(self, key: str, now: datetime) -> None:
        """The create of ``key`` has its job: the next creation of the request plans anew."""
        self._change(key, None, now)

    def tainted(self, key: str, job_id: str, now: datetime) -> None:
        """The create of ``key`` ended with a job that its replacement must not get back."""
        self._change(key, asdict(PlannedCreate(planned_on=_stamp(now), replaces=job_id)), now)

    def _read(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _change(self, key: str, value: dict[str, Any] | None, now: datetime) -> None:
        if self.path is None:
            return
        with self._lock:
            entries = {k: v for k, v in self._read().items() if k != key and _fresh(v, now)}
            if value is not None:
                entries[key] = value
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".planned-")
                with os.fdopen(fd, "w") as handle:
                    json.dump(entries, handle, indent=1, sort_keys=True)
                os.replace(tmp, self.path)
            except OSError as exc:
                # Only an aid (see the module docstring): the create goes on without it.
                log.warning("could not record planned creates in %s: %s", self.path, exc)


def _stamp(now: datetime) -> str:
    return now.isoformat()


def planned_on(entry: PlannedCreate) -> datetime | None:
    """When ``entry`` was planned, or None when its stamp is unreadable."""
    return parse_time(entry.planned_on)


def _fresh(raw: Any, now: datetime) -> bool:
    if not isinstance(raw, dict):
        return False
    stamp = parse_timestamp(raw.get("planned_on"))
    limit = REUSE_FOR if raw.get("client_token") else KEEP_REPLACED_FOR
    return stamp is not None and now - stamp <= limit


def new_entry(now: datetime, *, start_time: str | None, client_token: str, replaces: str | None) -> PlannedCreate:
    """An entry planned at ``now``."""
    return PlannedCreate(planned_on=_stamp(now), start_time=start_time, client_token=client_token, replaces=replaces)
