"""CheckNoNewAccess and CheckAccessNotGranted, offline, for identity, resource and trust policies.

Both answer PASS or FAIL with reasons in botocore's shapes (``result``, ``message``, ``reasons``
of ``description``, ``statementIndex``, ``statementId``), with AWS's own wording, and say more than
AWS does: each reason also lists the actions and resources it is about.

How CheckNoNewAccess reads access is :mod:`policygen.policy.compare`: actions expanded with the
catalogue, resources matched field by field, a resource or trust policy's principals compared,
Deny statements carving access away, conditions weighed where the answer is sure, and FAIL where
it is not. CheckAccessNotGranted asks whether an Allow may grant a listed action or resource that
no unconditional Deny surely removes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from policygen.errors import InvalidArgumentError
from policygen.policy.catalog import Catalog, get_catalog
from policygen.policy.compare import find_new_access
from policygen.policy.document import IDENTITY_POLICY, PolicyDocument, parse_policy
from policygen.policy.grants import StatementAccess, read_statements

#: The default actions CheckAccessNotGranted looks for (``policygen check --deny-actions``): actions
#: that let a principal give itself or others more access, or hide what it does. Kept short on
#: purpose, so that a draft that trips it deserves a human look:
SENSITIVE_ACTIONS: tuple[str, ...] = (
    # Privilege escalation through IAM: new credentials for another user, or more policy for anyone.
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AddUserToGroup",
    # Lets a principal make a role trust it (or anyone).
    "iam:UpdateAssumeRolePolicy",
    # Opens data to other accounts or to the public.
    "s3:PutBucketPolicy",
    "s3:PutBucketAcl",
    # Takes over or destroys a KMS key, and with it the data it protects.
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    # Escapes the organisation's service control policies.
    "organizations:LeaveOrganization",
    # Blinds the audit trail (and policy generation, which reads it).
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
)
# Left out on purpose: iam:PassRole (ValidatePolicy's PASS_ROLE_* findings judge how it is scoped, and
# drafts never contain it), sts:AssumeRole (the target role's trust policy decides), kms:Decrypt (any
# workload reading encrypted data needs it).

Result = Literal["PASS", "FAIL"]
_MORE = 5  # actions named in a reason before "and N more"


@dataclass(frozen=True)
class AccessReason:
    """Why a check failed, for one statement: the statement, and the actions and resources at stake."""

    description: str
    statement_index: int
    statement_id: str | None
    actions: tuple[str, ...]
    resources: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """The reason in botocore's ``ReasonSummary`` shape."""
        reason: dict[str, object] = {"description": self.description, "statementIndex": self.statement_index}
        if self.statement_id:
            reason["statementId"] = self.statement_id
        return reason


@dataclass(frozen=True)
class AccessCheckResult:
    """The answer of CheckNoNewAccess or CheckAccessNotGranted."""

    result: Result
    message: str
    reasons: tuple[AccessReason, ...]

    @property
    def passed(self) -> bool:
        """Whether the result is PASS."""
        return self.result == "PASS"

    def to_dict(self) -> dict[str, object]:
        """The result in botocore's ``CheckNoNewAccessResponse`` / ``CheckAccessNotGrantedResponse`` shape."""
        response: dict[str, object] = {"result": self.result, "message": self.message}
        if self.reasons:
            response["reasons"] = [reason.to_dict() for reason in self.reasons]
        return response


@dataclass(frozen=True)
class Access:
    """Access that must not be granted (botocore's ``Access``): actions, resources, or both."""

    actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.actions and not self.resources:
            raise InvalidArgumentError("An Access needs at least one action or one resource to check for.")


def check_no_new_access(
    new: str | PolicyDocument,
    existing: str | PolicyDocument,
    *,
    policy_type: str = IDENTITY_POLICY,
    catalog: Catalog | None = None,
) -> AccessCheckResult:
    """Whether ``new`` grants any access that ``existing`` does not (PASS when it grants none).

    Both are policies as JSON text (parsed as ``policy_type``) or parsed documents; a policy with
    grammar errors raises :class:`~policygen.policy.document.PolicyDocumentError`. For a resource
    policy (``RESOURCE_POLICY``, trust policies included) the statements' principals are compared too.
    """
    catalog = catalog or get_catalog()
    new_statements = read_statements([_document(new, "new policy", policy_type)], catalog)
    old_statements = read_statements([_document(existing, "existing policy", policy_type)], catalog)
    found = {
        index: (entry.grant, entry.actions, entry.resources)
        for index, entry in find_new_access(
            new_statements, old_statements, catalog, principals=policy_type != IDENTITY_POLICY
        ).items()
    }
    if not found:
        return AccessCheckResult(
            "PASS", "The modified permissions do not grant new access compared to your existing policy.", ()
        )
    reasons = tuple(
        _reason(
            f"New access in the statement with {grant.statement.label}.",
            grant,
            actions,
            resources,
            "that the existing policy does not grant",
        )
        for grant, actions, resources in (found[i] for i in sorted(found))
    )
    return AccessCheckResult(
        "FAIL", "The modified permissions grant new access compared to your existing policy.", reasons
    )


