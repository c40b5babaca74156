"""What exists around the emulated service: access roles, trails, callers and their accounts.

A world is given as a JSON file (``policygen emulator --world FILE``) or built in Python
(``Emulator(world=World(...))``). Every part is optional; with none, everything exists and every
caller belongs to :data:`DEFAULT_ACCOUNT`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from policygen.emulator.roles import Role, parse_roles
from policygen.errors import InvalidArgumentError

JobErrorCode = Literal[
    "AUTHORIZATION_ERROR", "RESOURCE_NOT_FOUND_ERROR", "SERVICE_QUOTA_EXCEEDED_ERROR", "SERVICE_ERROR"
]

#: The account of every caller whose access key the world does not map (the endpoint accepts any
#: credentials, so an unknown key is not refused). moto and AWS's documentation use the same id.
DEFAULT_ACCOUNT = "123456789012"
#: The keys of a world file (``World.from_file``).
WORLD_KEYS = ("accessRoles", "trails", "deniedAccessKeys", "accounts", "secretAccessKeys", "roles")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
#: An access key id: IAM's are 16 to 128 word characters (AKIA..., ASIA...); shorter fake ones such as
#: AKIDEXAMPLE, which SDK examples use, are accepted too.
_ACCESS_KEY_ID = re.compile(r"\w{1,128}")


@dataclass(frozen=True)
class JobError:
    """Why a job FAILED: a ``JobErrorCode`` of the model and a message."""

    code: JobErrorCode
    message: str


def _no_accounts() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class World:
    """What exists, for the checks a generation makes when it runs, and who the callers are.

    ``None`` means "anything exists": with no world configured, every access role and trail is known.
    A job whose access role or trail is unknown ends FAILED with the ``jobError`` AWS reports.
    Requests signed with one of ``denied_access_keys`` are refused (a caller without permissions).
    ``accounts`` maps access key ids to the 12-digit account they belong to: a request's jobs,
    quotas and history are that account's (in the Region of the request's signature); a key it does
    not map belongs to :data:`DEFAULT_ACCOUNT`. ``secret_access_keys`` maps access key ids to their
    secrets: when it names any, every request's SigV4 signature is verified and other keys are
    refused (:mod:`policygen.emulator.signing`); when empty, any signature is accepted.
    ``roles`` are the IAM roles STS lets callers assume (:mod:`policygen.emulator.roles`), by ARN;
    None means every well-formed role ARN exists and trusts every caller.
    """

    access_roles: frozenset[str] | None = None
    trails: frozenset[str] | None = None
    denied_access_keys: frozenset[str] = frozenset()
    accounts: Mapping[str, str] = field(default_factory=_no_accounts, hash=False)
    secret_access_keys: Mapping[str, str] = field(default_factory=_no_accounts, hash=False, repr=False)
    roles: Mapping[str, Role] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        # Checked here, not only in from_document: World(...) from Python is the other way in. A
        # copy, read-only, so that changing the caller's dict later cannot move jobs between accounts.
        accounts = dict(self.accounts)
        _check_accounts(accounts)
        object.__setattr__(self, "accounts", MappingProxyType(accounts))
        secrets = dict(self.secret_access_keys)
        _check_secrets(secrets)
        object.__setattr__(self, "secret_access_keys", MappingProxyType(secrets))
        if self.roles is not None:
            object.__setattr__(self, "roles", MappingProxyType(dict(self.roles)))

    @classmethod
    def from_file(cls, path: Path) -> World:
        """A world from JSON: ``{"accessRoles": [...], "trails": [...], "accounts": {...}, "roles": {...}, ...}``.

        Every key is optional; a missing (or null) ``accessRoles`` or ``trails`` means all of them
        exist. Raises OSError when the file cannot be read, ``json.JSONDecodeError`` when it is not
        JSON, and InvalidArgumentError (a ValueError), saying what is wrong, for any other shape.
        """
        return cls.from_document(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_document(cls, document: Any) -> World:
        """A world from the parsed JSON of a world file; InvalidArgumentError when its shape is wrong."""
        if not isinstance(document, dict):
            raise InvalidArgumentError(
                f'A world is a JSON object such as {{"accessRoles": [...], "trails": [...]}}; got '
                f"{_json_type(document)}."
            )
        unknown = sorted(set(document) - set(WORLD_KEYS))
        if unknown:
            raise InvalidArgumentError(
                f"Unknown key(s) {', '.join(repr(k[:40]) for k in unknown[:5])}: a world has only "
                f"{', '.join(WORLD_KEYS)}."
            )
        roles = _strings(document, "accessRoles")
        trails = _strings(document, "trails")
        denied = _strings(document, "deniedAccessKeys")
        accounts = document.get("accounts")
        if accounts is not None and not isinstance(accounts, dict):
            raise InvalidArgumentError(
                "accounts must be an object of access key ids to 12-digit account ids, such as "
                f'{{"AKIAIOSFODNN7EXAMPLE": "111122223333"}}; got {_json_type(accounts)}.'
            )
        secrets = document.get("secretAccessKeys")
        if secrets is not None and not isinstance(secrets, dict):
            raise InvalidArgumentError(
                "secretAccessKeys must be an object of access key ids to their secret access keys, such as "
                f'{{"AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}; got {_json_type(secrets)}.'
            )
        assumable = parse_roles(document.get("roles"))
        return cls(roles, trails, denied or frozenset(), accounts or {}, secrets or {}, assumable)

    @property
    def checks_signatures(self) -> bool:
        """Whether requests' signatures are verified: the world names at least one secret."""
        return bool(self.secret_access_keys)

    def account_of(self, access_key_id: str | None) -> str:
        """The account an access key belongs to: the world's mapping, else :data:`DEFAULT_ACCOUNT`."""
        if access_key_id is None:
            return DEFAULT_ACCOUNT
        return self.accounts.get(access_key_id, DEFAULT_ACCOUNT)

    def job_error(self, cloud_trail: dict[str, Any]) -> JobError | None:
        """The error a generation with these CloudTrail details fails with, if any."""
        role = cloud_trail["accessRole"]
        if self.access_roles is not None and role not in self.access_roles:
            return JobError(
                "AUTHORIZATION_ERROR",
                f"IAM Access Analyzer could not assume the access role {role}. Verify that the role "
                "exists and that its trust policy allows access-analyzer.amazonaws.com to assume it.",
            )
        for trail in cloud_trail["trails"]:
            arn = trail["cloudTrailArn"]
            if self.trails is not None and arn not in self.trails:
                return JobError("RESOURCE_NOT_FOUND_ERROR", f"The trail {arn} was not found.")
        return None


