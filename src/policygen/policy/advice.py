"""policygen's own advice on a policy: wildcards that a least-privilege draft should not need.

These are **not** Access Analyzer findings. AWS's ValidatePolicy has no check for wildcard
actions or ``"*"`` resources as such (IAM User Guide, "IAM policy validation check reference"),
so the embedded endpoint never returns them; ``policygen check --advice`` prints them after AWS's
findings, each labelled as policygen's, with IAM's least-privilege advice as the link.
"""

from __future__ import annotations

from dataclasses import dataclass

from policygen.policy.catalog import Catalog, get_catalog
from policygen.policy.document import PolicyDocument, parse_policy
from policygen.policy.grants import StatementAccess
from policygen.policy.location import Location, Pointer
from policygen.policy.wildcards import has_wildcard

#: Where every piece of advice points: IAM's best practice of granting least privilege.
LEAST_PRIVILEGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
#: How each piece of advice is named; the prefix keeps them apart from AWS's issue codes.
ADVICE_CODES = (
    "policygen:allow-everything",
    "policygen:allow-not-action",
    "policygen:wildcard-action",
    "policygen:wildcard-resource",
)


@dataclass(frozen=True)
class Advice:
    """One piece of policygen's advice: a code from :data:`ADVICE_CODES`, what to change, and where."""

    code: str
    details: str
    location: Location

    def to_dict(self) -> dict[str, object]:
        """The advice as JSON, marked as policygen's (``source``) so that no reader takes it for AWS's."""
        return {
            "source": "policygen",
            "code": self.code,
            "details": self.details,
            "learnMoreLink": LEAST_PRIVILEGE,
            "locations": [self.location.to_dict()],
        }

    def __str__(self) -> str:
        return f"{self.code} ({self.location}): {self.details}"


def advise(policy: str | PolicyDocument, *, catalog: Catalog | None = None) -> list[Advice]:
    """policygen's advice on the Allow statements of an identity policy (JSON text or parsed)."""
    document = parse_policy(policy) if isinstance(policy, str) else policy
    catalog = catalog or get_catalog()
    found: list[Advice] = []

    def add(code: str, details: str, pointer: Pointer, *, key: bool = False) -> None:
        found.append(Advice(code, details, document.locate(pointer, key=key)))

    for statement in document.statements:
        if not statement.is_allow or statement.actions is None:
            continue
        access = StatementAccess.of(statement, catalog)
        star_resource = [e for e in statement.resources or () if e.value == "*"]
        if statement.not_action:
            add(
                "policygen:allow-not-action",
                "Allow with NotAction allows every action that is not listed, including every action AWS adds "
                "later. List the actions to allow in an Action element instead.",
                (*statement.pointer, "NotAction"),
                key=True,
            )
            continue
        everything = [e for e in statement.actions if len(catalog.expand(e.value)) == len(catalog.all_actions)]
        if everything and (star_resource or statement.not_resource):
            add(
                "policygen:allow-everything",
                "Wildcards (*) in the action and the resource allow every action of every AWS service on every "
                "resource: this is administrator access. List the actions and resources the principal needs.",
                everything[0].pointer,
            )
            continue
        for entry in statement.actions:
            expanded = catalog.expand(entry.value)
            if has_wildcard(entry.value) and expanded:
                add(
                    "policygen:wildcard-action",
                    f"The action {entry.value} uses a wildcard: it allows {len(expanded)} actions today, and any "
                    "that AWS adds later whose names match. List only the actions the principal needs.",
                    entry.pointer,
                )
        scoped = sorted(a for a in access.known_actions if (info := catalog.info(a)) and info.resource_types)
        for entry in star_resource if scoped else ():
            # Actions that support only "*" have nothing narrower to name; don't ask for what IAM can't do.
            add(
                "policygen:wildcard-resource",
                f"The resource * lets the statement's actions act on every resource. {len(scoped)} of them, such as "
                f"{catalog.canonical(scoped[0])}, can be limited to specific resources: name the resources the "
                "principal needs.",
                entry.pointer,
            )
    return found
