"""The one error tree of policygen.

::

    PolicygenError
    ├── SpecError              a spec file or request is invalid (carries every Problem found)
    ├── PolicyDocumentError    a policy document cannot be read, or is not valid IAM policy grammar
    ├── PolicyLimitError       a policy document is beyond what policygen reads (too large, too deep, a
    │                          number too long or not finite): refused before it is parsed
    ├── BinaryPlanError        `policygen review` was given a binary plan file, not its JSON
    ├── InvalidArgumentError   a function or construct was given a value it cannot use (also a ValueError;
    │   │                      a value of the wrong type is a TypeError, as in Python itself)
    │   ├── IamPolicyError         an IAM policy builder was given arguments it cannot build a policy from
    │   ├── AccountRoleError       generations of an account that the roles to assume (mapping) leave out
    │   └── DailyQuotaError        more generations on one account and Region than its daily quota, at synth
    ├── ServiceError           Access Analyzer (or the embedded endpoint) refused or failed a call
    │   ├── JobNotFoundError          no job with that id here (unknown, older than about seven
    │   │                             days, or started in another Region or endpoint)
    │   ├── QuotaExceededError        a service quota refused the start (the daily one, from
    │   │                             start_queued)
    │   ├── EndpointUnreachableError  the endpoint could not be reached (after botocore's retries)
    │   └── ClientTokenConflictError  the client token was already used for a different request
    ├── JobStateError          a job is not in the state asked for
    │   ├── JobFailedError            the job ended FAILED or CANCELED
    │   ├── JobNotFinishedError       the job is still IN_PROGRESS (it has no policies yet)
    │   └── WaitTimeoutError          a job did not finish within the time allowed
    │       └── QueueTimeoutError         a start waited longer than queue_timeout for its turn
    ├── StopRequestedError     Terraform asked the provider to stop (Ctrl-C) during a wait
    ├── EndpointStateError     the embedded endpoint was used out of turn (also a RuntimeError)
    ├── AccessAnalyzerError    the embedded endpoint's answer to a request, with AWS's error code; turned
    │                          into the HTTP error response there (policygen.emulator.exceptions)
    ├── ProviderInstallError   the Terraform provider launcher could not be written
    ├── ProviderPackageError   the self-contained provider package, its mirrors or lock entry could
    │                          not be built or read
    ├── StateFolderError       the embedded endpoint's --state-dir cannot be used (unreadable, not its own)
    │   └── StateFolderLockedError    another endpoint is using the folder
    └── UnsafeFileError        a file was refused: a link, not a regular file, too large (also an OSError)
        └── FileTakenError            the name is taken and replacing it was not asked for (also a FileExistsError)

Errors raised by lower libraries (botocore, ruamel.yaml, jsonschema) are translated into these in
exactly one place each: ``policygen.aws.client`` for botocore, ``policygen.spec.load`` for YAML and
JSON Schema. Messages are full sentences: what went wrong, the value received, how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec, located in its file.

    ``pointer`` is a JSON pointer into the document (``/cloudTrailDetails/trails/0/cloudTrailArn``);
    ``line`` and ``column`` are 1-based and point at the offending value (or the enclosing mapping
    when the value is missing).
    """

    file: str
    line: int
    column: int
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.pointer or '/'}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """The problem as a JSON-ready mapping (for ``--format json``)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "message": self.message,
        }


class PolicygenError(Exception):
    """Base class of every error policygen raises on purpose."""


class SpecError(PolicygenError):
    """One or more spec files are invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the policy generation spec:\n{lines}")


class ServiceError(PolicygenError):
    """A call to Access Analyzer failed; ``code`` is the service's error code."""

    def __init__(self, message: str, *, code: str = "", operation: str = "") -> None:
        self.code = code
        self.operation = operation
        super().__init__(message)


class EndpointUnreachableError(ServiceError):
    """The endpoint could not be reached at all (connection refused or reset), after botocore's retries.

    A wait treats it as a passing outage and keeps asking within its time; other callers fail.
    """


class JobNotFoundError(ServiceError):
    """The service returned no job with this id (unknown, or older than about seven days).

    ``job_id`` is the id asked for; ``region`` and ``endpoint`` say which Access Analyzer was
    asked, because a job started in another Region or against another endpoint is unknown here.
    """

    def __init__(
        self,
        message: str,
        *,
        job_id: str = "",
        region: str | None = None,
        endpoint: str | None = None,
        code: str = "",
        operation: str = "",
    ) -> None:
        self.job_id = job_id
        self.region = region
        self.endpoint = endpoint
        super().__init__(message, code=code, operation=operation)


class QuotaExceededError(ServiceError):
    """A service quota refused a start: the daily quota is used up when ``start_queued`` raises it."""


class ClientTokenConflictError(ServiceError):
    """StartPolicyGeneration refused: the client token was already used for a different request.

    ``client_token`` is the token sent; ``job_id`` is the job the earlier request started, when
    the service names it. Waiting does not help: the request or the token has to change.
    """

    def __init__(
        self,
        message: str,
        *,
        client_token: str,
        job_id: str | None = None,
        code: str = "",
        operation: str = "",
    ) -> None:
        self.client_token = client_token
        self.job_id = job_id
        super().__init__(message, code=code, operation=operation)


