"""The thin layer between HTTP and the backend: read parameters, call the backend, serialise.

Everything here is shaped by the ``accessanalyzer`` model's REST-JSON protocol: errors carry their
code in the ``x-amzn-ErrorType`` header and a JSON body; timestamps are ISO 8601 strings.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from policygen.emulator.exceptions import (
    AccessAnalyzerError,
    IncompleteSignatureException,
    MissingAuthenticationTokenException,
)
from policygen.emulator.models import Job, PolicyGenerationBackend
from policygen.emulator.urls import resolve
from policygen.emulator.validation import format_timestamp, parse_input, service_model, validate_input

# The SigV4 header shape; any credentials are accepted, but the header must be well formed.
_SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/\s]+)/\d{8}/[^/]+/[^/]+/aws4_request,"
    r" ?SignedHeaders=\S+, ?Signature=[0-9a-f]+$"
)


@dataclass(frozen=True)
class Request:
    """An HTTP request as the server read it; header names are lower case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass
class Response:
    """An HTTP response to send: status, headers and a JSON body."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    operation: str | None = None


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


def check_signature(headers: Mapping[str, str], query: Mapping[str, list[str]]) -> str | None:
    """Require a SigV4 ``Authorization`` header (or a presigned query); return the access key id.

    Any credentials are accepted: the signature is not verified, only its presence and shape.
    """
    authorization = headers.get("authorization")
    if authorization is None:
        if "X-Amz-Signature" in query:
            return query.get("X-Amz-Credential", [""])[-1].split("/", 1)[0] or None
        raise MissingAuthenticationTokenException()
    match = _SIGV4.match(authorization.strip())
    if not match:
        raise IncompleteSignatureException(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters "
            f"of an AWS4-HMAC-SHA256 signature. Authorization={authorization[:40]}"
        )
    return match.group("key")


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
    """One method per implemented operation: parameters in, JSON-ready document out."""

    def __init__(self, backend: PolicyGenerationBackend) -> None:
        self.backend = backend

    def start_policy_generation(self, params: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        """PUT /policy/generation."""
        if params.get("clientToken") is None:
            # The SDKs fill in an idempotency token; a bare HTTP client may not.
            params = {**params, "clientToken": str(uuid.uuid4())}
        job = self.backend.start_policy_generation(params, request)
        return {"jobId": job.job_id}

    def get_generated_policy(self, params: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        """GET /policy/generation/{jobId}."""
        job = self.backend.get_job(params["jobId"])
        generated = self.backend.generated_policies(
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
        page, next_token = self.backend.list_policy_generations(
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
        self.backend.cancel_policy_generation(params["jobId"])
        return {}

    def handler(self, operation: str) -> Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]:
        """The method for an operation name (``StartPolicyGeneration`` -> ``start_policy_generation``)."""
        method: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] = getattr(
            self, re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
        )
        return method

    def dispatch(self, request: Request) -> Response:
        """Answer one request: authenticate, route, read and validate input, call, serialise."""
        operation: str | None = None
        try:
            access_key_id = check_signature(request.headers, request.query)
            operation, labels = resolve(request.method, request.path)
            self.backend.authorize(access_key_id, operation)
            model = service_model().operation_model(operation)
            params = parse_input(model, labels, request.query, request.body)
            validate_input(model, params)
            body = json.loads(request.body) if request.body.strip() else {}
            response = _json(200, self.handler(operation)(params, body))
        except AccessAnalyzerError as error:
            response = error_response(error)
        response.operation = operation
        return response
