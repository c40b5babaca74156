"""Following a policy generation job: its status, waiting for it to finish, and fetching its policies.

Used by ``policygen status``, ``policygen wait`` and ``policygen fetch``, and free of printing so
that other callers (the provider, scripts) can reuse it: progress is reported through callbacks.
Every call goes through :class:`policygen.aws.client.AccessAnalyzer`, so botocore's errors arrive here
already translated (an unknown job id is a :class:`~policygen.errors.JobNotFoundError`).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from policygen.aws.client import FINAL_STATUSES, AccessAnalyzer
from policygen.errors import FileTakenError, JobFailedError, JobNotFinishedError, PolicygenError, ServiceError
from policygen.files.folders import Folder

#: Longest pause between two progress callbacks while waiting (a live display ticks every second).
TICK_SECONDS = 1.0

#: The job ids file names may be built from: letters, digits, ``.``, ``_`` and ``-``, starting with a
#: letter or digit, at most 200 characters (so ``<jobId>-<n>.json`` fits a 255-byte file name), so a
#: name can neither leave its folder nor be ``..``. Access Analyzer's ids are UUIDs. botocore's
#: model gives the ``JobId`` shape no pattern or length (as of botocore 1.44); any it gains later
#: is applied as well, by :func:`check_job_id`.
JOB_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")

#: Where :func:`wait_for_job` takes its pauses and reads the time when the caller passes neither.
#: Looked up at each call, so that tests can replace them (``monkeypatch.setattr``) and run the CLI's
#: ``policygen wait`` on a fake clock.
_sleep: Callable[[float], None] = time.sleep
_monotonic: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class JobStatus:
    """What GetGeneratedPolicy says about a job, without its policies.

    ``error_code`` and ``error_message`` are the ``jobError`` of a FAILED job (for example
    ``AUTHORIZATION_ERROR``); ``principal_arn`` is the principal the policy is generated for, when
    the service reports it.
    """

    job_id: str
    status: str
    started_on: datetime | None = None
    completed_on: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None
    principal_arn: str | None = None

    @property
    def is_final(self) -> bool:
        """True once the job is SUCCEEDED, FAILED or CANCELED."""
        return self.status in FINAL_STATUSES

    @classmethod
    def from_details(cls, details: dict[str, Any], principal_arn: str | None = None) -> JobStatus:
        """Read the ``jobDetails`` of a GetGeneratedPolicy response."""
        error = details.get("jobError") or {}
        return cls(
            job_id=details["jobId"],
            status=details["status"],
            started_on=details.get("startedOn"),
            completed_on=details.get("completedOn"),
            error_code=error.get("code"),
            error_message=error.get("message"),
            principal_arn=principal_arn,
        )

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> JobStatus:
        """Read a whole GetGeneratedPolicy response (the principal too, when the service reports it)."""
        properties = (response.get("generatedPolicyResult") or {}).get("properties") or {}
        return cls.from_details(response["jobDetails"], properties.get("principalArn"))

    def to_dict(self) -> dict[str, Any]:
        """The status as a JSON-ready mapping (timestamps in ISO 8601)."""
        return {
            "jobId": self.job_id,
            "status": self.status,
            "startedOn": self.started_on.isoformat() if self.started_on else None,
            "completedOn": self.completed_on.isoformat() if self.completed_on else None,
            "jobError": {"code": self.error_code, "message": self.error_message} if self.error_code else None,
            "principalArn": self.principal_arn,
        }


@dataclass(frozen=True)
class GeneratedPolicies:
    """The result of a SUCCEEDED job: its policy documents (parsed JSON), and whether it is complete.

    ``is_complete`` is the service's ``isComplete``: False when Access Analyzer could not read or
    map all of the activity, so the policies may lack actions.
    """

    status: JobStatus
    policies: tuple[dict[str, Any], ...]
    is_complete: bool | None = None


#: Called while waiting with the job's latest status and the seconds elapsed since the wait began.
TickCallback = Callable[[JobStatus, float], None]


def get_status(service: AccessAnalyzer, job_id: str) -> JobStatus:
    """The job's current status (GetGeneratedPolicy). Raises JobNotFoundError for an unknown id."""
    return JobStatus.from_response(service.get(job_id))


