"""The temporary credentials STS has issued: who they stand for, their secret, token and expiry.

``AssumeRole`` and ``AssumeRoleWithWebIdentity`` issue a :class:`Session`: an access key id
``ASIA...`` (the prefix AWS gives temporary keys: IAM User Guide, "Unique identifier prefixes"),
a secret, a session token and an ``Expiration`` from the endpoint's clock. Requests signed with its
key act in the role's account (:mod:`policygen.emulator.identity`).

Sessions are kept with the jobs when the endpoint has a state folder (``--state-dir``), so that a
restart does not invalidate credentials a client holds mid-wait; they are forgotten
:data:`KEEP_AFTER_EXPIRY` after they expire (until then, their key is still known, and refused as
expired rather than taken for an unknown long-term key).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from policygen.emulator.roles import account_of, name_of

#: How long an expired session is still known (and refused as expired), like a job's seven days.
KEEP_AFTER_EXPIRY = timedelta(days=7)
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def unique_id(prefix: str, seed: str) -> str:
    """An IAM unique id shaped like AWS's (``AROA``/``AIDA`` + 17 characters), stable for ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    return prefix + "".join(_BASE32[byte % 32] for byte in digest[:17])


@dataclass(frozen=True)
class Session:
    """One set of temporary credentials, and the assumed-role identity they carry."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    role_arn: str
    session_name: str
    issued_on: datetime
    expiration: datetime
    #: Whether the session was issued to another session's caller (role chaining: at most one hour).
    chained: bool = False

    @property
    def account(self) -> str:
        """The role's account: where the session's Access Analyzer calls act."""
        return account_of(self.role_arn)

    @property
    def arn(self) -> str:
        """The assumed-role ARN, ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`` (STS API Reference, AssumeRole)."""
        partition = self.role_arn.split(":")[1]
        return f"arn:{partition}:sts::{self.account}:assumed-role/{name_of(self.role_arn)}/{self.session_name}"

    @property
    def assumed_role_id(self) -> str:
        """``AROA...:SESSION``: the role's unique id and the session name (AssumedRoleUser.AssumedRoleId)."""
        return f"{unique_id('AROA', self.role_arn)}:{self.session_name}"

    def expired(self, now: datetime) -> bool:
        """Whether the credentials are past their ``Expiration``."""
        return now >= self.expiration

    def record(self) -> dict[str, Any]:
        """What the state folder keeps of the session (JSON-ready)."""
        document = asdict(self)
        document["issued_on"] = self.issued_on.isoformat()
        document["expiration"] = self.expiration.isoformat()
        return document

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Session:
        """A session from its record; KeyError, TypeError or ValueError when it is not one."""
        return cls(
            access_key_id=str(record["access_key_id"]),
            secret_access_key=str(record["secret_access_key"]),
            session_token=str(record["session_token"]),
            role_arn=str(record["role_arn"]),
            session_name=str(record["session_name"]),
            issued_on=datetime.fromisoformat(record["issued_on"]),
            expiration=datetime.fromisoformat(record["expiration"]),
            chained=bool(record.get("chained", False)),
        )


class SessionStore:
    """Every session issued and not yet forgotten, by access key id; safe to use from many threads.

    ``save`` (set by :meth:`restore`) is called with every session after each issue, before the
    credentials are answered: the state folder's writer.
    """

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._save: Callable[[list[Session]], None] | None = None

    def issue(self, role_arn: str, session_name: str, *, now: datetime, seconds: int, chained: bool) -> Session:
        """New credentials for the role, valid for ``seconds`` from ``now`` (whole seconds, as AWS shows them)."""
        issued_on = now.replace(microsecond=0)
        session = Session(
            access_key_id="ASIA" + base64.b32encode(secrets.token_bytes(10)).decode(),
            secret_access_key=base64.b64encode(secrets.token_bytes(30)).decode(),
            session_token=base64.b64encode(secrets.token_bytes(96)).decode(),
            role_arn=role_arn,
            session_name=session_name,
            issued_on=issued_on,
            expiration=issued_on + timedelta(seconds=seconds),
            chained=chained,
        )
        with self._lock:
            self._sessions = {
                key: kept for key, kept in self._sessions.items() if now < kept.expiration + KEEP_AFTER_EXPIRY
            }
            self._sessions[session.access_key_id] = session
            if self._save is not None:
                self._save(sorted(self._sessions.values(), key=lambda kept: kept.issued_on))
        return session

    def get(self, access_key_id: str | None) -> Session | None:
        """The session of an access key id, or None when STS did not issue it (or has forgotten it)."""
        if access_key_id is None:
            return None
        with self._lock:
            return self._sessions.get(access_key_id)

    def all(self) -> list[Session]:
        """Every session known, oldest first."""
        with self._lock:
            return sorted(self._sessions.values(), key=lambda kept: kept.issued_on)

    def restore(self, sessions: Iterable[Session], save: Callable[[list[Session]], None] | None) -> None:
        """Replace every session with ``sessions`` (a state folder's); call ``save`` after each issue from now on."""
        with self._lock:
            self._sessions = {session.access_key_id: session for session in sessions}
            self._save = save

    def stop_saving(self) -> None:
        """Keep the sessions in memory only from now on (the state folder is being released)."""
        with self._lock:
            self._save = None
