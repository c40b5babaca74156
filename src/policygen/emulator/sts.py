"""Enough of AWS STS, on the endpoint's port: AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity.

STS speaks the ``query`` protocol (botocore's ``sts`` 2011-06-15 model): a form-encoded ``POST /``
with ``Action=...&Version=2011-06-15``, answered in XML, errors as ``<ErrorResponse><Error><Type>
<Code><Message></Error><RequestId>``. A request is STS's (:func:`is_sts_request`) when it is a
``POST /`` whose signature is scoped to the ``sts`` service, or an unsigned form-encoded one (the
SDKs send AssumeRoleWithWebIdentity unsigned: its model's ``auth`` is ``none``); every other request
is Access Analyzer's, as before.

What is answered, and on what authority:

* **Inputs** are checked against the model's required members, lengths, patterns and ranges,
  answered ``ValidationError`` (400) in the wording STS uses ("1 validation error detected: Value
  '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or
  equal to 900"). A ``RoleArn`` that passes the model but is not an IAM role ARN is
  ``ValidationError`` "Request ARN is invalid" (STS's words for an ARN of the wrong kind, as users
  report them from AssumeRoleWithSAML). AWS answers some malformed ARNs with ``AccessDenied``
  instead; the endpoint always says the ARN is the problem.
* **Trust** (:mod:`policygen.emulator.roles`): a role the world does not have, one whose trust does
  not include the caller's account, or a missing or wrong ``ExternalId`` when the role requires one,
  are all ``AccessDenied`` (403) "User: CALLER_ARN is not authorized to perform: sts:AssumeRole on
  resource: ROLE_ARN", as AWS words it (AWS answers an unknown role the same way, so as not to tell
  which roles exist). A role without ``webIdentity`` refuses AssumeRoleWithWebIdentity with
  ``AccessDenied`` "Not authorized to perform sts:AssumeRoleWithWebIdentity", AWS's message.
* **Duration**: ``DurationSeconds`` defaults to 3600 and may not exceed the role's
  ``maxSessionDuration`` ("The requested DurationSeconds exceeds the MaxSessionDuration set for this
  role.") nor, for a caller that is itself an assumed role, one hour ("... the 1 hour session limit
  for roles assumed by role chaining."); both ``ValidationError``, as AWS answers them (STS API
  Reference, AssumeRole: DurationSeconds; IAM User Guide, "Role chaining").
* **The caller's credentials** (:mod:`policygen.emulator.identity`) are refused with the query
  protocol's codes: expired temporary credentials ``ExpiredToken`` (403, as STS and IAM answer it;
  the model's ``ExpiredTokenException``, 400, is for an expired *web identity token*), an unknown key
  or token ``InvalidClientTokenId`` (403), a wrong signature or a stale date ``SignatureDoesNotMatch``
  (403), a malformed one ``IncompleteSignature`` (400), none ``MissingAuthenticationToken`` (403).
* **Web identity tokens** are read as JWTs without verifying their signature (there is no identity
  provider to ask): a token that is not a JWT is ``InvalidIdentityToken`` (400), one whose ``exp``
  has passed on the endpoint's clock ``ExpiredTokenException`` (400), both modelled errors.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree

import botocore.model
import botocore.session

from policygen.emulator.exceptions import AccessAnalyzerError
from policygen.emulator.identity import Caller, authenticate
from policygen.emulator.models import PolicyGenerationBackend
from policygen.emulator.responses import Request, Response, check_signature
from policygen.emulator.roles import ROLE_ARN, Role, permissive_role
from policygen.emulator.sessions import Session, SessionStore

#: The signing name of STS's credential scope (botocore's model: ``signingName`` defaults to ``sts``).
SIGNING_NAME = "sts"
#: The operations answered; the others of the model are ``InvalidAction``.
OPERATIONS = ("AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity")
#: The default session duration (STS API Reference, AssumeRole: "By default, the value is set to 3600 seconds").
DEFAULT_DURATION = 3600
#: The longest session of a role assumed by an assumed role (IAM User Guide, "Role chaining": one hour).
CHAINED_MAX_DURATION = 3600
_SCOPE_SERVICE = re.compile(r"Credential=[^/\s]+/[^/]*/[^/]*/(?P<service>[^/]*)/aws4_request")
_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
#: Errors of the caller's credentials, as the Access Analyzer side raises them, to the query protocol's codes.
_QUERY_CODES = {
    "ExpiredTokenException": ("ExpiredToken", 403),
    "UnrecognizedClientException": ("InvalidClientTokenId", 403),
    "InvalidSignatureException": ("SignatureDoesNotMatch", 403),
    "RequestExpired": ("SignatureDoesNotMatch", 403),
    "IncompleteSignatureException": ("IncompleteSignature", 400),
    "MissingAuthenticationTokenException": ("MissingAuthenticationToken", 403),
}


class StsError(Exception):
    """An STS error: its code, HTTP status and message, sent as an ``ErrorResponse`` document.

    Raised and caught in this module only (:meth:`StsResponses.dispatch` answers it); what leaves the
    module is the XML response.
    """

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


def _validation(message: str) -> StsError:
    return StsError("ValidationError", 400, message)


def _access_denied(caller: Caller, action: str, role_arn: str) -> StsError:
    return StsError(
        "AccessDenied", 403, f"User: {caller.arn} is not authorized to perform: sts:{action} on resource: {role_arn}"
    )


@cache
def service_model() -> botocore.model.ServiceModel:
    """The ``sts`` model botocore ships: the reference for shapes, constraints and errors."""
    return botocore.session.get_session().get_service_model("sts")


def is_sts_request(request: Request) -> bool:
    """Whether a request is for STS: ``POST /`` signed for ``sts``, or unsigned and form-encoded."""
    if request.method != "POST" or request.path != "/":
        return False
    authorization = request.headers.get("authorization")
    if authorization is not None:
        match = _SCOPE_SERVICE.search(authorization)
        return match is not None and match["service"] == SIGNING_NAME
    return request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")


def form_of(request: Request) -> dict[str, str]:
    """The query-protocol parameters: the query string's, then the form body's (the last value of each)."""
    params = {name: values[-1] for name, values in request.query.items()}
    try:
        body = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise StsError("MalformedQueryString", 400, "The request body is not UTF-8 form data.") from None
    params.update({name: values[-1] for name, values in body.items()})
    return params


def action_of(request: Request) -> str | None:
    """The STS operation a request names (``Action``), when it is one this endpoint answers."""
    try:
        action = form_of(request).get("Action")
    except StsError:
        return None
    return action if action in OPERATIONS else None


def _constraints(member: botocore.model.Shape, value: str) -> list[str]:
    """What ``value`` breaks of the member's model constraints, each as STS words it ("Member must ...")."""
    meta = member.metadata
    if member.type_name == "integer":
        if not re.fullmatch(r"-?[0-9]{1,10}", value):
            return ["Member must be a number"]
        number, what = int(value), "value"
    else:
        number, what = len(value), "length"
    broken = []
    if member.type_name == "string" and "pattern" in meta and not re.fullmatch(meta["pattern"], value):
        broken.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
    if "min" in meta and number < meta["min"]:
        broken.append(f"Member must have {what} greater than or equal to {meta['min']}")
    if "max" in meta and number > meta["max"]:
        broken.append(f"Member must have {what} less than or equal to {meta['max']}")
    return broken


