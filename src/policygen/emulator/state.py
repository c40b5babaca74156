"""The endpoint's state folder (``--state-dir``): its jobs on disk, so that they survive a restart.

A stack deployed against the endpoint keeps job ids in its Terraform state; after a restart, the
endpoint must still know those jobs to plan and destroy the stack. With a state folder, every
change of the service's jobs (a start, a cancel) is written to ``DIR/jobs.json`` before the
request is answered, and an endpoint that starts with the folder reads them back.

* **What is kept** is what the service decided: each job's request, account and Region, client
  token, start time, duration, cancel time and ``jobError``. A job's status is computed from the
  endpoint's clock when read (:mod:`policygen.emulator.models`), so a job that was IN_PROGRESS keeps
  its timeline: it completes at the time it would have without the restart. The generated policy
  is derived again from the CloudTrail folder when first asked for. Jobs older than the seven days
  the service remembers are dropped.
* **STS sessions are kept too** (``DIR/sessions.json``, written before the credentials are
  answered): temporary credentials a client holds, and their expiry, survive a restart like the jobs
  it waits for (:mod:`policygen.emulator.sessions`). The file holds their secrets, as the endpoint's
  memory does: the folder is the endpoint's, for tests and offline use.
* **Writes are atomic** and never follow a link (:class:`policygen.files.folders.Folder`): a reader (or a
  crash) sees the old file or the new one.
* **One endpoint per folder.** The endpoint holds an exclusive lock (``flock``) on ``DIR/lock``
  while it runs. A second endpoint pointed at the same folder would otherwise overwrite the
  first one's jobs with its own on every write; it is refused when it starts
  (:class:`~policygen.errors.StateFolderLockedError`, naming the process that holds the folder). The
  lock is released when the endpoint stops, or when its process dies.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from policygen.emulator.exceptions import AccessAnalyzerError
from policygen.emulator.models import AccountRegion, Clock, Job
from policygen.emulator.sessions import Session
from policygen.emulator.validation import parse_input, service_model
from policygen.emulator.world import JobError
from policygen.errors import StateFolderError, StateFolderLockedError
from policygen.files.folders import Folder

#: The file of the jobs, of the STS sessions, and the lock file, inside the state folder.
JOBS_FILE = "jobs.json"
SESSIONS_FILE = "sessions.json"
LOCK_FILE = "lock"
#: The format of ``jobs.json``; a file of another format is refused, not guessed at.
FORMAT = 1
#: Largest ``jobs.json`` read (64 MiB): 50 jobs a day for seven days, in many accounts and Regions,
#: is a few megabytes.
MAX_STATE_BYTES = 64 << 20


class StateFolder:
    """The state folder of one running endpoint: locked while open, jobs read and written atomically.

    Raises :class:`~policygen.errors.StateFolderLockedError` when another endpoint holds the folder,
    and :class:`~policygen.errors.StateFolderError` when it cannot be created or opened.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self._folder = Folder(self.path, create=True)
        except OSError as exc:
            raise StateFolderError(
                f"Cannot use {self.path} as the endpoint's state folder: {exc.strerror or exc}. Give --state-dir "
                "a folder you may write into, or a path where one can be created.",
                path=str(self.path),
            ) from exc
        try:
            self._lock = self._folder.open_file(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            self._folder.close()
            raise self.error(f"its lock file cannot be opened ({exc.strerror or exc})") from exc
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            pid = self._holder()
            self.close()
            holder = f"process {pid}" if pid is not None else "another process"
            raise StateFolderLockedError(
                f"The state folder {self.path} is in use by another endpoint ({holder}): two endpoints writing "
                "one folder would overwrite each other's jobs. Stop that endpoint first, or give this one "
                "another --state-dir.",
                path=str(self.path),
                pid=pid,
            ) from exc
        os.ftruncate(self._lock, 0)
        os.pwrite(self._lock, f"{os.getpid()}\n".encode(), 0)

    def _holder(self) -> int | None:
        """The process id the lock's holder wrote into the lock file, if it did."""
        try:
            text = os.pread(self._lock, 32, 0).decode("ascii", "replace").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def error(self, problem: str) -> StateFolderError:
        return StateFolderError(
            f"Cannot use the state folder {self.path}: {problem}. Fix or remove the file, or give --state-dir "
            "another folder.",
            path=str(self.path),
        )

    def close(self) -> None:
        """Release the lock and the folder; safe to call twice."""
        if getattr(self, "_lock", -1) >= 0:
            os.close(self._lock)  # closing the descriptor releases the flock
            self._lock = -1
        self._folder.close()

    def load(self, name: str = JOBS_FILE, key: str = "jobs") -> list[dict[str, Any]]:
        """The records under ``key`` in the file ``name`` (the jobs by default; none when there is no file yet)."""
        try:
            data = self._folder.read(name, MAX_STATE_BYTES)
        except OSError as exc:
            reason = "it is a symbolic link, which is never followed" if exc.errno == errno.ELOOP else exc.strerror
            raise self.error(f"{name} cannot be read: {reason or exc}") from exc
        if data is None:
            return []
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise self.error(f"{name} is not JSON, so it was not written by policygen emulator") from exc
        if (
            not isinstance(document, dict)
            or document.get("format") != FORMAT
            or not isinstance(document.get(key), list)
        ):
            raise self.error(f"{name} is not a state file of format {FORMAT} of policygen emulator")
        return list(document[key])

    def save(self, records: Sequence[dict[str, Any]], name: str = JOBS_FILE, key: str = "jobs") -> None:
        """Replace the file ``name`` (``jobs.json`` by default) with these records under ``key``, atomically."""
        data = json.dumps({"format": FORMAT, key: list(records)}, indent=1).encode()
        try:
            self._folder.write(name, data, replace=True)
        except OSError as exc:
            raise self.error(f"{name} cannot be written ({exc.strerror or exc})") from exc


def job_record(job: Job) -> dict[str, Any]:
    """What is kept of a job: what the service decided when it was started and cancelled."""
    return {
        "jobId": job.job_id,
        "account": job.account,
        "region": job.region,
        "principalArn": job.principal_arn,
        "clientToken": job.client_token,
        "request": job.request,
        "startedOn": job.started_on.isoformat(),
        "durationSeconds": job.duration.total_seconds(),
        "canceledOn": job.canceled_on.isoformat() if job.canceled_on is not None else None,
        "jobError": {"code": job.error.code, "message": job.error.message} if job.error is not None else None,
    }


def job_from_record(record: dict[str, Any], clock: Clock) -> Job:
    """A job from its record; KeyError, TypeError or ValueError when the record is not one."""
    request = record["request"]
    # The parameters are read from the request again, against the model, exactly as when it came in.
    model = service_model().operation_model("StartPolicyGeneration")
    parameters = parse_input(model, {}, {}, json.dumps(request).encode())
    parameters.pop("clientToken", None)
    error = record["jobError"]
    canceled = record["canceledOn"]
    return Job(
        job_id=str(record["jobId"]),
        principal_arn=str(record["principalArn"]),
        client_token=record["clientToken"],
        request=request,
        parameters=parameters,
        started_on=datetime.fromisoformat(record["startedOn"]),
        duration=timedelta(seconds=float(record["durationSeconds"])),
        where=AccountRegion(str(record["account"]), str(record["region"])),
        clock=clock,
        error=JobError(error["code"], error["message"]) if error is not None else None,
        canceled_on=datetime.fromisoformat(canceled) if canceled is not None else None,
    )


def read_jobs(folder: StateFolder, clock: Clock) -> list[Job]:
    """Every job of the folder; StateFolderError naming the first record that cannot be read."""
    jobs = []
    for index, record in enumerate(folder.load()):
        try:
            jobs.append(job_from_record(record, clock))
        except (KeyError, TypeError, ValueError, AttributeError, AccessAnalyzerError) as exc:
            raise folder.error(f"job {index} of {JOBS_FILE} cannot be read ({exc!r})") from exc
    return jobs


def read_sessions(folder: StateFolder) -> list[Session]:
    """Every STS session of the folder; StateFolderError naming the first record that cannot be read."""
    sessions = []
    for index, record in enumerate(folder.load(SESSIONS_FILE, "sessions")):
        try:
            sessions.append(Session.from_record(record))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise folder.error(f"session {index} of {SESSIONS_FILE} cannot be read ({exc!r})") from exc
    return sessions
