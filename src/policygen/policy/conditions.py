"""Condition blocks read as facts about a request, and the two questions the access checks ask of them.

A statement's ``Condition`` is a conjunction of tests (:class:`Test`: operator, key, values). The
access checks need two answers about such conjunctions, and both are answered only when they are
sure, so that a check that cannot decide falls to the stricter side:

* :func:`implies`: does every request that passes these tests also pass that one? (A new grant
  with ``StringEquals aws:RequestTag/k = v`` is covered by an existing grant that only requires
  the tag ``k`` to exist.)
* :func:`contradicts`: can no request pass all of these tests at once? (An existing ``Deny`` when
  ``Null aws:RequestTag/k = true``, and a new ``Allow`` only when ``aws:RequestTag/k`` equals a
  value, cannot both apply.)

The semantics are IAM's (IAM User Guide, "IAM JSON policy elements: Condition operators"): a
positive operator (``StringEquals``, ``StringLike``, ``ArnLike``, ...) is false when the key is
absent, a negated one (``StringNotEquals``, ``ArnNotLike``, ...) is true, ``...IfExists`` is true,
and ``Null`` tests the key's presence. Keys compare without regard to case, as IAM's do. Tests with
set operators (``ForAllValues:``, ``ForAnyValue:``) are only ever compared for equality.

Facts (:class:`Test` with the ``StringEquals`` operator) can also come from elsewhere than a
Condition: the access checks add ``aws:PrincipalArn`` and ``aws:PrincipalAccount`` for a principal
named in the ``Principal`` element, which is how AWS's request context carries them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policygen.policy.wildcards import contains, overlaps

# Operators whose test fails when the key is absent, by how their values match.
_EXACT = frozenset({"stringequals", "arnequals"})
_LIKE = frozenset({"stringlike", "arnlike"})
_POSITIVE_OTHER = frozenset(
    {
        "stringequalsignorecase", "numericequals", "numericlessthan", "numericlessthanequals", "numericgreaterthan",
        "numericgreaterthanequals", "dateequals", "datelessthan", "datelessthanequals", "dategreaterthan",
        "dategreaterthanequals", "bool", "binaryequals", "ipaddress",
    }
)  # fmt: skip
# Operators whose test passes when the key is absent, and which exclude the values they list.
_NEGATED = frozenset({"stringnotequals", "stringnotlike", "arnnotequals", "arnnotlike", "stringnotequalsignorecase"})


@dataclass(frozen=True)
class Test:
    """One condition test: an operator (lower case, qualifiers kept), a key (lower case) and its values."""

    operator: str
    key: str
    values: frozenset[str]

    @property
    def base(self) -> str:
        """The operator without ``IfExists``."""
        return self.operator.removesuffix("ifexists")

    @property
    def qualified(self) -> bool:
        """Whether the operator has a set qualifier (``ForAllValues:``/``ForAnyValue:``)."""
        return ":" in self.operator

    @property
    def if_exists(self) -> bool:
        """Whether the test passes when the key is absent because of ``IfExists``."""
        return self.operator.endswith("ifexists")

    @property
    def requires_key(self) -> bool:
        """Whether the test fails when the key is absent."""
        if self.qualified or self.if_exists:
            return False
        if self.base == "null":
            return self.values == frozenset({"false"})
        return self.base in _EXACT or self.base in _LIKE or self.base in _POSITIVE_OTHER

    def allows_value(self, value: str) -> bool | None:
        """Whether a request whose key has exactly ``value`` passes; None when this cannot be told."""
        if self.qualified:
            return None
        if self.base in _EXACT:
            return value in self.values
        if self.base in _LIKE:
            return any(contains(pattern, value) for pattern in self.values)
        if self.base in ("stringnotequals", "arnnotequals"):
            return value not in self.values
        if self.base in ("stringnotlike", "arnnotlike"):
            return not any(contains(pattern, value) for pattern in self.values)
        if self.base == "null":
            return self.values == frozenset({"false"})
        return None


def read_tests(condition: Mapping[str, Mapping[str, Any]] | None) -> tuple[Test, ...]:
    """The tests of a Condition block (operators and keys lower case, values as strings)."""
    tests = []
    for operator, keys in (condition or {}).items():
        if not isinstance(keys, Mapping):
            continue
        for key, values in keys.items():
            listed = values if isinstance(values, list) else [values]
            tests.append(Test(operator.lower(), key.lower(), frozenset(_text(v) for v in listed)))
    return tuple(tests)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def implies(premises: Sequence[Test], test: Test) -> bool:
    """Whether every request passing all of ``premises`` surely passes ``test``."""
    same_key = [p for p in premises if p.key == test.key]
    if test in same_key:
        return True
    if test.qualified:
        return False
    for premise in same_key:
        if premise.qualified:
            continue
        if test.base == "null":
            present = premise.requires_key
            absent = premise.base == "null" and premise.values == frozenset({"true"})
            if (test.values == frozenset({"false"}) and present) or (test.values == frozenset({"true"}) and absent):
                return True
            continue
        if premise.base == "null" and premise.values == frozenset({"true"}):
            # The key is absent: negated operators and IfExists pass, every other test fails.
            if test.base in _NEGATED or test.if_exists:
                return True
            continue
        if not premise.requires_key and not test.if_exists:
            continue
        if premise.base in _EXACT | _LIKE and test.base in _EXACT | _LIKE | _NEGATED:
            if premise.base in _LIKE and test.base in _EXACT:
                continue
            if all(_value_passes(test, value) for value in premise.values):
                return True
    return False


def _value_passes(test: Test, value: str) -> bool:
    """Whether every string the premise value (maybe a pattern) stands for passes ``test``."""
    if test.base in _EXACT:
        return value in test.values
    if test.base in _LIKE:
        return any(contains(pattern, value) for pattern in test.values)
    if test.base in ("stringnotequals", "arnnotequals"):
        return "*" not in value and "?" not in value and value not in test.values
    if test.base in ("stringnotlike", "arnnotlike"):
        return not any(overlaps(pattern, value) for pattern in test.values)
    return False


def implies_all(premises: Sequence[Test], tests: Iterable[Test]) -> bool:
    """Whether every request passing ``premises`` passes every one of ``tests``."""
    return all(implies(premises, test) for test in tests)


def contradicts(tests: Sequence[Test]) -> bool:
    """Whether no request can pass all of ``tests`` (only pairs on one key are weighed)."""
    for i, first in enumerate(tests):
        for second in tests[i + 1 :]:
            if first.key == second.key and (_exclusive(first, second) or _exclusive(second, first)):
                return True
    return False


def _exclusive(first: Test, second: Test) -> bool:
    if first.qualified or second.qualified:
        return False
    if first.base == "null" and first.values == frozenset({"true"}) and not first.if_exists:
        # The key is absent, yet the other test needs it.
        return second.requires_key
    if not first.requires_key or first.base not in _EXACT | _LIKE:
        return False
    # The key is present with one of first's values; does second refuse every one of them?
    if first.base in _EXACT:
        return all(second.allows_value(value) is False for value in first.values)
    if second.base in _EXACT | _LIKE:
        return not any(overlaps(a, b) for a in first.values for b in second.values)
    return False
