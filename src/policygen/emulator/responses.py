"""The thin layer between HTTP and the backend: read parameters, call the backend, serialise.

Everything here is shaped by the ``accessanalyzer`` model's REST-JSON protocol: errors carry their
code in the ``x-amzn-ErrorType`` header and a JSON body; timestamps are ISO 8601 strings.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from policygen.emulator.exceptions import (
    AccessAnalyzerError,
    IncompleteSignatureException,
    MissingAuthenticationTokenException,
)
from policygen.emulator.identity import authenticate
from policygen.emulator.models import AccountRegion, Job, PolicyGenerationBackend, RegionalBackend
from policygen.emulator.policy_checks import HANDLERS as POLICY_CHECK_HANDLERS
from policygen.emulator.sessions import SessionStore
from policygen.emulator.urls import resolve
from policygen.emulator.validation import (
    body_document,
    format_timestamp,
    parse_input,
    service_model,
    validate_input,
)
from policygen.errors import EndpointStateError

# The SigV4 header shape; any credentials are accepted, but the header must be well formed. Its
# credential scope names the Region the request is for (the service's state is regional).
_SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/\s]+)/\d{8}/(?P<region>[^/]+)/[^/]+/aws4_request,"
    r" ?SignedHeaders=\S+, ?Signature=[0-9a-f]+$"
)


class Credential(NamedTuple):
    """Who signed a request, and for which Region: the access key id and the credential scope's Region."""

    access_key_id: str | None
    region: str | None


#: The account and Region of the request being answered, set by ``dispatch`` around its handler.
#: A context variable rather than an argument: every operation's handler keeps the one signature
#: ``(params, request)``, stateless ones (the policy checks) included, and each request is answered
#: in its own thread, so each sees its own caller.
_CALLER: ContextVar[AccountRegion] = ContextVar("caller")


@dataclass(frozen=True)
class Request:
    """An HTTP request as the server read it; header names are lower case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes = b""
    #: The query string as it arrived, still percent-encoded (a signature covers it as sent).
    raw_query: str = ""


@dataclass
class Response:
    """An HTTP response to send: status, headers and a JSON body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, document: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status,
        json.dumps(document).encode(),
        {"Content-Type": "application/json", **(headers or {})},
    )


def error_response(error: AccessAnalyzerError) -> Response:
    """The REST-JSON error for an exception: type header, Retry-After when bound, JSON body."""
    return _json(error.status, error.body(), {"x-amzn-ErrorType": error.code, **error.headers()})


def protocol_error_response(status: int, code: str, message: str) -> Response:
    """An error of the HTTP layer that no exception class names (414, 431, 501...), in the same shape.

    Python's HTTP server detects these itself (a request line too long, too many headers, an
    unknown method); answering them as JSON keeps every error of the endpoint parseable by an SDK.
    """
    return _json(status, {"message": message}, {"x-amzn-ErrorType": code})


def check_signature(headers: Mapping[str, str], query: Mapping[str, list[str]]) -> Credential:
    """Require a SigV4 ``Authorization`` header (or a presigned query); return its access key id and Region.

    The signature is not verified here, only its presence and shape; :mod:`policygen.emulator.identity`
    has it verified when the world names secrets.
    """
    authorization = headers.get("authorization")
    if authorization is None:
        if "X-Amz-Signature" in query:
            # AKID/DATE/REGION/SERVICE/aws4_request, as in the header.
            scope = query.get("X-Amz-Credential", [""])[-1].split("/")
            return Credential(scope[0] or None, scope[2] if len(scope) == 5 else None)
        raise MissingAuthenticationTokenException()
    match = _SIGV4.match(authorization.strip())
    if not match:
        raise IncompleteSignatureException(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters "
            f"of an AWS4-HMAC-SHA256 signature. Authorization={authorization[:40]}"
        )
    return Credential(match.group("key"), match.group("region"))


def _job_details(job: Job) -> dict[str, Any]:
    details: dict[str, Any] = {
        "jobId": job.job_id,
        "status": job.status,
        "startedOn": format_timestamp(job.started_on),
    }
    if job.completed_on is not None:
        details["completedOn"] = format_timestamp(job.completed_on)
    if job.status == "FAILED" and job.error is not None:
        details["jobError"] = {"code": job.error.code, "message": job.error.message}
    return details


