"""The IAM roles of a world that STS may let callers assume (``"roles"`` in ``--world``).

A world file names each role by its ARN, with who may assume it and for how long::

    "roles": {
      "arn:aws:iam::111111111111:role/PolicyGeneration": {
        "trustedAccounts": ["999999999999"],
        "externalId": "policygen-ci",
        "maxSessionDuration": 3600,
        "webIdentity": true
      }
    }

Each entry stands for a role and its trust policy, in the few words the endpoint needs:

* ``trustedAccounts``: the accounts whose principals may call ``AssumeRole`` on it (a trust policy
  with ``"Principal": {"AWS": "arn:aws:iam::ACCOUNT:root"}``); default: the role's own account.
* ``externalId``: when set, ``AssumeRole`` must pass exactly this ``ExternalId`` (a trust policy's
  ``sts:ExternalId`` condition); default: none required.
* ``maxSessionDuration``: the role's ``MaxSessionDuration``, 3600 to 43200 seconds as IAM allows
  (IAM User Guide, "Update the maximum session duration for a role"); default 3600, IAM's.
* ``webIdentity``: whether ``AssumeRoleWithWebIdentity`` may assume it (a trust policy with a
  ``Federated`` principal); default false.

Without ``"roles"`` every well-formed role ARN exists and trusts everyone (the permissive default,
like "any signature is accepted"); with it, only the roles it names exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from policygen.errors import InvalidArgumentError

#: An IAM role ARN: ``arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`` (IAM User Guide, "IAM ARNs";
#: a role name is 1 to 64 of ``[\w+=,.@-]``, a path ``/`` or ``/.../``).
ROLE_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):iam::(?P<account>[0-9]{12}):role/(?P<path>(?:[\x21-\x7e]+/)*)(?P<name>[\w+=,.@-]{1,64})"
)
#: IAM's bounds of a role's maximum session duration, in seconds, and its default.
MIN_MAX_SESSION, MAX_MAX_SESSION, DEFAULT_MAX_SESSION = 3600, 43200, 3600
ROLE_KEYS = ("trustedAccounts", "externalId", "maxSessionDuration", "webIdentity")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")


@dataclass(frozen=True)
class Role:
    """A role that may be assumed: its ARN and the little of its trust policy the endpoint checks."""

    arn: str
    trusted_accounts: frozenset[str]
    external_id: str | None = None
    max_session_duration: int = DEFAULT_MAX_SESSION
    web_identity: bool = False

    @property
    def account(self) -> str:
        """The 12-digit account the role belongs to (and its sessions act in)."""
        return account_of(self.arn)

    def trusts(self, account: str) -> bool:
        """Whether principals of ``account`` may assume this role with AssumeRole."""
        return account in self.trusted_accounts


def account_of(role_arn: str) -> str:
    """The account of a role ARN that :data:`ROLE_ARN` matches."""
    return role_arn.split(":")[4]


def name_of(role_arn: str) -> str:
    """The role's name, without its path (what an assumed-role ARN names: IAM User Guide, "IAM ARNs")."""
    return role_arn.rsplit("/", 1)[-1]


def permissive_role(role_arn: str, caller_account: str) -> Role:
    """The role a world without ``"roles"`` imagines: it trusts the caller and allows IAM's longest session."""
    return Role(role_arn, frozenset({caller_account}), None, MAX_MAX_SESSION, True)


def parse_roles(value: Any) -> dict[str, Role] | None:
    """The ``"roles"`` of a world document (None when absent); InvalidArgumentError naming the wrong entry."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidArgumentError(
            "roles must be an object of role ARNs to their trust, such as "
            '{"arn:aws:iam::111111111111:role/PolicyGeneration": {"trustedAccounts": ["999999999999"]}}.'
        )
    return {arn: _role(arn, entry) for arn, entry in value.items()}


def _role(arn: Any, entry: Any) -> Role:
    shown = repr(arn[:100]) if isinstance(arn, str) else "a key"
    if not isinstance(arn, str) or not ROLE_ARN.fullmatch(arn):
        raise InvalidArgumentError(f"roles: {shown} is not a role ARN such as arn:aws:iam::111111111111:role/NAME.")
    if not isinstance(entry, dict):
        raise InvalidArgumentError(f"roles[{shown}] must be an object with any of {', '.join(ROLE_KEYS)}.")
    unknown = sorted(set(entry) - set(ROLE_KEYS))
    if unknown:
        raise InvalidArgumentError(f"roles[{shown}]: unknown key(s) {', '.join(repr(k[:40]) for k in unknown[:5])}.")
    trusted = entry.get("trustedAccounts", [account_of(arn)])
    if not isinstance(trusted, list) or not all(isinstance(a, str) and _ACCOUNT_ID.fullmatch(a) for a in trusted):
        raise InvalidArgumentError(
            f'roles[{shown}].trustedAccounts must be an array of 12-digit account ids such as "999999999999".'
        )
    external_id = entry.get("externalId")
    # IAM's bounds of an external id (STS API Reference, AssumeRole: ExternalId, 2 to 1224 characters).
    if external_id is not None and not (
        isinstance(external_id, str) and re.fullmatch(r"[\w+=,.@:/-]{2,1224}", external_id)
    ):
        raise InvalidArgumentError(
            f"roles[{shown}].externalId must be 2 to 1224 letters, digits or +=,.@:/- characters."
        )
    duration = entry.get("maxSessionDuration", DEFAULT_MAX_SESSION)
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int)
        or not MIN_MAX_SESSION <= duration <= MAX_MAX_SESSION
    ):
        raise InvalidArgumentError(
            f"roles[{shown}].maxSessionDuration must be a whole number of seconds from {MIN_MAX_SESSION} to "
            f"{MAX_MAX_SESSION}, as IAM allows; got {duration!r}."
        )
    web_identity = entry.get("webIdentity", False)
    if not isinstance(web_identity, bool):
        raise InvalidArgumentError(f"roles[{shown}].webIdentity must be true or false.")
    return Role(arn, frozenset(trusted), external_id, duration, web_identity)
