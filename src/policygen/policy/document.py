"""IAM policy documents: parse the JSON, check the grammar, keep where every element is.

:func:`parse_policy` reads a policy from its JSON text; a JSON syntax error raises
:class:`PolicyDocumentError` with a located ``JSON_SYNTAX_ERROR`` finding. Anything else that breaks
the policy grammar (an unknown element, a missing ``Effect``, ``Action`` together with
``NotAction``, a value of the wrong type...) does not raise: the document keeps the problem among
its :attr:`PolicyDocument.problems`, as a finding located the way ValidatePolicy locates it, and
its statements keep whatever could be read. :meth:`PolicyDocument.require_valid` raises when a
problem is an ERROR, for callers (the access checks) that cannot work on a broken policy.

The grammar is IAM's (IAM User Guide, "Grammar of the IAM JSON policy language"): ``Version`` is
``2012-10-17`` or ``2008-10-17``; ``Statement`` is one statement object or a list of them; a
statement has ``Sid``, ``Effect`` (``Allow`` or ``Deny``, case-sensitive), exactly one of
``Action``/``NotAction`` and of ``Resource``/``NotResource`` (a string or a list of strings), and
an optional ``Condition`` (operator → condition key → value or list of values).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from policygen.errors import PolicyDocumentError
from policygen.policy.findings import Finding, FindingType, finding
from policygen.policy.location import Location, Pointer, SourceMap, Span, position_at

#: The policy types ValidatePolicy accepts (botocore's ``PolicyType``).
IDENTITY_POLICY = "IDENTITY_POLICY"
RESOURCE_POLICY = "RESOURCE_POLICY"
SERVICE_CONTROL_POLICY = "SERVICE_CONTROL_POLICY"
RESOURCE_CONTROL_POLICY = "RESOURCE_CONTROL_POLICY"
POLICY_TYPES = (IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY)

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


def document_error(name: str, findings: Sequence[Finding], *, message: str | None = None) -> PolicyDocumentError:
    """The error for a document that cannot be used, its located findings in the message."""
    problems = " ".join(f"At {f.locations[0]}: {f.details}" if f.locations else f.details for f in findings)
    return PolicyDocumentError(name, findings, message or f"The policy document {name} is not valid. {problems}")


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


@dataclass(frozen=True)
class PolicyDocument:
    """A parsed policy: its text, value and statements, its grammar problems, and a map of its text."""

    name: str
    text: str
    value: Any = field(repr=False)
    version: str | None
    statements: tuple[Statement, ...]
    problems: tuple[Finding, ...]
    source_map: SourceMap = field(repr=False)

    def locate(self, pointer: Pointer, *, key: bool = False) -> Location:
        """The location of the value (or key) at ``pointer``, falling back to its nearest ancestor."""
        return self.source_map.locate(pointer, key=key)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The grammar problems that are errors: the parts of the policy that do not work."""
        return tuple(p for p in self.problems if p.finding_type is FindingType.ERROR)

    def require_valid(self) -> PolicyDocument:
        """The document itself, or :class:`PolicyDocumentError` when its grammar has errors."""
        if self.errors:
            raise document_error(self.name, self.errors)
        return self


def parse_policy(text: str, *, name: str = "(policy)", policy_type: str = IDENTITY_POLICY) -> PolicyDocument:
    """Parse a policy document from its JSON text.

    ``name`` names the document in messages. ``policy_type`` (one of :data:`POLICY_TYPES`) decides
    the checks that depend on it: an identity policy needs ``Resource`` and must not have
    ``Principal``; a resource policy needs ``Principal``. Raises :class:`PolicyDocumentError` for
    a JSON syntax error; every other problem is in the document's ``problems``.
    """
    if policy_type not in POLICY_TYPES:
        raise ValueError(f"The policy type {policy_type!r} is not one of {', '.join(POLICY_TYPES)}.")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise document_error(name, [_syntax_finding(text, exc.pos, exc.msg)]) from exc
    except _InvalidConstantError as exc:
        match = _CONSTANT.search(text)
        raise document_error(name, [_syntax_finding(text, match.start() if match else 0, str(exc))]) from exc
    source_map = SourceMap(text)
    return _Parser(name, text, value, source_map, policy_type).document()


def read_policy(path: str | Path, *, policy_type: str = IDENTITY_POLICY) -> PolicyDocument:
    """Parse the policy document in a file (UTF-8); a file that cannot be read raises :class:`PolicyDocumentError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        message = f"The policy file {path} could not be read: {exc}. Check the path, and that the file is UTF-8 JSON."
        raise document_error(str(path), (), message=message) from exc
    return parse_policy(text, name=str(path), policy_type=policy_type)


def combine_policies(documents: Sequence[str | PolicyDocument], *, name: str = "(combined policy)") -> PolicyDocument:
    """One document holding the statements of several, in order.

    Access Analyzer splits a generated policy larger than 6,144 characters into several documents;
    attached together, they grant exactly what one document with all their statements grants
    (identity policies add up, and a Deny anywhere wins). The combined document has the first
    document's ``Version`` (2012-10-17 when none has one); its statements are renumbered.
    """
    parsed = [parse_policy(d) if isinstance(d, str) else d for d in documents]
    statements = [dict(s.raw) for doc in parsed for s in doc.statements]
    version = next((doc.version for doc in parsed if doc.version), POLICY_VERSIONS[0])
    return parse_policy(json.dumps({"Version": version, "Statement": statements}, indent=2), name=name)


class _InvalidConstantError(ValueError):
    """json.loads met NaN or Infinity, which it accepts and JSON (and IAM) does not."""


# Where such a constant is: outside a string, where the decoder met it.
_CONSTANT = re.compile(r'(?<![\w"])-?(?:NaN|Infinity)\b')


def _reject_constant(constant: str) -> Any:
    raise _InvalidConstantError(f"Invalid literal {constant}")


def _syntax_finding(text: str, offset: int, reason: str) -> Finding:
    position = position_at(text, offset)
    return finding(
        "JSON_SYNTAX_ERROR",
        f"Fix the JSON syntax error at index {offset} line {position.line} column {position.column}: "
        f"{reason[0].lower()}{reason[1:]}.",
        Location((), Span(position, position)),
    )


class _Parser:
    """Reads the statements of a decoded policy and collects the grammar problems on the way."""

    def __init__(self, name: str, text: str, value: Any, source_map: SourceMap, policy_type: str) -> None:
        self.name = name
        self.text = text
        self.value = value
        self.map = source_map
        self.policy_type = policy_type
        self.problems: list[Finding] = []

    def problem(self, code: str, details: str, pointer: Pointer, *, key: bool = False) -> None:
        self.problems.append(finding(code, details, self.map.locate(pointer, key=key)))

    def document(self) -> PolicyDocument:
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
        return PolicyDocument(self.name, self.text, value, version, tuple(statements), tuple(self.problems), self.map)

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
        not_action = "Action" not in raw and "NotAction" in raw
        actions = self._strings(raw, pointer, "NotAction" if not_action else "Action")
        if "Action" not in raw and "NotAction" not in raw:
            self.problem("MISSING_ACTION", "Add an Action or NotAction element to the policy statement.", pointer)
        not_resource = "Resource" not in raw and "NotResource" in raw
        resources = self._strings(raw, pointer, "NotResource" if not_resource else "Resource")
        if "Resource" not in raw and "NotResource" not in raw and self.policy_type == IDENTITY_POLICY:
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