def _check_accounts(accounts: dict[Any, Any]) -> None:
    """ValueError, naming the entry, unless every key is an access key id and every value an account id."""
    for key, account in accounts.items():
        shown = repr(key[:40]) if isinstance(key, str) else _json_type(key)
        if not isinstance(key, str) or not _ACCESS_KEY_ID.fullmatch(key):
            raise InvalidArgumentError(
                f"accounts: the key {shown} is not an access key id (letters, digits and underscores, at "
                "most 128, such as AKIAIOSFODNN7EXAMPLE)."
            )
        if not isinstance(account, str) or not _ACCOUNT_ID.fullmatch(account):
            value = repr(account[:40]) if isinstance(account, str) else _json_type(account)
            raise InvalidArgumentError(
                f'accounts[{shown}] must be a 12-digit account id as a string, such as "111122223333"; got {value}.'
            )


def _check_secrets(secrets: dict[Any, Any]) -> None:
    """ValueError, naming the key (never the secret), unless it maps access key ids to non-empty strings."""
    for key, secret in secrets.items():
        shown = repr(key[:40]) if isinstance(key, str) else _json_type(key)
        if not isinstance(key, str) or not _ACCESS_KEY_ID.fullmatch(key):
            raise InvalidArgumentError(
                f"secretAccessKeys: the key {shown} is not an access key id (such as AKIAIOSFODNN7EXAMPLE)."
            )
        if not isinstance(secret, str) or not secret:
            raise InvalidArgumentError(f"secretAccessKeys[{shown}] must be the secret access key, a non-empty string.")


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, with its article, for messages ("an array")."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number"}
    names[float] = "a number"
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _strings(document: dict[str, Any], key: str) -> frozenset[str] | None:
    """The array of strings at ``key`` (None when absent or null); ValueError for any other value."""
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, list):
        raise InvalidArgumentError(f"{key} must be an array of strings; got {_json_type(value)}.")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise InvalidArgumentError(f"{key}[{index}] must be a string; got {_json_type(item)}.")
    return frozenset(value)
