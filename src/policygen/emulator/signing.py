"""SigV4 verification, when the world names the secret of each access key (``"secretAccessKeys"``).

Without secrets the endpoint accepts any well-formed signature (it says so when it starts): fake
credentials are the point of a local endpoint. With them, it checks every request as AWS does, so
one account's access key cannot act in another's without that account's secret:

* **The expected signature is computed with botocore's own signer** (:class:`botocore.auth.SigV4Auth`)
  over the request as it arrived: its method, raw path and query, the headers its ``SignedHeaders``
  names (exactly those), its body, and its ``X-Amz-Date``. A request changed after it was signed
  (its body, a signed header, the path) no longer matches.
* **The answers are AWS's.** The words of the front door of AWS's REST-JSON services, as the SDKs
  see them; the codes and statuses of IAM Access Analyzer's API Reference, "Common Errors":

  - an access key the world has no secret for: ``UnrecognizedClientException`` (403), "The security
    token included in the request is invalid." (Common Errors: "The X.509 certificate or AWS access
    key ID provided does not exist in our records.");
  - a wrong secret or a tampered request: ``InvalidSignatureException`` (403), "The request signature
    we calculated does not match the signature you provided. ..." (not in Common Errors; it is what
    the front door of REST-JSON services answers, and botocore raises it as a ``ClientError``);
  - a date more than 15 minutes from the endpoint's clock: ``RequestExpired`` (400): Common Errors,
    "The request reached the service more than 15 minutes after the date stamp on the request ... or
    the date stamp on the request is more than 15 minutes in the future";
  - no ``X-Amz-Date``, or one that is not ``YYYYMMDDTHHMMSSZ``: ``IncompleteSignatureException``;
    a credential scope of another date or service: ``InvalidSignatureException``.

  Which check AWS makes first is not documented; here: the key, the date's shape and scope, the
  skew, then the signature.
* **The clock is the endpoint's** (``Emulator(clock=...)``), so tests choose the time.

Presigned URLs (the signature in the query string) are refused while secrets are set: the SDKs do
not presign Access Analyzer's calls, and accepting them unchecked would reopen the door.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from policygen.emulator.exceptions import (
    IncompleteSignatureException,
    InvalidSignatureException,
    RequestExpired,
    UnrecognizedClientException,
)

#: How far a request's date may be from the endpoint's clock (IAM Access Analyzer API Reference,
#: Common Errors, RequestExpired).
MAX_SKEW = timedelta(minutes=15)
#: The service name of Access Analyzer's credential scope (botocore's model: ``signingName``).
SIGNING_NAME = "access-analyzer"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/\s]+)/(?P<date>[^/]*)/(?P<region>[^/]*)/(?P<service>[^/]*)/aws4_request,"
    r" ?SignedHeaders=(?P<signed>[^,\s]+), ?Signature=(?P<signature>[0-9a-f]+)$"
)
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)


class _SignedHeadersAuth(SigV4Auth):  # type: ignore[misc]  # botocore ships no type hints
    """botocore's SigV4 signer, over exactly the headers the request says it signed."""

    def __init__(self, credentials: Credentials, service: str, region: str, signed: list[str]) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name in self._signed:
            headers[name] = request.headers.get(name, "")
        return headers


def verify(
    method: str,
    path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets: Mapping[str, str],
    now: datetime,
    service: str = SIGNING_NAME,
) -> None:
    """Raise the error AWS answers unless the request's SigV4 signature is right, and in time.

    ``headers`` have lower-case names; ``path`` and ``raw_query`` are as they arrived (still
    percent-encoded). ``secrets`` maps access key ids to their secret access keys. ``service`` is the
    signing name the credential scope must name (``sts`` for STS's requests).
    """
    authorization = headers.get("authorization")
    if authorization is None:
        raise IncompleteSignatureException(
            "This endpoint checks signatures, and presigned URLs are not accepted: sign the request in its "
            "Authorization header, as the SDKs and the AWS CLI do."
        )
    match = _AUTHORIZATION.match(authorization.strip())
    if match is None:
        raise IncompleteSignatureException(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters "
            f"of an AWS4-HMAC-SHA256 signature. Authorization={authorization[:40]}"
        )
    key, region = match["key"], match["region"]
    secret = secrets.get(key)
    if secret is None:
        raise UnrecognizedClientException("The security token included in the request is invalid.")
    signed_on = _signed_on(headers, match["date"])
    if match["service"] != service:
        raise InvalidSignatureException(f"Credential should be scoped to correct service: '{service}'.")
    _check_skew(signed_on, now)
    signed = match["signed"].split(";")
    checksum = headers.get("x-amz-content-sha256")
    if checksum is not None and checksum != hashlib.sha256(body).hexdigest():
        raise InvalidSignatureException(_MISMATCH)  # botocore's signer would trust the header over the body
    request: Any = AWSRequest(
        method=method,
        url=f"http://{headers.get('host', '')}{path}{'?' + raw_query if raw_query else ''}",
        headers={name: headers[name] for name in signed if name in headers},
        data=body,
    )
    request.context["timestamp"] = signed_on.strftime(_AMZ_DATE)
    auth = _SignedHeadersAuth(Credentials(key, secret), service, region, signed)
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise InvalidSignatureException(_MISMATCH)


def _signed_on(headers: Mapping[str, str], scope_date: str) -> datetime:
    """The request's ``X-Amz-Date``, which must be well formed and of the credential scope's day."""
    text = headers.get("x-amz-date")
    if text is None:
        raise IncompleteSignatureException(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            "This endpoint reads X-Amz-Date, which the SDKs send."
        )
    try:
        signed_on = datetime.strptime(text, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise IncompleteSignatureException(
            f"X-Amz-Date {text[:40]!r} is not an ISO 8601 basic date and time such as 20240101T120000Z."
        ) from None
    if scope_date != text[:8]:
        raise InvalidSignatureException(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{scope_date[:20]}' != '{text[:8]}', from '{text}'."
        )
    return signed_on


def _check_skew(signed_on: datetime, now: datetime) -> None:
    """``RequestExpired`` when the request was signed more than :data:`MAX_SKEW` from ``now``."""
    minutes = int(MAX_SKEW.total_seconds() // 60)
    stamp = now.astimezone(UTC).strftime(_AMZ_DATE)
    if signed_on < now - MAX_SKEW:
        earliest = (now - MAX_SKEW).astimezone(UTC).strftime(_AMZ_DATE)
        raise RequestExpired(
            f"Signature expired: {signed_on.strftime(_AMZ_DATE)} is now earlier than {earliest} "
            f"({stamp} - {minutes} min.)"
        )
    if signed_on > now + MAX_SKEW:
        latest = (now + MAX_SKEW).astimezone(UTC).strftime(_AMZ_DATE)
        raise RequestExpired(
            f"Signature not yet current: {signed_on.strftime(_AMZ_DATE)} is still later than {latest} "
            f"({stamp} + {minutes} min.)"
        )
