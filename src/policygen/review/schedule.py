"""Accounts, roles and days: where each generation runs, and on which day its job can start.

Shared by the constructs (one provider per account and Region, the synth-time quota check), by
``policygen review`` (a plan's queues) and by ``policygen estimate`` (a spec folder's queues):

* :func:`account_of`: the account of an ARN (a principal's, a role's).
* :class:`AccountRoles`: the role to assume in each account, from a mapping (account -> role ARN)
  or a pattern with ``{account}`` (``arn:aws:iam::{account}:role/PolicyGeneration``).
* :func:`jobs_per_day`: how a queue of jobs spreads over days under the daily quota.

A policy generation runs in its principal's own account (Access Analyzer generates for principals
of the caller's account), so the account of a spec is the account of its ``principalArn``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from policygen.errors import AccountRoleError, InvalidArgumentError
from policygen.spec import Spec
from policygen.spec.arns import parse_arn

#: The placeholder of a role pattern.
ACCOUNT_PLACEHOLDER = "{account}"
_ACCOUNT = re.compile(r"^\d{12}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")


def account_of(arn: str | None) -> str | None:
    """The 12-digit account of an ARN, or None when it is no ARN or names no account (a token, say)."""
    parsed = parse_arn(arn)
    if parsed is None or not _ACCOUNT.match(parsed.account or ""):
        return None
    return parsed.account


@dataclass(frozen=True)
class AccountRoles:
    """The role to assume in each account: a mapping, or a pattern with ``{account}`` (exactly one is set).

    Build it with :meth:`of`. A mapping's role must be in its own account (a role of another
    account would start the jobs in that other account, where the principal is not).
    """

    mapping: Mapping[str, str] = field(default_factory=dict)
    pattern: str | None = None

    @classmethod
    def of(cls, roles: AccountRoles | Mapping[str, str] | str) -> AccountRoles:
        """Read ``roles``: a mapping ``{account: role ARN}``, a pattern, or ``"ACCOUNT=ARN,ACCOUNT=ARN"``.

        Raises InvalidArgumentError naming the entry at fault and the form expected.
        """
        if isinstance(roles, AccountRoles):
            return roles
        if isinstance(roles, str):
            if ACCOUNT_PLACEHOLDER in roles:
                return cls._pattern(roles)
            if "=" in roles:
                pairs = [item.partition("=") for item in roles.split(",") if item.strip()]
                return cls._mapping({account.strip(): role.strip() for account, _, role in pairs})
            raise InvalidArgumentError(
                f"roles {roles[:80]!r} is neither a pattern with {ACCOUNT_PLACEHOLDER} "
                "(arn:aws:iam::{account}:role/PolicyGeneration) nor a list ACCOUNT=ROLE_ARN,ACCOUNT=ROLE_ARN."
            )
        if isinstance(roles, Mapping):
            return cls._mapping(dict(roles))
        raise TypeError(f"roles must be a mapping of account to role ARN, or a pattern string, not {roles!r}.")

    @classmethod
    def _pattern(cls, pattern: str) -> AccountRoles:
        example = pattern.replace(ACCOUNT_PLACEHOLDER, "111111111111")
        if not _ROLE_ARN.match(example) or account_of(example) != "111111111111":
            raise InvalidArgumentError(
                f"the role pattern {pattern[:120]!r} does not make a role ARN of the account: write it like "
                "arn:aws:iam::{account}:role/PolicyGeneration ({account} in the ARN's account field)."
            )
        return cls(pattern=pattern)

    @classmethod
    def _mapping(cls, mapping: dict[str, str]) -> AccountRoles:
        problems = []
        for account, role in sorted(mapping.items()):
            match = _ROLE_ARN.match(role) if isinstance(role, str) else None
            if not _ACCOUNT.match(str(account)):
                problems.append(f"{str(account)[:40]!r} is not a 12-digit account id")
            elif match is None:
                problems.append(f"the role of {account}, {str(role)[:120]!r}, is not an IAM role ARN")
            elif match.group(1) != account:
                problems.append(
                    f"the role of {account}, {role}, is in account {match.group(1)}: jobs would start there, "
                    "not in the principal's account"
                )
        if problems:
            raise InvalidArgumentError(
                "roles: " + "; ".join(problems) + ". Map each account to a role ARN of that account, e.g. "
                "{'111111111111': 'arn:aws:iam::111111111111:role/PolicyGeneration'}."
            )
        return cls(mapping=dict(mapping))

    def role_for(self, account: str) -> str | None:
        """The ARN of the role to assume in ``account``, or None when the mapping leaves it out."""
        if self.pattern is not None:
            return self.pattern.replace(ACCOUNT_PLACEHOLDER, account)
        return self.mapping.get(account)

    def check(self, specs: Iterable[Spec]) -> None:
        """Raise AccountRoleError naming every account of ``specs`` without a role, with its specs and the fix."""
        missing: dict[str, list[str]] = {}
        for spec in specs:
            account = account_of(spec.principal_arn)
            if account is not None and self.role_for(account) is None:
                missing.setdefault(account, []).append(f"{spec.name} ({spec.source})")
        if missing:
            raise self.missing(missing)

    def missing(self, missing: Mapping[str, list[str]]) -> AccountRoleError:
        """The error for accounts without a role (``account -> its specs``, which may be empty)."""
        lines = [
            f"account {account}: {', '.join(specs)}" if specs else f"account {account}"
            for account, specs in sorted(missing.items())
        ]
        example = min(missing)
        return AccountRoleError(
            f"{len(missing)} account(s) of the specs have no role to assume in {self.describe()}: "
            + "; ".join(lines)
            + f". Add each to the roles (e.g. '{example}': 'arn:aws:iam::{example}:role/PolicyGeneration'), use a "
            "pattern such as 'arn:aws:iam::{account}:role/PolicyGeneration', or move those specs out of the folder.",
            accounts={account: list(specs) for account, specs in missing.items()},
        )

    def describe(self) -> str:
        """The roles as the user gave them, for messages."""
        if self.pattern is not None:
            return f"the pattern {self.pattern}"
        return f"the mapping of {len(self.mapping)} account(s) ({', '.join(sorted(self.mapping)) or 'none'})"


def jobs_per_day(jobs: int, quota: int) -> list[int]:
    """How many of ``jobs`` start on each day (the first is today) under a daily quota of ``quota``.

    The quota counts the jobs started in the last 24 hours, so the jobs beyond it can start a day
    after the first ones, at the earliest: 120 jobs under 50 a day are ``[50, 50, 20]``.
    """
    if jobs <= 0:
        return []
    full, rest = divmod(jobs, quota)
    return [quota] * full + ([rest] if rest else [])


def provider_alias(account: str | None, region: str | None) -> str:
    """The alias of the provider of one account and Region: ``a111111111111_us_east_1`` (names both)."""
    parts = [f"a{account}" if account else "default", (region or "default").replace("-", "_")]
    return "_".join(parts)
