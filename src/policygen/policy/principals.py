"""Who a resource or trust policy statement applies to: its ``Principal`` or ``NotPrincipal``, compared.

The forms are IAM's (IAM User Guide, "AWS JSON policy elements: Principal"): ``"*"`` or
``{"AWS": "*"}`` is everyone; ``{"AWS": "123456789012"}`` is the account, the same as
``arn:aws:iam::123456789012:root``, and stands for every principal of that account (the account's
own policies then decide); ``{"AWS": <ARN>}`` one role, user or session; ``Service``,
``Federated`` and ``CanonicalUser`` name those kinds of principal. ``NotPrincipal`` applies to
everyone but the listed ones.

CheckNoNewAccess on a resource or trust policy compares principals too (the IAM User Guide says
custom policy checks allow wildcards in a resource policy's Principal): a grant to ``"*"`` or to
another account is new access against a policy that grants to two roles only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from policygen.policy.conditions import Test

_ACCOUNT = re.compile(r"\d{12}")


@dataclass(frozen=True)
class Principal:
    """One principal: its kind (``AWS``, ``Service``, ``Federated``, ``CanonicalUser``) and name; ``*`` is anyone."""

    kind: str
    name: str

    @property
    def everyone(self) -> bool:
        """Whether this stands for every principal."""
        return self.name == "*"

    @property
    def account(self) -> str | None:
        """The account of an AWS principal, from its ARN."""
        if self.kind != "AWS":
            return None
        parts = self.name.split(":", 5)
        return parts[4] if len(parts) == 6 else None

    @property
    def is_account(self) -> bool:
        """Whether this names a whole account (``arn:...:iam::<account>:root``)."""
        return self.kind == "AWS" and self.name.endswith(":root") and self.account is not None

    def facts(self) -> tuple[Test, ...]:
        """What a request of this principal carries in its context: ``aws:PrincipalArn``, ``aws:PrincipalAccount``."""
        if self.kind != "AWS" or self.everyone or self.account is None:
            return ()
        facts = [Test("stringequals", "aws:principalaccount", frozenset({self.account}))]
        if not self.is_account:
            facts.append(Test("stringequals", "aws:principalarn", frozenset({self.name})))
        return tuple(facts)


EVERYONE = Principal("AWS", "*")


def contains(outer: Principal, inner: Principal) -> bool:
    """Whether every request of ``inner`` is a request of ``outer``."""
    if outer.everyone and outer.kind in {"AWS", inner.kind}:
        return True
    if inner.everyone or outer.kind != inner.kind:
        return False
    if outer.is_account and inner.account == outer.account:
        return True
    return outer.name.lower() == inner.name.lower() if outer.kind == "Service" else outer.name == inner.name


def overlaps(first: Principal, second: Principal) -> bool:
    """Whether some request could come from both."""
    return contains(first, second) or contains(second, first)


@dataclass(frozen=True)
class Principals:
    """The principals a statement applies to: the listed ones, or everyone but them (``NotPrincipal``)."""

    listed: tuple[Principal, ...]
    excluded: bool = False

    def granted(self) -> tuple[Principal, ...]:
        """The principals to check one by one; everyone for ``NotPrincipal`` (a superset)."""
        return (EVERYONE,) if self.excluded else self.listed

    def covers(self, principal: Principal) -> bool:
        """Whether the statement surely applies to every request of ``principal``."""
        if self.excluded:
            return not principal.everyone and not any(overlaps(p, principal) for p in self.listed)
        return any(contains(p, principal) for p in self.listed)

    def may_apply(self, principal: Principal) -> bool:
        """Whether the statement could apply to some request of ``principal``."""
        if self.excluded:
            return not any(contains(p, principal) for p in self.listed)
        return any(overlaps(p, principal) for p in self.listed)


#: What a statement of an identity policy applies to: the principal it is attached to, whoever that is.
ATTACHED = Principals((EVERYONE,))


def read_principals(raw: Mapping[str, Any]) -> Principals:
    """The principals of a statement as written (a statement without either element applies to everyone)."""
    excluded = "Principal" not in raw and "NotPrincipal" in raw
    value = raw.get("NotPrincipal" if excluded else "Principal", "*")
    return Principals(tuple(_entries(value)), excluded)


def _entries(value: Any) -> Iterator[Principal]:
    if value == "*":
        yield EVERYONE
        return
    if not isinstance(value, Mapping):
        return
    for kind, names in value.items():
        for name in names if isinstance(names, list) else [names]:
            if not isinstance(name, str):
                continue
            account = kind == "AWS" and _ACCOUNT.fullmatch(name)
            yield Principal(kind, f"arn:aws:iam::{name}:root" if account else name)