def wait_for_job(
    service: AccessAnalyzer,
    job_id: str,
    *,
    timeout: float | None,
    on_tick: TickCallback | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> JobStatus:
    """Poll the job until it is final and return its final status (SUCCEEDED, FAILED or CANCELED).

    Polling is :meth:`AccessAnalyzer.wait`'s (short at first, at most every 5 s). ``on_tick(status,
    elapsed)`` is called after every poll and, between polls, about every :data:`TICK_SECONDS` with
    the latest status, so that a display can show the elapsed time. ``timeout`` is in seconds; None
    waits without limit. A FAILED or CANCELED job is returned, not raised: pass the result to
    :func:`require_success` when only SUCCEEDED will do. ``sleep`` and ``clock`` (a monotonic clock
    in seconds) default to :func:`time.sleep` and :func:`time.monotonic`; pass others to wait on a
    fake time. The timeout and the elapsed times are measured on ``clock``.

    Raises:
        JobNotFoundError: no job has this id.
        WaitTimeoutError: the job was still in progress after ``timeout`` seconds (it keeps running).
    """
    pause = sleep or _sleep
    now = clock or _monotonic
    started = now()
    latest: list[JobStatus] = []

    def on_poll(details: dict[str, Any], elapsed: float) -> None:
        latest[:] = [JobStatus.from_details(details)]
        if on_tick is not None:
            on_tick(latest[0], elapsed)

    def sleep_ticking(seconds: float) -> None:
        end = now() + seconds
        while (remaining := end - now()) > 0:
            pause(min(TICK_SECONDS, remaining))
            if on_tick is not None and latest:
                on_tick(latest[0], now() - started)

    return JobStatus.from_details(
        service.wait(job_id, timeout=timeout, sleep=sleep_ticking, on_poll=on_poll, clock=now)
    )


def require_success(status: JobStatus) -> JobStatus:
    """Return ``status`` when the job SUCCEEDED; raise JobFailedError when it FAILED or was CANCELED.

    An IN_PROGRESS job raises :class:`JobNotFinishedError` (it has no policies yet).
    """
    if status.status == "SUCCEEDED":
        return status
    if status.status == "FAILED":
        raise JobFailedError(
            f"Policy generation job {status.job_id} FAILED with {status.error_code or 'no error code'}: "
            f"{status.error_message or 'Access Analyzer gave no message.'}",
            code=status.error_code or "",
        )
    if status.status == "CANCELED":
        raise JobFailedError(
            f"Policy generation job {status.job_id} was CANCELED (CancelPolicyGeneration, for example by "
            "destroying its Terraform resource); it has no policy. Start a new generation.",
            code="CANCELED",
        )
    raise JobNotFinishedError(
        f"Policy generation job {status.job_id} is still {status.status}; it has no policy yet. "
        f"Wait for it first (`policygen wait {status.job_id}`)."
    )


@cache
def _model_job_id_constraints() -> dict[str, Any]:
    """The ``JobId`` shape's constraints in botocore's ``accessanalyzer`` model (pattern, min, max)."""
    import botocore.session  # deferred, as in policygen.aws.client

    shape = botocore.session.get_session().get_service_model("accessanalyzer").shape_for("JobId")
    return {key: shape.metadata[key] for key in ("pattern", "min", "max") if key in shape.metadata}


def check_job_id(job_id: str) -> str:
    """Return ``job_id`` when it can name files (:data:`JOB_ID_PATTERN` and the model's constraints).

    Raises:
        PolicygenError: the id has other characters, or is too long; the message shows it and the
            expected form.
    """
    model = _model_job_id_constraints()
    fits_model = (
        ("pattern" not in model or re.fullmatch(model["pattern"], job_id) is not None)
        and len(job_id) >= model.get("min", 0)
        and len(job_id) <= model.get("max", len(job_id))
    )
    if not (JOB_ID_PATTERN.fullmatch(job_id) and fits_model):
        raise PolicygenError(
            f"{job_id[:80]!r}{'...' if len(job_id) > 80 else ''} is not a policy generation job id: an id is "
            "letters, digits, '.', '_' and '-' (at most 200), such as 8f14e45f-ceea-467f-a9a8-3a5b7c2d1e0f; "
            "use the jobId that StartPolicyGeneration, `policygen status` or the resource's job_id shows."
        )
    return job_id


def fetch_policies(
    service: AccessAnalyzer, job_id: str, *, placeholders: bool = False, service_level: bool = False
) -> GeneratedPolicies:
    """The policies of a SUCCEEDED job, parsed from the JSON strings the service returns.

    ``placeholders`` asks for resource ARN placeholders (``includeResourcePlaceholders``) instead of
    ``"*"``; ``service_level`` adds a service-level template (``includeServiceLevelTemplate``) for
    services whose actions could not be identified.

    The answer is trusted no further than it must be, because :func:`write_policies` builds file
    names from it: the job id must pass :func:`check_job_id` before the call, and the endpoint must
    answer for that very id; the result's ``status.job_id`` is the id given, never the one answered.

    Raises:
        PolicygenError: ``job_id`` cannot be a job id (see :func:`check_job_id`).
        JobNotFoundError: no job has this id.
        JobFailedError: the job FAILED or was CANCELED.
        JobNotFinishedError: the job is still in progress.
        ServiceError: the endpoint answered for another job, or with something that is not a policy.
    """
    check_job_id(job_id)
    response = service.get(job_id, placeholders=placeholders, service_level=service_level)
    details = response.get("jobDetails")
    answered = details.get("jobId") if isinstance(details, dict) else None
    if answered != job_id or not isinstance(details, dict) or not isinstance(details.get("status"), str):
        raise ServiceError(
            f"The endpoint answered GetGeneratedPolicy for job {str(answered)[:80]!r} when asked for job "
            f"{job_id!r}, so nothing was written. Check that the endpoint (--endpoint-url, "
            "AWS_ENDPOINT_URL_ACCESSANALYZER) is Access Analyzer or `policygen emulator`.",
            operation="GetGeneratedPolicy",
        )
    status = require_success(JobStatus.from_response(response))
    result = response.get("generatedPolicyResult") or {}
    policies = tuple(_policy(entry, job_id) for entry in result.get("generatedPolicies") or [])
    return GeneratedPolicies(status, policies, (result.get("properties") or {}).get("isComplete"))


def _policy(entry: Any, job_id: str) -> dict[str, Any]:
    """One ``generatedPolicies`` entry's policy document, parsed; ServiceError when it is not one."""
    text = entry.get("policy") if isinstance(entry, dict) else None
    try:
        policy = json.loads(text) if isinstance(text, str) else None
    except (json.JSONDecodeError, RecursionError):
        policy = None
    if not isinstance(policy, dict):
        raise ServiceError(
            f"The endpoint returned a policy for job {job_id} that is not a JSON policy document "
            f"({str(text)[:60]!r}), so nothing was written. Check that the endpoint is Access Analyzer "
            "or `policygen emulator`.",
            operation="GetGeneratedPolicy",
        )
    return policy


def check_output_folder(directory: Path) -> None:
    """Raise PolicygenError when :func:`write_policies` could not write into ``directory``; create nothing.

    The folder, or the nearest of its parents that exists, must be a folder this process may write
    into (one that does not exist yet is created by write_policies).
    """
    for candidate in (directory, *directory.parents):
        if not candidate.exists():  # also False under a file (ENOTDIR)
            continue
        if not candidate.is_dir():
            raise PolicygenError(_not_a_folder(directory, candidate))
        if not os.access(candidate, os.W_OK | os.X_OK):
            raise PolicygenError(
                f"Cannot write the policies into {directory}: the folder {candidate} is not writable by you. "
                "Choose another folder with --out, or change the folder's permissions."
            )
        return


def _not_a_folder(directory: Path, file: Path) -> str:
    if file == directory:
        return (
            f"Cannot write the policies into {directory}: it is a file, not a folder. Give --out a folder, "
            "or a path that does not exist yet (it is created)."
        )
    return (
        f"Cannot create the folder {directory} for the policies: {file} is a file, not a folder. Give --out "
        "a folder, or a path that does not exist yet (it is created)."
    )


def write_policies(result: GeneratedPolicies, directory: Path, *, overwrite: bool = False) -> list[Path]:
    """Write each policy as indented JSON to ``directory/<jobId>-<n>.json`` (n from 1); return the paths.

    The folder is created when missing. Files are written into it and nowhere else
    (:class:`policygen.files.folders.Folder`): a symbolic link inside it is never followed, and each file is
    written whole, atomically. A name that is already taken (an earlier fetch, a file or link of
    someone else's) is left alone and refused, unless ``overwrite`` (``--overwrite``), which replaces
    it, a link by a file. The job id is checked again (:func:`check_job_id`), so that no name can
    leave ``directory``, whoever built ``result``.

    Raises:
        PolicygenError: the job id cannot name files, or the folder or a file cannot be written
            (the message names the path and the fix).
    """
    job_id = check_job_id(result.status.job_id)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise PolicygenError(_not_a_folder(directory, directory)) from exc
    except NotADirectoryError as exc:
        file = next((p for p in directory.parents if p.exists() and not p.is_dir()), directory)
        raise PolicygenError(_not_a_folder(directory, file)) from exc
    except OSError as exc:
        raise PolicygenError(
            f"Cannot create the folder {directory} for the policies: {exc.strerror or exc}. Choose another "
            "folder with --out, or fix the folder's permissions."
        ) from exc
    paths = []
    try:
        folder = Folder(directory)
    except OSError as exc:
        raise PolicygenError(
            f"Cannot open the folder {directory} for the policies: {exc.strerror or exc}. Choose another folder "
            "with --out, or fix the folder's permissions."
        ) from exc
    with folder:
        names = [f"{job_id}-{number}.json" for number in range(1, len(result.policies) + 1)]
        taken = [name for name in names if not overwrite and folder.exists(name)]
        if taken:  # before anything is written, so that a refused fetch writes nothing
            raise _taken(directory / taken[0])
        for name, policy in zip(names, result.policies, strict=True):
            path = directory / name
            try:
                folder.write(name, (json.dumps(policy, indent=2) + "\n").encode(), replace=overwrite)
            except FileTakenError as exc:
                raise _taken(path) from exc
            except OSError as exc:
                raise PolicygenError(
                    f"Cannot write the policy file {path}: {exc.strerror or exc}. Choose another folder with "
                    "--out, or fix the folder's permissions (or remove what is in the way)."
                ) from exc
            paths.append(path)
    return paths


def _taken(path: Path) -> PolicygenError:
    what = "a symbolic link" if path.is_symlink() else "a folder" if path.is_dir() else "a file"
    return PolicygenError(
        f"Not writing {path}: {what} of that name is already there, and fetch does not replace what it did not "
        "write in this run. Move it away, choose another folder with --out, or pass --overwrite to replace it "
        "(a link is replaced, never followed)."
    )
