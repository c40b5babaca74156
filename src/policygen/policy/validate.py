"""ValidatePolicy, offline: the grammar, the catalogue, and AWS's best-practice checks.

:func:`validate_policy` returns the findings ValidatePolicy would, in its shapes: the grammar
problems the parser found (:mod:`policygen.policy.document`), then, statement by statement:

* unknown services and actions, from the catalogue (``INVALID_SERVICE_IN_ACTION``,
  ``INVALID_ACTION``, with a "Did you mean" when one is close), and actions or resources listed
  twice or covered by another entry (``REDUNDANT_ACTION``, ``REDUNDANT_RESOURCE``);
* resource ARNs that cannot be ARNs (``INVALID_ARN_PREFIX``, ``MISSING_ARN_FIELD``,
  ``INVALID_ARN_SERVICE_CASE``, ``WILDCARD_IN_SERVICE_NAME``);
* ``iam:PassRole`` and ``iam:CreateServiceLinkedRole`` allowed on every role (the six
  ``PASS_ROLE_*`` security warnings and six ``CREATE_SLR_*`` warnings), unless the statement
  narrows them with ``iam:PassedToService`` or ``iam:AWSServiceName``;
* condition values with wildcards under an operator that does not match them
  (``WILDCARD_WITHOUT_LIKE_OPERATOR``), identical statements (``REDUNDANT_STATEMENT``), and an
  identity policy over IAM's 6,144 characters (``POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA``);

Every issue code, finding type and message shape is AWS's; policygen's own advice on wildcards is
:mod:`policygen.policy.advice`, never a finding here.

AWS runs more than a hundred checks, many on condition keys and ARN formats per service; this
module runs the ones above. Findings come in the order of their first location in the text.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator, Sequence

from policygen.errors import PolicyDocumentError
from policygen.policy import applicability
from policygen.policy.catalog import Catalog, get_catalog
from policygen.policy.document import (
    IDENTITY_POLICY,
    Entry,
    PolicyDocument,
    Statement,
    parse_policy,
)
from policygen.policy.findings import Finding, FindingType, finding
from policygen.policy.grants import StatementAccess
from policygen.policy.wildcards import contains, has_wildcard
from policygen.spec.arns import parse_arn

#: IAM's quota for a managed policy, in characters not counting white space.
IDENTITY_POLICY_QUOTA = 6144

_ACTION = re.compile(r"[A-Za-z0-9*?_-]+:[A-Za-z0-9*?]+")
_LIKE_FREE_OPERATORS = (
    "stringequals",
    "stringnotequals",
    "stringequalsignorecase",
    "stringnotequalsignorecase",
    "arnequals",
    "arnnotequals",
)

# (action, finding prefix, the condition key that narrows it), and each family's findingDetails.
_ROLE_ACTIONS = (
    ("iam:PassRole", "PASS_ROLE", "iam:passedtoservice"),
    ("iam:CreateServiceLinkedRole", "CREATE_SLR", "iam:awsservicename"),
)
_NARROW_ROLE_ADVICE = (
    "We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement."
)
_ROLE_DETAILS = {
    "PASS_ROLE_WITH_STAR_IN_RESOURCE": (
        "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it allows "
        f"iam:PassRole permissions on multiple resources. {_NARROW_ROLE_ADVICE}"
    ),
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE": (
        "Using wildcards (*) in the action and the resource can be overly permissive because it allows iam:PassRole "
        f"permissions on all resources. {_NARROW_ROLE_ADVICE}"
    ),
    "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION": (
        "Using a resource with wildcards (*) and NotAction can be overly permissive because it allows iam:PassRole "
        f"permissions on all resources. {_NARROW_ROLE_ADVICE}"
    ),
    "PASS_ROLE_WITH_NOT_RESOURCE": (
        "Using the iam:PassRole action with NotResource can be overly permissive because it can allow iam:PassRole "
        "permissions on multiple resources. We recommend that you specify resource ARNs instead."
    ),
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE": (
        "Using an action with a wildcard (*) and NotResource can be overly permissive because it can allow "
        "iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs instead."
    ),
    "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE": (
        "Using NotAction with NotResource can be overly permissive because it can allow iam:PassRole permissions on "
        "multiple resources. We recommend that you specify resource ARNs instead."
    ),
    "CREATE_SLR_WITH_STAR_IN_RESOURCE": (
        "Using the iam:CreateServiceLinkedRole action with wildcards (*) in the resource can allow creation of "
        "unintended service-linked roles. We recommend that you specify resource ARNs instead."
    ),
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE": (
        "Using wildcards (*) in the action and the resource can allow creation of unintended service-linked roles "
        "because it allows iam:CreateServiceLinkedRole permissions on all resources. We recommend that you specify "
        "resource ARNs instead."
    ),
    "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION": (
        "Using a resource with wildcards (*) and NotAction can allow creation of unintended service-linked roles "
        "because it allows iam:CreateServiceLinkedRole permissions on all resources. We recommend that you specify "
        "resource ARNs instead."
    ),
    "CREATE_SLR_WITH_NOT_RESOURCE": (
        "Using the iam:CreateServiceLinkedRole action with NotResource can allow creation of unintended "
        "service-linked roles for multiple resources. We recommend that you specify resource ARNs instead."
    ),
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE": (
        "Using an action with a wildcard(*) and NotResource can allow creation of unintended service-linked roles "
        "because it can allow iam:CreateServiceLinkedRole permissions on multiple resources. We recommend that you "
        "specify resource ARNs instead."
    ),
    "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE": (
        "Using NotAction with NotResource can allow creation of unintended service-linked roles because it allows "
        "iam:CreateServiceLinkedRole permissions on multiple resources. We recommend that you specify resource ARNs "
        "instead."
    ),
}


def validate_policy(
    policy: str | PolicyDocument,
    *,
    policy_type: str = IDENTITY_POLICY,
    catalog: Catalog | None = None,
    resource_type: str | None = None,
) -> list[Finding]:
    """The ValidatePolicy findings of a policy (JSON text, or a parsed document).

    Broken JSON gives one ``JSON_SYNTAX_ERROR`` finding rather than an exception, as the API does.
    ``policy_type`` applies to text only (a parsed document was parsed for its type already);
    ``resource_type`` is ValidatePolicy's ``validatePolicyResourceType`` for a resource policy.
    """
    try:
        document = (
            parse_policy(policy, policy_type=policy_type, resource_type=resource_type)
            if isinstance(policy, str)
            else policy
        )
    except PolicyDocumentError as exc:
        return [f for f in exc.findings if isinstance(f, Finding)]
    return _Validator(document, catalog or get_catalog(), policy_type, resource_type).run()


class _Validator:
    def __init__(
        self, document: PolicyDocument, catalog: Catalog, policy_type: str, resource_type: str | None = None
    ) -> None:
        self.resource_type = resource_type
        self.doc = document
        self.catalog = catalog
        self.policy_type = policy_type
        self.findings: list[Finding] = list(document.problems)

    def add(self, code: str, details: str, *pointers: tuple[str | int, ...], key: bool = False) -> None:
        self.findings.append(finding(code, details, *(self.doc.locate(p, key=key) for p in pointers)))

    def run(self) -> list[Finding]:
        read: list[StatementAccess] = []
        for statement in self.doc.statements:
            self._actions(statement)
            self._resources(statement)
            self._conditions(statement)
            for code, details, pointer in applicability.problems(statement, self.catalog, self.resource_type):
                self.add(code, details, pointer)
            if statement.effect and statement.actions is not None:
                access = StatementAccess.of(statement, self.catalog)
                self._roles(access)
                self._redundant_statement(access, read)
                read.append(access)
        self._size()
        return sorted(self.findings, key=lambda f: f.locations[0].span.start.offset if f.locations else 0)

    # Actions -----------------------------------------------------------------------------------

    def _actions(self, statement: Statement) -> None:
        entries = statement.actions or ()
        for entry in entries:
            self._action(entry)
        self._redundant(entries, kind="action", key=str.lower, covers=self._action_covers)

    def _action(self, entry: Entry) -> None:
        action = entry.value
        if action == "*":
            return
        if not _ACTION.fullmatch(action):
            self.add(
                "INVALID_ACTION",
                f"The action {action} is not valid. Write an action as service:ActionName, for example s3:GetObject.",
                entry.pointer,
            )
            return
        service, name = action.split(":", 1)
        if not has_wildcard(service) and not self.catalog.is_known_service(service):
            hint = _did_you_mean(service.lower(), self.catalog.services)
            self.add(
                "INVALID_SERVICE_IN_ACTION",
                f"The service {service} specified in the action does not exist.{hint}",
                entry.pointer,
            )
        elif not self.catalog.expand(action):
            names = [n.split(":", 1)[1] for n in self.catalog.actions(service)] if not has_wildcard(service) else []
            hint = "" if has_wildcard(name) else _did_you_mean(name, names, prefix=f"{service.lower()}:")
            what = "matches no action" if has_wildcard(action) else "does not exist"
            self.add("INVALID_ACTION", f"The action {action} {what}.{hint}", entry.pointer)

    def _action_covers(self, outer: str, inner: str) -> bool:
        inner_actions = self.catalog.expand(inner)
        return bool(inner_actions) and inner_actions <= self.catalog.expand(outer)

    # Resources ---------------------------------------------------------------------------------

    def _resources(self, statement: Statement) -> None:
        entries = statement.resources or ()
        for entry in entries:
            self._arn(entry)
        self._redundant(entries, kind="resource", key=str, covers=contains)

    def _arn(self, entry: Entry) -> None:
        resource = entry.value
        if resource == "*":
            return
        fields = resource.count(":") + 1
        if fields >= 6 and not resource.startswith("arn:"):
            self.add(
                "INVALID_ARN_PREFIX", f"Add the required prefix (arn) to the resource ARN {resource}.", entry.pointer
            )
            return
        arn = parse_arn(resource)
        if arn is None:
            # AWS answers MISSING_ARN_FIELD for text that is not an ARN at all ("my-bucket"), not INVALID_ARN_PREFIX.
            self.add(
                "MISSING_ARN_FIELD",
                "Resource ARNs must include at least 6 fields in the following structure: "
                f"arn:partition:service:region:account:resource. The ARN {resource} has {fields}.",
                entry.pointer,
            )
            return
        service = arn.service
        if has_wildcard(service):
            self.add(
                "WILDCARD_IN_SERVICE_NAME",
                "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to other "
                "AWS services with similar names.",
                entry.pointer,
            )
        elif service != service.lower():
            self.add(
                "INVALID_ARN_SERVICE_CASE",
                f"Update the service name {service} in the resource ARN to use all lowercase letters.",
                entry.pointer,
            )

    def _redundant(
        self, entries: Sequence[Entry], *, kind: str, key: Callable[[str], str], covers: Callable[[str, str], bool]
    ) -> None:
        normal, cover = key, covers
        for i, entry in enumerate(entries):
            for j, other in enumerate(entries):
                if i == j:
                    continue
                duplicate = normal(entry.value) == normal(other.value)
                # Of two equal entries the later is the redundant one; a covered entry is redundant wherever it is.
                if (duplicate and j < i) or (not duplicate and cover(normal(other.value), normal(entry.value))):
                    if kind == "action":
                        details = (
                            "The action(s) are redundant because they provide similar permissions. Update the policy "
                            f"to remove the redundant action such as: {entry.value} (already allowed by {other.value})."
                        )
                        self.add("REDUNDANT_ACTION", details, entry.pointer)
                    else:
                        details = (
                            "The resource ARN(s) are redundant because they reference the same resource. Review the "
                            f"use of wildcards (*): {entry.value} is already covered by {other.value}."
                        )
                        self.add("REDUNDANT_RESOURCE", details, entry.pointer)
                    break

    # Conditions --------------------------------------------------------------------------------

    def _conditions(self, statement: Statement) -> None:
        for operator, keys in (statement.condition or {}).items():
            base = operator.lower().removeprefix("forallvalues:").removeprefix("foranyvalue:").removesuffix("ifexists")
            if base not in _LIKE_FREE_OPERATORS:
                continue
            for condition_key, values in keys.items():
                listed = values if isinstance(values, list) else [values]
                if any(isinstance(v, str) and has_wildcard(v) for v in listed):
                    self.add(
                        "WILDCARD_WITHOUT_LIKE_OPERATOR",
                        f"Your condition value for {condition_key} includes a * or ? character. If you meant to use a "
                        f"wildcard (*, ?), update the condition operator {operator} to include Like.",
                        (*statement.pointer, "Condition", operator, condition_key),
                    )

    # Access ------------------------------------------------------------------------------------

    def _roles(self, access: StatementAccess) -> None:
        statement = access.statement
        if not statement.is_allow:
            return
        keys = {k.lower() for k in statement.condition_keys()}
        for action, prefix, narrowing in _ROLE_ACTIONS:
            if narrowing in keys or action.lower() not in access.known_actions:
                continue
            how, action_pointers = self._how_allowed(statement, action)
            if statement.not_resource:
                where, resource_pointers = "NOT_RESOURCE", [(*statement.pointer, "NotResource")]
            else:
                stars = [e.pointer for e in statement.resources or () if _every_role(e.value)]
                if not stars:
                    continue
                where, resource_pointers = "STAR_IN_RESOURCE", stars[:1]
            code = _role_code(prefix, how, where)
            self.findings.append(
                finding(
                    code, _ROLE_DETAILS[code], *(self.doc.locate(p) for p in (*action_pointers, *resource_pointers))
                )
            )

    def _how_allowed(self, statement: Statement, action: str) -> tuple[str, list[tuple[str | int, ...]]]:
        if statement.not_action:
            return "NOT_ACTION", [(*statement.pointer, "NotAction")]
        entries = statement.actions or ()
        explicit = [e.pointer for e in entries if e.value.lower() == action.lower()]
        if explicit:
            return "EXPLICIT", explicit[:1]
        starred = [e.pointer for e in entries if has_wildcard(e.value) and action in self.catalog.expand(e.value)]
        return "STAR_IN_ACTION", starred[:1]

    def _redundant_statement(self, access: StatementAccess, earlier: Sequence[StatementAccess]) -> None:
        for other in earlier:
            if access.same_rule(other):
                self.add(
                    "REDUNDANT_STATEMENT",
                    "The statements are redundant because they provide identical permissions. Update the policy to "
                    f"remove the redundant statement (the statement with {access.statement.label} repeats the one "
                    f"with {other.statement.label}).",
                    access.statement.pointer,
                    other.statement.pointer,
                )
                return

    def _size(self) -> None:
        if self.policy_type != IDENTITY_POLICY:
            return
        size = len(json.dumps(self.doc.value, separators=(",", ":"), ensure_ascii=False))
        if size > IDENTITY_POLICY_QUOTA:
            self.add(
                "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
                "The characters in the identity policy, excluding whitespace, exceed the character maximum for "
                f"inline and managed policies: {size} characters, more than {IDENTITY_POLICY_QUOTA}. We recommend "
                "that you use multiple granular policies.",
                (),
            )


def _role_code(prefix: str, how: str, where: str) -> str:
    if where == "STAR_IN_RESOURCE":
        return {
            "EXPLICIT": f"{prefix}_WITH_STAR_IN_RESOURCE",
            "STAR_IN_ACTION": f"{prefix}_WITH_STAR_IN_ACTION_AND_RESOURCE",
            "NOT_ACTION": f"{prefix}_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        }[how]
    return {
        "EXPLICIT": f"{prefix}_WITH_NOT_RESOURCE",
        "STAR_IN_ACTION": f"{prefix}_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        "NOT_ACTION": f"{prefix}_WITH_NOT_ACTION_AND_NOT_RESOURCE",
    }[how]


def _every_role(resource: str) -> bool:
    """Whether a resource pattern names every IAM role (``*``, ``arn:aws:iam::*:role/*`` and the like)."""
    if resource == "*":
        return True
    arn = parse_arn(resource)
    return arn is not None and arn.service in ("iam", "*") and arn.resource in ("*", "role/*")


def _did_you_mean(word: str, candidates: Sequence[str] | frozenset[str], *, prefix: str = "") -> str:
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.75)
    return f" Did you mean {prefix}{lowered[close[0]]}?" if close else ""


def findings_at_least(findings: Sequence[Finding], threshold: str) -> Iterator[Finding]:
    """The findings whose type is ``threshold`` (``ERROR``, ``SECURITY_WARNING``, ...) or more severe."""
    level = FindingType(threshold)
    return (f for f in findings if f.finding_type.at_least(level))
