"""The errors the endpoint answers with, carrying AWS's error codes, HTTP statuses and wording.

Each class name is the error code that goes into the ``x-amzn-ErrorType`` header; for modelled
errors it matches an exception shape of the ``accessanalyzer`` 2019-11-01 model, so that botocore
raises ``client.exceptions.<Name>`` and fills in the shape's members from the JSON body.

Some errors are not in the service model because they come from AWS's front door, before any
operation runs: ``UnknownOperationException`` (404, no route matches the method and path),
``MissingAuthenticationTokenException`` (403, the request is not signed),
``IncompleteSignatureException`` (400, a malformed signature) and ``InvalidSignatureException``
(403, a signature scoped to no valid Region). botocore still parses them into a ``ClientError``
with that code.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from policygen.errors import PolicygenError

ValidationReason = Literal["unknownOperation", "cannotParse", "fieldValidationFailed", "other", "notSupported"]


class AccessAnalyzerError(PolicygenError):
    """An error answered to the client: an error code, an HTTP status, a message and extra members."""

    code: ClassVar[str] = "InternalServerException"
    status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def members(self) -> dict[str, Any]:
        """The JSON body members beyond ``message`` that the error shape defines."""
        return {}

    def headers(self) -> dict[str, str]:
        """HTTP headers the error shape binds (``Retry-After``), besides the error type."""
        return {}

    def body(self) -> dict[str, Any]:
        """The JSON body, as AWS sends it: ``message`` first, then the shape's other members."""
        return {"message": self.message, **self.members()}


class ValidationException(AccessAnalyzerError):
    """400: the input failed to satisfy the constraints of the service (model or semantics)."""

    code = "ValidationException"
    status = 400

    def __init__(
        self,
        message: str,
        reason: ValidationReason = "fieldValidationFailed",
        fields: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.fields = list(fields or [])

    def members(self) -> dict[str, Any]:
        """``reason`` always; ``fieldList`` when particular fields failed."""
        members: dict[str, Any] = {"reason": self.reason}
        if self.fields:
            members["fieldList"] = [{"name": name, "message": msg} for name, msg in self.fields]
        return members


class AccessDeniedException(AccessAnalyzerError):
    """403: the caller may not perform the action (used by fault injection and the world)."""

    code = "AccessDeniedException"
    status = 403


class _ResourceError(AccessAnalyzerError):
    """An error shape that names the resource involved (``resourceId``, ``resourceType``)."""

    def __init__(self, message: str, resource_id: str, resource_type: str) -> None:
        super().__init__(message)
        self.resource_id = resource_id
        self.resource_type = resource_type

    def members(self) -> dict[str, Any]:
        """``resourceId`` and ``resourceType``, both required by the shape."""
        return {"resourceId": self.resource_id, "resourceType": self.resource_type}


class ConflictException(_ResourceError):
    """409: the request conflicts with the current state (here: a reused idempotency token)."""

    code = "ConflictException"
    status = 409


class ServiceQuotaExceededException(_ResourceError):
    """402: a service quota is met (here: generations in progress, or generations per day)."""

    code = "ServiceQuotaExceededException"
    status = 402


class _RetryableError(AccessAnalyzerError):
    """An error shape with an optional ``Retry-After`` header (``retryAfterSeconds``)."""

    def __init__(self, message: str, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds

    def headers(self) -> dict[str, str]:
        """``Retry-After`` in whole seconds, when set."""
        if self.retry_after_seconds is None:
            return {}
        return {"Retry-After": str(self.retry_after_seconds)}


class ThrottlingException(_RetryableError):
    """429: the request was denied because of request throttling."""

    code = "ThrottlingException"
    status = 429

    def __init__(self, message: str = "Rate exceeded", retry_after_seconds: int | None = 1) -> None:
        super().__init__(message, retry_after_seconds)


class InternalServerException(_RetryableError):
    """500: the service failed internally; the client may retry."""

    code = "InternalServerException"
    status = 500

    def __init__(self, message: str = "Internal server error", retry_after_seconds: int | None = None) -> None:
        super().__init__(message, retry_after_seconds)


class UnknownOperationException(AccessAnalyzerError):
    """404: no operation matches the method and path (AWS's front door, not in the model)."""

    code = "UnknownOperationException"
    status = 404

    def __init__(self, message: str = "The requested operation is not recognized by the service.") -> None:
        super().__init__(message)


class MissingAuthenticationTokenException(AccessAnalyzerError):
    """403: the request carries no ``Authorization`` header (or presigned query) at all."""

    code = "MissingAuthenticationTokenException"
    status = 403

    def __init__(self, message: str = "Missing Authentication Token") -> None:
        super().__init__(message)


class IncompleteSignatureException(AccessAnalyzerError):
    """400: an ``Authorization`` header is present but is not a well-formed SigV4 signature."""

    code = "IncompleteSignatureException"
    status = 400


class InvalidSignatureException(AccessAnalyzerError):
    """403: the signature is well formed but cannot be accepted (wrong secret, tampered request, bad scope)."""

    code = "InvalidSignatureException"
    status = 403


class UnrecognizedClientException(AccessAnalyzerError):
    """403: the access key is unknown (only when the world names secrets; Access Analyzer's Common Errors)."""

    code = "UnrecognizedClientException"
    status = 403


class ExpiredTokenException(AccessAnalyzerError):
    """403: temporary credentials past their Expiration (AWS's Common Errors: "The security token included in the
    request is expired", HTTP 403)."""

    code = "ExpiredTokenException"
    status = 403

    def __init__(self, message: str = "The security token included in the request is expired") -> None:
        super().__init__(message)


class RequestExpired(AccessAnalyzerError):
    """400: the request's date is more than 15 minutes from the service's clock (Common Errors)."""

    code = "RequestExpired"
    status = 400


# --- The HTTP layer -------------------------------------------------------------------------------
# Errors of the front door, before any operation is routed: the request's framing is wrong (its
# Content-Length, its body) or it cannot be read. None is in the service model; botocore parses them
# into a ``ClientError`` with the code, as it does for the front door's other errors. The endpoint
# closes the connection after each, because the bytes that follow can no longer be trusted to start
# the next request.


class BadRequestException(AccessAnalyzerError):
    """400: the HTTP request is malformed (a Content-Length that is not a number, a body cut short)."""

    code = "BadRequestException"
    status = 400


class RequestTimeoutException(AccessAnalyzerError):
    """408: the client announced a body and did not send it within the endpoint's socket timeout."""

    code = "RequestTimeoutException"
    status = 408


class LengthRequiredException(AccessAnalyzerError):
    """411: the body is sent without a Content-Length (chunked), which the endpoint does not read."""

    code = "LengthRequiredException"
    status = 411


class RequestEntityTooLargeException(AccessAnalyzerError):
    """413: the body is larger than the endpoint accepts; it is refused before it is read."""

    code = "RequestEntityTooLargeException"
    status = 413
