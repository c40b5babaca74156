"""IAM policy documents: parse the JSON, check the grammar, keep where every element is.

:func:`parse_policy` reads a policy from its JSON text; a JSON syntax error raises
:class:`PolicyDocumentError` with a located ``JSON_SYNTAX_ERROR`` finding. Anything else that breaks
the policy grammar (an unknown element, a missing ``Effect``, ``Action`` together with
``NotAction``, a value of the wrong type...) does not raise: the document keeps the problem among
its :attr:`PolicyDocument.problems`, as a finding located the way ValidatePolicy locates it, and
its statements keep whatever could be read. :meth:`PolicyDocument.require_valid` raises when a
problem is an ERROR, for callers (the access checks) that cannot work on a broken policy.

The grammar (IAM's: its elements, :class:`Statement` as written, and the checks of both) is
:mod:`policygen.policy.grammar`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policygen.errors import InvalidArgumentError, PolicyDocumentError
from policygen.policy.findings import Finding, FindingType, finding
from policygen.policy.grammar import IDENTITY_POLICY as IDENTITY_POLICY  # noqa: PLC0414
from policygen.policy.grammar import POLICY_TYPES as POLICY_TYPES  # noqa: PLC0414
from policygen.policy.grammar import POLICY_VERSIONS, GrammarReader
from policygen.policy.grammar import RESOURCE_CONTROL_POLICY as RESOURCE_CONTROL_POLICY  # noqa: PLC0414
from policygen.policy.grammar import RESOURCE_POLICY as RESOURCE_POLICY  # noqa: PLC0414
from policygen.policy.grammar import SERVICE_CONTROL_POLICY as SERVICE_CONTROL_POLICY  # noqa: PLC0414
from policygen.policy.grammar import Entry as Entry  # noqa: PLC0414
from policygen.policy.grammar import Statement as Statement  # noqa: PLC0414
from policygen.policy.location import Location, Pointer, SourceMap, Span, position_at
from policygen.policy.reading import POLICY_FILE, load_json
from policygen.spec.reading import read_text

# The grammar (its elements, Statement and Entry, and its checks) is policygen.policy.grammar; the
# names above are re-exported because the rest of policygen.policy and the tests import them from here.


def document_error(name: str, findings: Sequence[Finding], *, message: str | None = None) -> PolicyDocumentError:
    """The error for a document that cannot be used, its located findings in the message."""
    problems = " ".join(f"At {f.locations[0]}: {f.details}" if f.locations else f.details for f in findings)
    return PolicyDocumentError(name, findings, message or f"The policy document {name} is not valid. {problems}")


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


def parse_policy(
    text: str, *, name: str = "(policy)", policy_type: str = IDENTITY_POLICY, resource_type: str | None = None
) -> PolicyDocument:
    """Parse a policy document from its JSON text.

    ``name`` names the document in messages. ``policy_type`` (one of :data:`POLICY_TYPES`) decides
    the checks that depend on it: an identity policy needs ``Resource`` and must not have
    ``Principal``; a resource policy needs ``Principal``, and ``Resource`` too unless ``resource_type``
    (ValidatePolicy's ``validatePolicyResourceType``) says it is a role's trust policy. Raises
    :class:`PolicyDocumentError` for a JSON syntax error, and :class:`~policygen.errors.PolicyLimitError`
    for a document too large, too deep or with a number past reading (:mod:`policygen.policy.reading`);
    every other problem is in the document's ``problems``.
    """
    if policy_type not in POLICY_TYPES:
        raise InvalidArgumentError(f"The policy type {policy_type!r} is not one of {', '.join(POLICY_TYPES)}.")
    try:
        value = load_json(text, name, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise document_error(name, [_syntax_finding(text, exc.pos, exc.msg)]) from exc
    except _InvalidConstantError as exc:
        match = _CONSTANT.search(text)
        raise document_error(name, [_syntax_finding(text, match.start() if match else 0, str(exc))]) from exc
    source_map = SourceMap(text)
    version, statements, problems = GrammarReader(value, source_map, policy_type, resource_type).read()
    return PolicyDocument(name, text, value, version, statements, problems, source_map)


def read_policy(path: str | Path, *, policy_type: str = IDENTITY_POLICY) -> PolicyDocument:
    """Parse the policy document in a file (UTF-8); a file that cannot be read raises :class:`PolicyDocumentError`.

    Only a regular file of at most 1 MiB of UTF-8 without NUL bytes is read (not a pipe or a device,
    which could wait or stream forever): :func:`policygen.spec.reading.read_text`.
    """
    path = Path(path)
    text, problem = read_text(path, POLICY_FILE)
    if text is None:
        reason = problem.message if problem is not None else "it cannot be read."
        message = f"The policy file {path} could not be read: {reason}"
        raise document_error(str(path), (), message=message)
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