def _check_input(operation: str, params: dict[str, str]) -> None:
    """``ValidationError`` listing every top-level member that breaks the model, in STS's wording."""
    shape = service_model().operation_model(operation).input_shape
    problems = []
    for name, member in shape.members.items():
        field = name[0].lower() + name[1:]
        value = params.get(name)
        if value is None:
            if name in shape.required_members:
                problems.append(f"Value null at '{field}' failed to satisfy constraint: Member must not be null")
        elif member.type_name in ("integer", "string"):
            shown = "***" if member.metadata.get("sensitive") else value[:100]
            problems += [
                f"Value '{shown}' at '{field}' failed to satisfy constraint: {broken}"
                for broken in _constraints(member, value)
            ]
    if problems:
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected"
        raise _validation(f"{count}: {'; '.join(problems)}")


def _xml(parent: ElementTree.Element, shape: botocore.model.Shape, value: Any) -> None:
    """Serialise ``value`` under ``parent`` as the query protocol does for ``shape`` (structures and scalars)."""
    if isinstance(shape, botocore.model.StructureShape):
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _xml(ElementTree.SubElement(parent, name), member, value[name])
    elif isinstance(value, datetime):
        parent.text = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        parent.text = str(value)


def _document(root: ElementTree.Element, status: int = 200) -> Response:
    """An XML response, as STS sends them (``text/xml``)."""
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="utf-8")
    return Response(status, body, {"Content-Type": "text/xml"})