def _cloud_trail_properties(job: Job) -> dict[str, Any]:
    trails = []
    for trail in job.cloud_trail["trails"]:
        entry: dict[str, Any] = {"cloudTrailArn": trail["cloudTrailArn"]}
        if trail.get("regions"):
            entry["regions"] = trail["regions"]
        if trail.get("allRegions") is not None:
            entry["allRegions"] = trail["allRegions"]
        trails.append(entry)
    return {
        "trailProperties": trails,
        "startTime": format_timestamp(job.cloud_trail["startTime"]),
        "endTime": format_timestamp(job.end_time),
    }


class PolicyGenerationResponses:
    """One method per implemented operation: parameters in, JSON-ready document out.

    The operations see only the partition of the service that belongs to the caller of the request
    :meth:`dispatch` is answering (its account and Region): :meth:`regional`. A request signed with
    credentials STS issued acts in the role's account (``sessions``; :mod:`policygen.emulator.identity`).
    """

    def __init__(self, backend: PolicyGenerationBackend, sessions: SessionStore | None = None) -> None:
        self.backend = backend
        self.sessions = sessions if sessions is not None else SessionStore()

    def regional(self, *, create: bool = False) -> RegionalBackend:
        """The caller's account and Region of the service (kept once ``create`` starts a job there)."""
        try:
            caller = _CALLER.get()
        except LookupError:
            raise EndpointStateError("No request is being answered; answer requests with dispatch().") from None
        return self.backend.regional(caller, create=create)

    def start_policy_generation(self, params: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        """PUT /policy/generation."""
        if params.get("clientToken") is None:
            # The SDKs fill in an idempotency token; a bare HTTP client may not.
            params = {**params, "clientToken": str(uuid.uuid4())}
        job = self.regional(create=True).start_policy_generation(params, request)
        return {"jobId": job.job_id}

    def get_generated_policy(self, params: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        """GET /policy/generation/{jobId}."""
        regional = self.regional()
        job = regional.get_job(params["jobId"])
        generated = regional.generated_policies(
            job,
            resource_placeholders=bool(params.get("includeResourcePlaceholders")),
            service_level_template=bool(params.get("includeServiceLevelTemplate")),
        )
        properties: dict[str, Any] = {"principalArn": job.principal_arn}
        result: dict[str, Any] = {"properties": properties}
        if job.status == "SUCCEEDED" and job.activity is not None:
            properties["isComplete"] = job.activity.is_complete
            properties["cloudTrailProperties"] = _cloud_trail_properties(job)
            result["generatedPolicies"] = [{"policy": policy} for policy in generated]
        return {"jobDetails": _job_details(job), "generatedPolicyResult": result}

    def list_policy_generations(self, params: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        """GET /policy/generation."""
        page, next_token = self.regional().list_policy_generations(
            params.get("principalArn"), params.get("maxResults"), params.get("nextToken")
        )
        generations = []
        for job in page:
            entry = {"principalArn": job.principal_arn, **_job_details(job)}
            entry.pop("jobError", None)
            generations.append(entry)
        document: dict[str, Any] = {"policyGenerations": generations}
        if next_token is not None:
            document["nextToken"] = next_token
        return document

    def cancel_policy_generation(self, params: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        """PUT /policy/generation/{jobId}."""
        self.regional().cancel_policy_generation(params["jobId"])
        return {}

    def handler(self, operation: str) -> Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]:
        """The method for an operation name (``StartPolicyGeneration`` -> ``start_policy_generation``).

        The policy checks hold no state and have their handlers in :mod:`policygen.emulator.policy_checks`.
        """
        if operation in POLICY_CHECK_HANDLERS:
            return POLICY_CHECK_HANDLERS[operation]
        method: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] = getattr(
            self, re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
        )
        return method

    def dispatch(self, request: Request) -> Response:
        """Answer one request: authenticate, route, read and validate input, call, serialise."""
        try:
            credential = check_signature(request.headers, request.query)
            world, now = self.backend.world, self.backend.clock()
            principal = authenticate(request, credential.access_key_id, world=world, sessions=self.sessions, now=now)
            caller = self.backend.caller(credential.access_key_id, credential.region, principal.account)
            operation, labels = resolve(request.method, request.path)
            self.backend.authorize(credential.access_key_id, operation)
            model = service_model().operation_model(operation)
            params = parse_input(model, labels, request.query, request.body)
            validate_input(model, params)
            body = body_document(request.body)
            token = _CALLER.set(caller)
            try:
                response = _json(200, self.handler(operation)(params, body))
            finally:
                _CALLER.reset(token)
        except AccessAnalyzerError as error:
            response = error_response(error)
        return response