def check_access_not_granted(
    policy: str | PolicyDocument,
    access: Access | Sequence[Access],
    *,
    policy_type: str = IDENTITY_POLICY,
    catalog: Catalog | None = None,
) -> AccessCheckResult:
    """Whether ``policy`` grants none of the listed access (PASS when it grants none of it).

    Each :class:`Access` asks, as AWS's API does: with actions only, for any of them on any
    resource; with resources only, for any action on any of them; with both, for any of the
    actions on any of the resources. Listed actions may use wildcards (``iam:Put*Policy``).
    ``policy_type`` and errors are as for :func:`check_no_new_access`.
    """
    catalog = catalog or get_catalog()
    items = [access] if isinstance(access, Access) else list(access)
    statements = read_statements([_document(policy, "policy", policy_type)], catalog)
    denies = [s for s in statements if s.statement.is_deny]
    found: dict[int, tuple[StatementAccess, set[str], set[str]]] = {}
    for item in items:
        wanted = [a.lower() for a in item.actions]
        for grant in (s for s in statements if s.statement.is_allow):
            actions = _listed_actions(grant, wanted, catalog) if wanted else set(_granted_actions(grant, catalog))
            resources = (
                [r for r in item.resources if grant.may_apply_to_resource(r)]
                if item.resources
                else list(grant.granted_resources)
            )
            for action in actions:
                for resource in resources:
                    if not any(_removes(deny, action, resource, catalog) for deny in denies):
                        entry = found.setdefault(grant.statement.index, (grant, set(), set()))
                        entry[1].add(catalog.canonical(action) or action)
                        entry[2].add(resource)
    listed = _listed_kind(items)
    if not found:
        return AccessCheckResult(
            "PASS", f"The policy document does not grant access to perform the listed {listed}.", ()
        )
    reasons = tuple(
        _reason(
            f"One or more of the listed {listed} in the statement with {grant.statement.label}.",
            grant,
            actions,
            resources,
            "",
        )
        for grant, actions, resources in (found[i] for i in sorted(found))
    )
    return AccessCheckResult(
        "FAIL", f"The policy document grants access to perform one or more of the listed {listed}.", reasons
    )


def _document(policy: str | PolicyDocument, name: str, policy_type: str) -> PolicyDocument:
    parsed = parse_policy(policy, name=name, policy_type=policy_type) if isinstance(policy, str) else policy
    return parsed.require_valid()


def _granted_actions(grant: StatementAccess, catalog: Catalog) -> list[str]:
    # Unknown actions count as written, so that an action newer than the catalogue is not lost.
    return [*sorted(grant.known_actions), *grant.unknown_actions(catalog)]


def _listed_actions(grant: StatementAccess, wanted: Sequence[str], catalog: Catalog) -> set[str]:
    actions: set[str] = set()
    for pattern in wanted:
        expanded = {name.lower() for name in catalog.expand(pattern)}
        actions.update(a for a in expanded if a in grant.known_actions)
        if not expanded and grant.may_apply_to_action(pattern, catalog):
            actions.add(pattern)
    return actions


def _removes(deny: StatementAccess, action: str, resource: str, catalog: Catalog) -> bool:
    """Whether a Deny surely removes the action on every resource the pattern names."""
    return deny.condition is None and deny.covers_action(action, catalog) and deny.covers_resource(resource)


def _still_granted(
    action: str,
    resource: str,
    grant: StatementAccess,
    *,
    allows: Sequence[StatementAccess],
    denies: Sequence[StatementAccess],
    catalog: Catalog,
) -> bool:
    """Whether the existing policy surely grants ``action`` on ``resource`` under ``grant``'s condition."""
    if any(deny.may_apply_to_action(action, catalog) and deny.may_apply_to_resource(resource) for deny in denies):
        return False
    return any(
        allow.covers_action(action, catalog)
        and allow.covers_resource(resource)
        and (allow.condition is None or allow.condition == grant.condition)
        for allow in allows
    )


def _listed_kind(items: Sequence[Access]) -> str:
    has_actions = any(item.actions for item in items)
    has_resources = any(item.resources for item in items)
    if has_actions and has_resources:
        return "actions or resources"
    return "actions" if has_actions else "resources"


def _reason(opening: str, grant: StatementAccess, actions: set[str], resources: set[str], tail: str) -> AccessReason:
    names = sorted(actions, key=str.lower)
    shown = _join([*names[:_MORE], *([f"{len(names) - _MORE} more"] if len(names) > _MORE else [])])
    places = _join(sorted(resources))
    subject = "action" if len(names) == 1 else "actions"
    detail = f" It allows the {subject} {shown} on {places}{' ' + tail if tail else ''}."
    statement = grant.statement
    return AccessReason(opening + detail, statement.index, statement.sid, tuple(names), tuple(sorted(resources)))


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