class JobStateError(PolicygenError):
    """A job is not in the state the caller needs (the calls themselves succeeded)."""


class JobFailedError(JobStateError):
    """The job ended FAILED or CANCELED instead of SUCCEEDED; ``code`` is its ``jobError.code`` ("" if none)."""

    def __init__(self, message: str, *, code: str = "") -> None:
        self.code = code
        super().__init__(message)


class JobNotFinishedError(JobStateError):
    """The job is still IN_PROGRESS, so it has no generated policies yet."""


class WaitTimeoutError(JobStateError):
    """A job did not reach a final status within the time allowed."""


class QueueTimeoutError(WaitTimeoutError):
    """A start waited longer than ``queue_timeout`` for other policy generations to finish.

    Nothing was started. ``job_id`` and ``principal_arn`` name the generation that was still in
    progress (None when unknown: the service did not say, or the start was still queued behind
    others of this process); ``waited`` and ``limit`` are in seconds.
    """

    def __init__(
        self, message: str, *, job_id: str | None, principal_arn: str | None, waited: float, limit: float
    ) -> None:
        self.job_id = job_id
        self.principal_arn = principal_arn
        self.waited = waited
        self.limit = limit
        super().__init__(message)


class PolicyDocumentError(PolicygenError):
    """A policy document cannot be used: it cannot be read, its JSON is broken, or its grammar has errors.

    ``name`` says which document (a file name, or what the caller called it); ``findings`` holds
    the ERROR findings (:class:`policygen.policy.Finding`), each located in the text (none when
    the file could not be read).
    """

    def __init__(self, name: str, findings: Sequence[Any], message: str) -> None:
        self.name = name
        self.findings: tuple[Any, ...] = tuple(findings)
        super().__init__(message)


class PolicyLimitError(PolicygenError):
    """A policy document passes a limit of what policygen reads, so it is refused unparsed.

    Not a :class:`PolicyDocumentError`: no finding describes it (ValidatePolicy has none for a
    document nested 10,000 deep), and the callers that turn a broken policy into findings must not
    turn this into an empty list. ``name`` says which document; ``limit`` names the limit passed
    (``"size"``, ``"depth"``, ``"number"``).
    """

    def __init__(self, name: str, limit: str, message: str) -> None:
        self.name = name
        self.limit = limit
        super().__init__(message)


class BinaryPlanError(PolicygenError):
    """The plan given is binary (the file ``terraform plan -out`` saves), not its JSON: a usage error.

    ``policygen review`` exits 2 for it, with the command that turns the file into JSON.
    """


class InvalidArgumentError(PolicygenError, ValueError):
    """A function, class or construct of policygen was given a value it cannot use; the message names it.

    Also a ValueError: what these raised before the error tree covered them, and what Python raises
    for a value of the right type that is wrong. A value of the wrong type is a TypeError.
    """


class IamPolicyError(InvalidArgumentError):
    """An IAM policy builder (``deployer_policy``, the service role's statements) got unusable arguments."""


class AccountRoleError(InvalidArgumentError):
    """Specs name principals in accounts that the roles to assume leave out; ``accounts`` maps each to its specs."""

    def __init__(self, message: str, *, accounts: dict[str, list[str]]) -> None:
        self.accounts = accounts
        super().__init__(message)


class DailyQuotaError(InvalidArgumentError):
    """A stack declares more generations on one account and Region than Access Analyzer starts in a day.

    ``beyond`` lists the generations past the quota (their names), which would fail at apply.
    """

    def __init__(self, message: str, *, beyond: list[str]) -> None:
        self.beyond = beyond
        super().__init__(message)


class EndpointStateError(PolicygenError, RuntimeError):
    """The embedded endpoint was used out of turn: started while running, or asked outside a request."""


class StopRequestedError(PolicygenError):
    """Terraform asked the provider to stop (StopProvider, on Ctrl-C) while it was waiting."""


class ProviderInstallError(PolicygenError):
    """The provider launcher could not be written where Terraform looks for it."""


class StateFolderError(PolicygenError):
    """The embedded endpoint's state folder (``--state-dir``) cannot be opened, read or written.

    ``path`` is the folder. The message says what is wrong with it and how to fix it.
    """

    def __init__(self, message: str, *, path: str) -> None:
        self.path = path
        super().__init__(message)


class StateFolderLockedError(StateFolderError):
    """Another endpoint holds the state folder's lock; ``pid`` is its process id when it wrote one."""

    def __init__(self, message: str, *, path: str, pid: int | None) -> None:
        self.pid = pid
        super().__init__(message, path=path)


class ProviderPackageError(PolicygenError):
    """The self-contained provider package (``policygen package``), a mirror or a lock entry could not be made."""


class UnsafeFileError(PolicygenError, OSError):
    """A file or name in a folder was refused (policygen.files.folders): a link, not a regular file, too large.

    Also an OSError, with ``errno`` and ``filename``, so that callers handling file errors handle it.
    """


class FileTakenError(UnsafeFileError, FileExistsError):
    """The name is taken in the folder, and the caller asked not to replace what is there."""
