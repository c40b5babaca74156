"""Who signed a request: a long-term access key of the world, or temporary credentials STS issued.

Both services of the endpoint (Access Analyzer and STS) ask :func:`authenticate`, so a key means
the same thing to both:

* **A key STS issued** (:mod:`policygen.emulator.sessions`) is the assumed role: it acts in the
  role's account, and its ARN is ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``. Past its
  ``Expiration`` it is refused with ``ExpiredTokenException`` (403; AWS's Common Errors, "The
  security token included in the request is expired"), whether or not the world checks
  signatures: expiry is the point of temporary credentials. The token is checked before the
  signature's date, as AWS reads a token before it can check anything signed with it. When the
  world checks signatures, the request must carry the session's token (``X-Amz-Security-Token``;
  another or none: ``UnrecognizedClientException``, "The security token included in the request is
  invalid.") and be signed with the session's secret.
* **Any other key** is a long-term key of the world: its account is the world's ``accounts``
  mapping (else the default account), and, when the world names secrets, its signature is checked
  against them (:mod:`policygen.emulator.signing`). The endpoint has no IAM users, so such a key
  stands for the IAM user named after it: ``arn:aws:iam::ACCOUNT:user/KEY``, with a ``UserId``
  shaped like IAM's (``AIDA`` and 17 characters, stable per key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from policygen.emulator.exceptions import ExpiredTokenException, UnrecognizedClientException
from policygen.emulator.sessions import Session, SessionStore, unique_id
from policygen.emulator.signing import SIGNING_NAME, verify
from policygen.emulator.world import World

if TYPE_CHECKING:
    from policygen.emulator.responses import Request


@dataclass(frozen=True)
class Caller:
    """The identity a request acts as: its account, ARN and ``UserId`` (as GetCallerIdentity shows them)."""

    account: str
    arn: str
    user_id: str
    #: The STS session, when the request is signed with temporary credentials.
    session: Session | None = None


def principal_of(access_key_id: str | None, world: World, sessions: SessionStore) -> Caller:
    """The identity of a key, without checking anything (for the request log, and after :func:`authenticate`)."""
    session = sessions.get(access_key_id)
    if session is not None:
        return Caller(session.account, session.arn, session.assumed_role_id, session)
    account = world.account_of(access_key_id)
    name = access_key_id or "anonymous"
    return Caller(account, f"arn:aws:iam::{account}:user/{name}", unique_id("AIDA", name))


def authenticate(
    request: Request,
    access_key_id: str | None,
    *,
    world: World,
    sessions: SessionStore,
    now: datetime,
    service: str = SIGNING_NAME,
) -> Caller:
    """The principal of a signed request; raises the error AWS answers when its credentials are refused.

    ``access_key_id`` is the one its signature names; ``service`` the signing name its credential
    scope must name when signatures are checked.
    """
    principal = principal_of(access_key_id, world, sessions)
    session = principal.session
    if session is not None and session.expired(now):
        raise ExpiredTokenException()
    if world.checks_signatures:
        if session is not None:
            if request.headers.get("x-amz-security-token") != session.session_token:
                raise UnrecognizedClientException("The security token included in the request is invalid.")
            secrets = {session.access_key_id: session.secret_access_key}
        else:
            secrets = dict(world.secret_access_keys)
        verify(
            request.method,
            request.path,
            request.raw_query,
            request.headers,
            request.body,
            secrets=secrets,
            now=now,
            service=service,
        )
    return principal
