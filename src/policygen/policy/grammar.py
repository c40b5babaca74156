"""The grammar of IAM policy documents: its elements, statements as written, and the checks of both.

:class:`GrammarReader` reads the statements of a decoded policy (JSON already parsed) and collects
every grammar problem on the way, as findings located the way ValidatePolicy locates them;
:func:`policygen.policy.document.parse_policy` decodes the JSON and wraps the result in a
:class:`~policygen.policy.document.PolicyDocument`, whose module re-exports these names.

The grammar is IAM's (IAM User Guide, "Grammar of the IAM JSON policy language"): ``Version`` is
``2012-10-17`` or ``2008-10-17``; ``Statement`` is one statement object or a list of them; a
statement has ``Sid``, ``Effect`` (``Allow`` or ``Deny``, case-sensitive), exactly one of
``Action``/``NotAction`` and of ``Resource``/``NotResource`` (a string or a list of strings), and
an optional ``Condition`` (operator → condition key → value or list of values).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from policygen.policy.findings import Finding, finding
from policygen.policy.location import Pointer, SourceMap

#: The policy types ValidatePolicy accepts (botocore's ``PolicyType``).
IDENTITY_POLICY = "IDENTITY_POLICY"
RESOURCE_POLICY = "RESOURCE_POLICY"
SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
RESOURCE_CONTROL_POLICY = "RESOURCE_CONTROL_POLICY"
POLICY_TYPES = (IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY)
#: The ``validatePolicyResourceType`` of a role's trust policy (botocore's ``ValidatePolicyResourceType``).
TRUST_POLICY_RESOURCE_TYPE = "AWS::IAM::AssumeRolePolicyDocument"

#: The versions of the policy language; 2012-10-17 is current (policy variables need it).
POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
#: The elements a policy may have at the top level.
POLICY_ELEMENTS = ("Version", "Id", "Statement")
#: The elements a statement may have.
STATEMENT_ELEMENTS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
#: The condition operators (IAM User Guide, "IAM JSON policy elements: Condition operators"), lower case.
CONDITION_OPERATORS = frozenset(
    name.lower()
    for name in (
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
        "StringLike", "StringNotLike",
        "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
        "NumericGreaterThan", "NumericGreaterThanEquals",
        "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
        "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
        "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
        "Null",
    )
)  # fmt: skip
_SID = re.compile(r"[A-Za-z0-9]*")
_SET_QUALIFIERS = ("forallvalues:", "foranyvalue:")


class Entry(NamedTuple):
    """One string of an element that takes a string or a list (an action, a resource), and where it is."""

    value: str
    pointer: Pointer


@dataclass(frozen=True)
class Statement:
    """One statement as written; elements that are absent (or of the wrong type) are None.

    ``index`` is the statement's place in the ``Statement`` list (0 when ``Statement`` is a single
    object); ``pointer`` is where it is in the document. ``actions`` holds the ``Action`` or the
    ``NotAction`` entries (``not_action`` says which), and likewise ``resources``.
    """

    index: int
    pointer: Pointer
    sid: str | None
    effect: str | None
    actions: tuple[Entry, ...] | None
    not_action: bool
    resources: tuple[Entry, ...] | None
    not_resource: bool
    condition: Mapping[str, Mapping[str, Any]] | None
    has_principal: bool
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def is_allow(self) -> bool:
        """Whether the statement's effect is ``Allow``."""
        return self.effect == "Allow"

    @property
    def is_deny(self) -> bool:
        """Whether the statement's effect is ``Deny``."""
        return self.effect == "Deny"

    @property
    def action_element(self) -> str:
        """``NotAction`` or ``Action``: the element that holds :attr:`actions`."""
        return "NotAction" if self.not_action else "Action"

    @property
    def resource_element(self) -> str:
        """``NotResource`` or ``Resource``: the element that holds :attr:`resources`."""
        return "NotResource" if self.not_resource else "Resource"

    @property
    def label(self) -> str:
        """How AWS's reasons name a statement: ``sid: Foo`` when it has a Sid, else ``index: 0``."""
        return f"sid: {self.sid}" if self.sid else f"index: {self.index}"

    def condition_keys(self) -> Iterator[str]:
        """The condition keys the statement tests, as written."""
        for keys in (self.condition or {}).values():
            yield from keys