def error_document(error: StsError) -> Response:
    """The query protocol's ``ErrorResponse`` for an error (``Sender`` below 500, else ``Receiver``)."""
    root = ElementTree.Element("ErrorResponse", {"xmlns": _XMLNS})
    detail = ElementTree.SubElement(root, "Error")
    ElementTree.SubElement(detail, "Type").text = "Sender" if error.status < 500 else "Receiver"
    ElementTree.SubElement(detail, "Code").text = error.code
    ElementTree.SubElement(detail, "Message").text = error.message
    ElementTree.SubElement(root, "RequestId").text = str(uuid.uuid4())
    return _document(root, error.status)


class StsResponses:
    """The STS operations, answered from the backend's world and clock and the issued ``sessions``."""

    def __init__(self, backend: PolicyGenerationBackend, sessions: SessionStore) -> None:
        self.backend = backend
        self.sessions = sessions

    def dispatch(self, request: Request) -> Response:
        """Answer one STS request: read the action, authenticate, check the input, call, serialise."""
        try:
            params = form_of(request)
            action = params.get("Action")
            if action is None:
                raise StsError("MissingAction", 400, "Missing Action")
            if action not in OPERATIONS:
                raise StsError(
                    "InvalidAction",
                    400,
                    f"Could not find operation {action[:100]} for version {params.get('Version', '-')[:40]}; this "
                    f"endpoint emulates only {', '.join(OPERATIONS)} of STS.",
                )
            caller = self._caller(request, action)
            _check_input(action, params)
            handler: Callable[[dict[str, str], Caller | None], dict[str, Any]] = getattr(
                self, re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()
            )
            result = handler(params, caller)
        except StsError as error:
            return error_document(error)
        root = ElementTree.Element(f"{action}Response", {"xmlns": _XMLNS})
        output = service_model().operation_model(action).output_shape
        _xml(ElementTree.SubElement(root, f"{action}Result"), output, result)
        metadata = ElementTree.SubElement(root, "ResponseMetadata")
        ElementTree.SubElement(metadata, "RequestId").text = str(uuid.uuid4())
        return _document(root)

    def _caller(self, request: Request, action: str) -> Caller | None:
        """Who calls: None for AssumeRoleWithWebIdentity (unsigned: its token says who); else the signer."""
        if service_model().operation_model(action).auth_type == "none":
            return None
        try:
            credential = check_signature(request.headers, request.query)
            return authenticate(
                request,
                credential.access_key_id,
                world=self.backend.world,
                sessions=self.sessions,
                now=self.backend.clock(),
                service=SIGNING_NAME,
            )
        except AccessAnalyzerError as error:
            code, status = _QUERY_CODES.get(error.code, (error.code, error.status))
            raise StsError(code, status, error.message) from error

    def _role(self, role_arn: str, caller_account: str | None) -> Role | None:
        """The world's role (None when it has no such role); ValidationError for what is no role ARN."""
        if not ROLE_ARN.fullmatch(role_arn):
            raise _validation("Request ARN is invalid")
        roles = self.backend.world.roles
        if roles is None:
            return permissive_role(role_arn, caller_account or role_arn.split(":")[4])
        return roles.get(role_arn)

    def _issue(self, role: Role, params: dict[str, str], *, chained: bool) -> Session:
        """Check ``DurationSeconds`` against the role (and role chaining), then issue the session."""
        seconds = int(params.get("DurationSeconds", DEFAULT_DURATION))
        if seconds > role.max_session_duration:
            raise _validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        if chained and seconds > CHAINED_MAX_DURATION:
            raise _validation(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
            )
        return self.sessions.issue(
            role.arn, params["RoleSessionName"], now=self.backend.clock(), seconds=seconds, chained=chained
        )

    @staticmethod
    def _credentials(session: Session) -> dict[str, Any]:
        return {
            "Credentials": {
                "AccessKeyId": session.access_key_id,
                "SecretAccessKey": session.secret_access_key,
                "SessionToken": session.session_token,
                "Expiration": session.expiration,
            },
            "AssumedRoleUser": {"AssumedRoleId": session.assumed_role_id, "Arn": session.arn},
        }

    def assume_role(self, params: dict[str, str], caller: Caller | None) -> dict[str, Any]:
        """AssumeRole: the caller's account must be trusted, with the role's external id if it has one."""
        assert caller is not None
        role_arn = params["RoleArn"]
        role = self._role(role_arn, caller.account)
        if role is None or not role.trusts(caller.account):
            raise _access_denied(caller, "AssumeRole", role_arn)
        if role.external_id is not None and params.get("ExternalId") != role.external_id:
            raise _access_denied(caller, "AssumeRole", role_arn)
        session = self._issue(role, params, chained=caller.session is not None)
        result = self._credentials(session)
        if params.get("SourceIdentity"):
            result["SourceIdentity"] = params["SourceIdentity"]
        return result

    def assume_role_with_web_identity(self, params: dict[str, str], caller: Caller | None) -> dict[str, Any]:
        """AssumeRoleWithWebIdentity: a role with ``webIdentity``, and a JWT that has not expired."""
        claims = _jwt_claims(params["WebIdentityToken"])
        expires = claims.get("exp")
        now = self.backend.clock()
        if isinstance(expires, int | float) and now.timestamp() >= expires:
            # The wording of STS's answer, as users report it (aws-orbit-workbench#771).
            raise StsError(
                "ExpiredTokenException",
                400,
                f"Token expired: current date/time {int(now.timestamp())} must be before the expiration "
                f"date/time{int(expires)}",
            )
        role = self._role(params["RoleArn"], None)
        if role is None or not role.web_identity:
            raise StsError("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
        session = self._issue(role, params, chained=False)
        result = self._credentials(session)
        issuer = str(claims.get("iss", ""))
        audience = claims.get("aud")
        result.update(
            SubjectFromWebIdentityToken=str(claims.get("sub", "")) or None,
            Provider=re.sub(r"^https://", "", issuer) or None,
            Audience=(audience[0] if isinstance(audience, list) and audience else audience) or None,
        )
        return result

    def get_caller_identity(self, params: dict[str, str], caller: Caller | None) -> dict[str, Any]:
        """GetCallerIdentity: the signer's account, ARN and unique id (the assumed-role ARN for a session)."""
        assert caller is not None
        return {"UserId": caller.user_id, "Account": caller.account, "Arn": caller.arn}


def _jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JSON Web Token (RFC 7519), its signature unchecked; InvalidIdentityToken if it is none."""
    parts = token.split(".")
    claims: Any = None
    if len(parts) == 3:
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            claims = None
    if not isinstance(claims, dict):
        raise StsError(
            "InvalidIdentityToken",
            400,
            "The web identity token is not a JSON Web Token: three base64url parts, the second a JSON object of "
            "claims, as OIDC providers issue them.",
        )
    return claims
