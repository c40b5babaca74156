"""The reasoning behind CheckNoNewAccess: which requests the new policy allows that the existing one does not.

A request is an action on a resource by a principal in a context. A policy allows it when an
Allow statement matches and no Deny does. The new policy grants new access when some request is
allowed by it and not by the existing policy, which happens in one of two ways for a request that
a new Allow statement grants and no new Deny removes:

1. an existing **Deny** may match it: the two statements' actions, resources and principals
   overlap and their conditions do not contradict each other (:func:`~.conditions.contradicts`),
   and no new Deny surely removes the overlap; or
2. no existing **Allow** surely matches it: none covers the action, the resource (field by field,
   :mod:`~.arns`), the principal (:mod:`~.principals`) and has a condition that the new grant's
   condition and principal imply (:func:`~.conditions.implies`).

Each question is answered only when the answer is sure; when it is not, the check takes the side
of FAIL (an overlap is assumed, a cover is not). AWS answers with an automated prover (Zelkova);
:mod:`policygen.policy.access` and the README list what this reading leaves out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from policygen.policy.arns import arn_contains, arn_overlaps
from policygen.policy.catalog import Catalog
from policygen.policy.conditions import Test, contradicts, implies_all
from policygen.policy.grants import StatementAccess
from policygen.policy.principals import ATTACHED, Principal, Principals


@dataclass
class NewAccess:
    """What one new Allow statement grants that the existing policy does not."""

    grant: StatementAccess
    actions: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Region:
    """The requests of one grant on one resource pattern by one principal, under some tests."""

    resource: str
    principal: Principal
    tests: tuple[Test, ...]


def find_new_access(
    new: Sequence[StatementAccess], existing: Sequence[StatementAccess], catalog: Catalog, *, principals: bool
) -> dict[int, NewAccess]:
    """The new Allow statements that grant access the existing policy does not, by statement index.

    ``principals`` says whether the policies' principals are compared (resource and trust
    policies); an identity policy's statements all apply to the principal it is attached to.
    """
    new_denies = [s for s in new if s.statement.is_deny]
    old_allows = [s for s in existing if s.statement.is_allow]
    old_denies = [s for s in existing if s.statement.is_deny]
    found: dict[int, NewAccess] = {}
    for grant in (s for s in new if s.statement.is_allow):
        actions = _actions(grant, catalog)
        whom = grant.principals if principals else ATTACHED
        for resource in grant.granted_resources:
            for principal in whom.granted():
                region = _Region(resource, principal, (*grant.tests, *principal.facts()))
                left = actions - _removed(region, actions, new_denies, catalog, principals)
                if not left:
                    continue
                missing = left - _covered(region, left, old_allows, catalog, principals)
                for deny in old_denies:
                    missing |= _denied(
                        region, left, deny=deny, new_denies=new_denies, catalog=catalog, principals=principals
                    )
                if missing:
                    entry = found.setdefault(grant.statement.index, NewAccess(grant))
                    entry.actions.update(catalog.canonical(a) or a for a in missing)
                    entry.resources.add(resource)
    return found


def _actions(grant: StatementAccess, catalog: Catalog) -> set[str]:
    # Unknown actions count as written, so that an action newer than the catalogue is not lost.
    return {*grant.known_actions, *grant.unknown_actions(catalog)}


def _whom(statement: StatementAccess, principals: bool) -> Principals:
    return statement.principals if principals else ATTACHED


def _applies_to(statement: StatementAccess, actions: set[str], catalog: Catalog) -> set[str]:
    """The actions of ``actions`` that ``statement`` surely applies to."""
    known = actions & statement.known_actions
    unknown = {a for a in actions - catalog.all_actions if statement.covers_action(a, catalog)}
    return known | unknown


def _removed(
    region: _Region, actions: set[str], denies: Sequence[StatementAccess], catalog: Catalog, principals: bool
) -> set[str]:
    """The actions of ``actions`` that Deny statements surely remove from every request of the region."""
    removed: set[str] = set()
    for deny in denies:
        if (
            deny.covers_resource(region.resource)
            and _whom(deny, principals).covers(region.principal)
            and implies_all(region.tests, deny.tests)
        ):
            removed |= _applies_to(deny, actions, catalog)
    return removed


def _covered(
    region: _Region, actions: set[str], allows: Sequence[StatementAccess], catalog: Catalog, principals: bool
) -> set[str]:
    """The actions of ``actions`` that existing Allow statements surely grant for every request of the region."""
    covered: set[str] = set()
    for allow in allows:
        if (
            allow.covers_resource(region.resource)
            and _whom(allow, principals).covers(region.principal)
            and implies_all(region.tests, allow.tests)
        ):
            covered |= _applies_to(allow, actions, catalog)
    return covered


def _denied(
    region: _Region,
    actions: set[str],
    *,
    deny: StatementAccess,
    new_denies: Sequence[StatementAccess],
    catalog: Catalog,
    principals: bool,
) -> set[str]:
    """The actions of the region that the existing ``deny`` may refuse and no new Deny surely removes."""
    if not deny.may_apply_to_resource(region.resource):
        return set()
    if not _whom(deny, principals).may_apply(region.principal):
        return set()
    both = (*region.tests, *deny.tests)
    if contradicts(both):
        return set()
    touched = {a for a in actions if deny.may_apply_to_action(a, catalog)}
    if not touched:
        return set()
    # Where the deny bites: each of its patterns inside the region, or the whole region when unsure.
    if deny.not_resource:
        # Where the deny bites is everything but its NotResource; a new Deny excluding no more removes that.
        touched -= _removed_outside(
            region, deny, actions=touched, new_denies=new_denies, catalog=catalog, principals=principals
        )
    refused: set[str] = set()
    for resource in _overlap(region.resource, deny) if touched else ():
        inner = _Region(resource, region.principal, both)
        refused |= touched - _removed(inner, touched, new_denies, catalog, principals)
    return refused


def _removed_outside(
    region: _Region,
    deny: StatementAccess,
    *,
    actions: set[str],
    new_denies: Sequence[StatementAccess],
    catalog: Catalog,
    principals: bool,
) -> set[str]:
    """The actions that a new NotResource Deny removes wherever the existing NotResource ``deny`` bites."""
    removed: set[str] = set()
    tests = (*region.tests, *deny.tests)
    for new in new_denies:
        if (
            new.not_resource
            and all(any(arn_contains(d, n) for d in deny.resource_patterns) for n in new.resource_patterns)
            and _whom(new, principals).covers(region.principal)
            and implies_all(tests, new.tests)
        ):
            removed |= _applies_to(new, actions, catalog)
    return removed


def _overlap(resource: str, deny: StatementAccess) -> list[str]:
    """Resource patterns that together hold every resource named by both ``resource`` and ``deny``."""
    if deny.not_resource:
        return [resource]
    parts = []
    for pattern in deny.resource_patterns:
        if not arn_overlaps(pattern, resource):
            continue
        if arn_contains(pattern, resource):
            return [resource]
        parts.append(pattern if arn_contains(resource, pattern) else resource)
    return parts or [resource]