class GrammarReader:
    """Reads the statements of a decoded policy and collects the grammar problems on the way."""

    def __init__(self, value: Any, source_map: SourceMap, policy_type: str, resource_type: str | None = None) -> None:
        self.value = value
        self.map = source_map
        self.policy_type = policy_type
        self.resource_type = resource_type
        self.problems: list[Finding] = []

    def problem(self, code: str, details: str, pointer: Pointer, *, key: bool = False) -> None:
        self.problems.append(finding(code, details, self.map.locate(pointer, key=key)))

    def read(self) -> tuple[str | None, tuple[Statement, ...], tuple[Finding, ...]]:
        """The policy's ``Version``, its statements and its grammar problems."""
        value = self.value
        statements: list[Statement] = []
        version: str | None = None
        if not isinstance(value, dict):
            self.problem(
                "DATA_TYPE_MISMATCH",
                "The text does not match the expected JSON data type Object: a policy is a JSON object, not "
                f"{_json_type(value)}.",
                (),
            )
        else:
            for key in value:
                if key not in POLICY_ELEMENTS:
                    self.problem(
                        "INVALID_POLICY_ELEMENT",
                        f"The policy element {key} is not valid. Use only {', '.join(POLICY_ELEMENTS)} at the top "
                        "level.",
                        (key,),
                        key=True,
                    )
            version = self._version(value)
            statements = self._statements(value)
            self._unique_sids(statements)
        return version, tuple(statements), tuple(self.problems)

    def _version(self, policy: Mapping[str, Any]) -> str | None:
        if "Version" not in policy:
            self.problem(
                "MISSING_VERSION",
                "We recommend that you specify the Version element to help you with debugging permission issues.",
                (),
            )
            return None
        version = policy["Version"]
        if not isinstance(version, str):
            self.problem(
                "DATA_TYPE_MISMATCH",
                f"The text does not match the expected JSON data type String: Version is {_json_type(version)}.",
                ("Version",),
            )
            return None
        if version not in POLICY_VERSIONS:
            self.problem(
                "INVALID_VERSION",
                f"The version {version} is not valid. Use one of the following versions: {', '.join(POLICY_VERSIONS)}.",
                ("Version",),
            )
        return version

    def _statements(self, policy: Mapping[str, Any]) -> list[Statement]:
        if "Statement" not in policy:
            self.problem("MISSING_STATEMENT", "Add a statement to the policy.", ())
            return []
        raw = policy["Statement"]
        if isinstance(raw, dict):
            items: list[tuple[Pointer, Any]] = [(("Statement",), raw)]
        elif isinstance(raw, list):
            items = [(("Statement", i), item) for i, item in enumerate(raw)]
            if not items:
                self.problem(
                    "MISSING_STATEMENT", "Add a statement to the policy: the Statement list is empty.", ("Statement",)
                )
        else:
            self.problem(
                "DATA_TYPE_MISMATCH",
                f"The text does not match the expected JSON data type Array: Statement is {_json_type(raw)}, not a "
                "statement object or a list of them.",
                ("Statement",),
            )
            return []
        statements = []
        for index, (pointer, item) in enumerate(items):
            if isinstance(item, dict):
                statements.append(self._statement(index, pointer, item))
            else:
                self.problem(
                    "DATA_TYPE_MISMATCH",
                    "The text does not match the expected JSON data type Object: a statement is a JSON object, not "
                    f"{_json_type(item)}.",
                    pointer,
                )
        return statements

    def _statement(self, index: int, pointer: Pointer, raw: Mapping[str, Any]) -> Statement:
        for key in raw:
            if key not in STATEMENT_ELEMENTS:
                self.problem(
                    "INVALID_POLICY_ELEMENT",
                    f"The policy element {key} is not valid in a statement. Use only {', '.join(STATEMENT_ELEMENTS)}.",
                    (*pointer, key),
                    key=True,
                )
        for first, second in (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")):
            if first in raw and second in raw:
                self.problem(
                    "UNSUPPORTED_ELEMENT_COMBINATION",
                    f"The policy elements {first} and {second} can not be used in the same statement. Remove one of "
                    "these elements.",
                    (*pointer, second),
                    key=True,
                )
        has_principal = "Principal" in raw or "NotPrincipal" in raw
        if has_principal and self.policy_type != RESOURCE_POLICY:
            element = "Principal" if "Principal" in raw else "NotPrincipal"
            self.problem(
                "UNSUPPORTED_PRINCIPAL",
                f"The policy type {self.policy_type} does not support the {element} element. Remove the {element} "
                "element.",
                (*pointer, element),
                key=True,
            )
        if not has_principal and self.policy_type == RESOURCE_POLICY:
            self.problem("MISSING_PRINCIPAL", "Add a Principal element to the policy statement.", pointer)
        for element in ("Principal", "NotPrincipal"):
            if element in raw:
                self._principal(raw[element], (*pointer, element))
        not_action = "Action" not in raw and "NotAction" in raw
        actions = self._strings(raw, pointer, "NotAction" if not_action else "Action")
        if "Action" not in raw and "NotAction" not in raw:
            self.problem("MISSING_ACTION", "Add an Action or NotAction element to the policy statement.", pointer)
        not_resource = "Resource" not in raw and "NotResource" in raw
        resources = self._strings(raw, pointer, "NotResource" if not_resource else "Resource")
        if "Resource" not in raw and "NotResource" not in raw and self._needs_resource():
            self.problem("MISSING_RESOURCE", "Add a Resource or NotResource element to the policy statement.", pointer)
        return Statement(
            index=index,
            pointer=pointer,
            sid=self._sid(raw, pointer),
            effect=self._effect(raw, pointer),
            actions=actions,
            not_action=not_action,
            resources=resources,
            not_resource=not_resource,
            condition=self._condition(raw, pointer),
            has_principal=has_principal,
            raw=raw,
        )

    def _needs_resource(self) -> bool:
        # The IAM grammar makes Resource optional only in a role's trust policy (AWS's reference: "Missing
        # resource"); ValidatePolicy learns that a resource policy is one from validatePolicyResourceType.
        if self.policy_type == IDENTITY_POLICY:
            return True
        return self.policy_type == RESOURCE_POLICY and self.resource_type not in (None, TRUST_POLICY_RESOURCE_TYPE)

    def _principal(self, value: Any, pointer: Pointer) -> None:
        """``"*"``, or an object of principal kinds to a string or a list of strings (IAM's grammar)."""
        if value == "*":
            return
        if not isinstance(value, dict):
            self.problem(
                "DATA_TYPE_MISMATCH",
                f"The text does not match the expected JSON data type Object: the principal is {_json_type(value)}.",
                pointer,
            )
            return
        if not value:
            self.problem(
                "EMPTY_OBJECT_PRINCIPAL",
                "This statement includes no principals and does not affect the policy. Specify principals.",
                pointer,
            )
        for kind, names in value.items():
            listed = names if isinstance(names, list) else [names]
            if not all(isinstance(name, str) for name in listed):
                self.problem(
                    "DATA_TYPE_MISMATCH",
                    f"The text does not match the expected JSON data type String: a {kind} principal is "
                    f"{_json_type(next(n for n in listed if not isinstance(n, str)))}.",
                    (*pointer, kind),
                )

    def _sid(self, raw: Mapping[str, Any], pointer: Pointer) -> str | None:
        if "Sid" not in raw:
            return None
        sid = raw["Sid"]
        if not isinstance(sid, str):
            self.problem(
                "DATA_TYPE_MISMATCH",
                f"The text does not match the expected JSON data type String: Sid is {_json_type(sid)}.",
                (*pointer, "Sid"),
            )
            return None
        if not sid:
            self.problem("EMPTY_SID_VALUE", "Add a value to the empty string in the Sid element.", (*pointer, "Sid"))
            return None
        if self.policy_type == IDENTITY_POLICY and not _SID.fullmatch(sid):
            self.problem(
                "UNSUPPORTED_SID",
                "Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, "
                f"0-9]. The Sid {sid} has others.",
                (*pointer, "Sid"),
            )
        return sid

    def _effect(self, raw: Mapping[str, Any], pointer: Pointer) -> str | None:
        if "Effect" not in raw:
            self.problem(
                "MISSING_EFFECT",
                "Add an Effect element to the policy statement with a value of Allow or Deny.",
                pointer,
            )
            return None
        effect = raw["Effect"]
        if not isinstance(effect, str):
            self.problem(
                "DATA_TYPE_MISMATCH",
                f"The text does not match the expected JSON data type String: Effect is {_json_type(effect)}.",
                (*pointer, "Effect"),
            )
            return None
        if effect not in ("Allow", "Deny"):
            # Effect is case-sensitive: "allow" does not allow anything.
            self.problem(
                "INVALID_EFFECT", f"The effect {effect} is not valid. Use Allow or Deny.", (*pointer, "Effect")
            )
            return None
        return effect

    def _strings(self, raw: Mapping[str, Any], pointer: Pointer, element: str) -> tuple[Entry, ...] | None:
        if element not in raw:
            return None
        value = raw[element]
        here = (*pointer, element)
        if isinstance(value, str):
            return (Entry(value, here),)
        if not isinstance(value, list):
            self.problem(
                "DATA_TYPE_MISMATCH",
                f"The text does not match the expected JSON data type String: {element} is {_json_type(value)}, not a "
                "string or a list of strings.",
                here,
            )
            return None
        entries = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                entries.append(Entry(item, (*here, i)))
            else:
                self.problem(
                    "DATA_TYPE_MISMATCH",
                    f"The text does not match the expected JSON data type String: an entry of {element} is "
                    f"{_json_type(item)}.",
                    (*here, i),
                )
        if not value:
            kind = "action" if element.endswith("Action") else "resource" if element.endswith("Resource") else None
            if kind:
                self.problem(
                    f"EMPTY_ARRAY_{kind.upper()}",
                    f"This statement includes no {kind}s and does not affect the policy. Specify {kind}s.",
                    here,
                )
        return tuple(entries)

    def _condition(self, raw: Mapping[str, Any], pointer: Pointer) -> Mapping[str, Mapping[str, Any]] | None:
        if "Condition" not in raw:
            return None
        condition = raw["Condition"]
        here = (*pointer, "Condition")
        if not isinstance(condition, dict):
            self.problem(
                "DATA_TYPE_MISMATCH",
                f"The text does not match the expected JSON data type Object: Condition is {_json_type(condition)}.",
                here,
            )
            return None
        if not condition:
            self.problem(
                "EMPTY_OBJECT_CONDITION",
                "This condition block is empty and it does not affect the policy. Specify conditions.",
                here,
            )
        blocks: dict[str, Mapping[str, Any]] = {}
        for operator, keys in condition.items():
            self._operator(operator, (*here, operator))
            if not isinstance(keys, dict):
                self.problem(
                    "DATA_TYPE_MISMATCH",
                    f"The text does not match the expected JSON data type Object: the condition operator {operator} "
                    f"takes an object of condition keys, not {_json_type(keys)}.",
                    (*here, operator),
                )
                continue
            if not keys:
                self.problem(
                    "EMPTY_OBJECT_CONDITION",
                    f"The condition block of {operator} is empty and it does not affect the policy. Specify "
                    "conditions.",
                    (*here, operator),
                )
            for key, values in keys.items():
                if values == []:
                    self.problem(
                        "EMPTY_ARRAY_CONDITION",
                        f"There are no values for the condition key {key} and it does not affect the policy. Specify "
                        "conditions.",
                        (*here, operator, key),
                    )
            blocks[operator] = keys
        return blocks

    def _operator(self, operator: str, pointer: Pointer) -> None:
        # Operators are matched without regard to case, to report only what is surely wrong.
        name = operator.lower()
        for qualifier in _SET_QUALIFIERS:
            name = name.removeprefix(qualifier)
        if_exists = name.endswith("ifexists")
        base = name.removesuffix("ifexists") if if_exists else name
        if base not in CONDITION_OPERATORS:
            self.problem(
                "INVALID_CONDITION_OPERATOR",
                f"The condition operator {operator} is not valid. Use a valid condition operator.",
                pointer,
                key=True,
            )
        elif if_exists and base == "null":
            self.problem(
                "NULL_WITH_IF_EXISTS",
                "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the "
                "suffix.",
                pointer,
                key=True,
            )

    def _unique_sids(self, statements: Sequence[Statement]) -> None:
        seen: set[str] = set()
        for statement in statements:
            if statement.sid is None:
                continue
            if statement.sid in seen and self.policy_type == IDENTITY_POLICY:
                self.problem(
                    "UNIQUE_SIDS_REQUIRED",
                    "Duplicate statement IDs are not supported for this policy type. Update the Sid value "
                    f"{statement.sid}.",
                    (*statement.pointer, "Sid"),
                )
            elif statement.sid in seen:
                self.problem(
                    "UNIQUE_SIDS_RECOMMENDED",
                    "We recommend that you use statement IDs that are unique to your policy. Update the Sid value "
                    f"{statement.sid}.",
                    (*statement.pointer, "Sid"),
                )
            seen.add(statement.sid)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a Boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
