"""``data "accessanalyzer_policy_check"``: Access Analyzer's own policy checks on a draft, as a gate.

It runs ValidatePolicy on ``policy``; with ``reference``, CheckNoNewAccess (does the draft grant
anything the policy in force does not?); with ``denied_actions``, CheckAccessNotGranted. ``result``
is FAIL when a finding is at or above ``fail_on`` or a check fails, so a ``lifecycle.postcondition``
on ``result == "PASS"`` stops an adoption at plan, with ``message`` as its error.

AWS charges for CheckNoNewAccess and CheckAccessNotGranted (custom policy checks): a data source
is read on every plan and refresh, so each of those calls them once per data source. They are not
called for a policy whose grammar is broken (ValidatePolicy's ERROR findings fail it already).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tf.iface import Config, DataSource, ReadDataContext, State
from tf.schema import Schema
from tf.types import String

from policygen._names import POLICY_CHECK_TYPE, PROVIDER_TYPE
from policygen.errors import PolicyDocumentError
from policygen.provider.diagnostics import ProviderContext, diagnosed
from policygen.provider.types import ObjectList, schema_attribute
from policygen.spec.attributes import POLICY_CHECK

if TYPE_CHECKING:
    from policygen.policy.findings import FindingType

#: Finding types of ValidatePolicy, from the most to the least severe.

#: The custom (charged) checks, and the attribute that asks for each.
_CUSTOM_CHECKS = (("CheckNoNewAccess", "reference"), ("CheckAccessNotGranted", "denied_actions"))

FINDING = ObjectList(
    {
        "finding_type": String(),
        "issue_code": String(),
        "details": String(),
        "location": String(),
        "learn_more_link": String(),
    }
)


class PolicyCheckDataSource(DataSource):
    """ValidatePolicy, CheckNoNewAccess and CheckAccessNotGranted for one policy document."""

    def __init__(self, provider: ProviderContext) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return POLICY_CHECK_TYPE.removeprefix(f"{PROVIDER_TYPE}_")

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(
            version=1,
            description="Checks an identity policy with Access Analyzer's policy checks (ValidatePolicy, and "
            "CheckNoNewAccess / CheckAccessNotGranted when asked): a gate before adopting a draft.",
            attributes=[schema_attribute(a, FINDING) for a in POLICY_CHECK],
        )

    def validate(self, diags: Any, type_name: str, config: Config) -> None:
        super().validate(diags, type_name, config)
        from policygen.policy.findings import FindingType  # on use: every launch answers the schema, few read

        severities = tuple(t.value for t in FindingType)
        fail_on = config.get("fail_on")
        if isinstance(fail_on, str) and fail_on not in severities:
            diags.add_error(
                "Invalid fail_on",
                f"fail_on must be one of {', '.join(severities)}, got {fail_on[:40]!r}.",
                path=["fail_on"],
            )

    @diagnosed(fallback=lambda config: None)
    def read(self, ctx: ReadDataContext, config: Config) -> State | None:
        from policygen.policy.findings import FindingType

        service = self.provider.service
        policy: str = config["policy"]
        findings = service.validate_policy(policy)
        threshold = FindingType(config.get("fail_on") or FindingType.ERROR.value)
        blocking = [f for f in findings if _finding_type(f).at_least(threshold)]
        reasons = [
            f"{f['findingType']} {f.get('issueCode', '')}{_at(f)}: {f.get('findingDetails', '')}" for f in blocking
        ]
        new_access = granted = None
        custom = bool(config.get("reference") or config.get("denied_actions"))
        if custom and not _readable(policy):
            # Both checks would refuse it; its ERROR findings (which always block) say why.
            asked = [name for name, key in _CUSTOM_CHECKS if config.get(key)]
            reasons.append(
                f"{' and '.join(asked)} {'was' if len(asked) == 1 else 'were'} not run: the policy is not valid."
            )
        elif custom:
            if config.get("reference"):
                answer = service.check_no_new_access(policy, config["reference"])
                new_access = answer.get("result") == "FAIL"
                if new_access:
                    reasons.append(f"It grants access that `reference` does not: {_reasons(answer)}")
            if config.get("denied_actions"):
                answer = service.check_access_not_granted(policy, list(config["denied_actions"]))
                granted = answer.get("result") == "FAIL"
                if granted:
                    reasons.append(f"It grants one or more of `denied_actions`: {_reasons(answer)}")
        summary = f"{len(findings)} finding(s), {len(blocking)} at or above {threshold.value}"
        message = f"The policy fails the check. {' '.join(reasons)}" if reasons else f"The policy passes ({summary})."
        return {
            **config,
            "result": "FAIL" if reasons else "PASS",
            "message": message[:4000],
            "findings": [
                {
                    "finding_type": f.get("findingType"),
                    "issue_code": f.get("issueCode"),
                    "details": f.get("findingDetails"),
                    "location": _at(f).removeprefix(" at ") or None,
                    "learn_more_link": f.get("learnMoreLink"),
                }
                for f in findings
            ],
            "new_access": new_access,
            "granted_denied_actions": granted,
        }


def _finding_type(finding: dict[str, Any]) -> FindingType:
    """The finding's type; one this version does not know blocks like an ERROR (the safe side)."""
    from policygen.policy.findings import FindingType

    try:
        return FindingType(str(finding.get("findingType")))
    except ValueError:
        return FindingType.ERROR


def _at(finding: dict[str, Any]) -> str:
    """`` at line L, column C``: where the finding's first location starts, or nothing."""
    locations = finding.get("locations") or []
    if not locations:
        return ""
    start = locations[0].get("span", {}).get("start", {})
    return f" at line {start.get('line')}, column {start.get('column')}"


def _readable(policy: str) -> bool:
    """Whether the access checks can read the policy: JSON, and no error in its grammar."""
    from policygen.policy.document import parse_policy  # the grammar: only a check with a reference needs it

    try:
        parse_policy(policy).require_valid()
    except (PolicyDocumentError, ValueError):
        return False
    return True


def _reasons(answer: dict[str, Any]) -> str:
    described = [r.get("description", "") for r in answer.get("reasons", []) if r.get("description")]
    return " ".join(described) or str(answer.get("message") or "no reason given")


__all__ = ["PolicyCheckDataSource"]
