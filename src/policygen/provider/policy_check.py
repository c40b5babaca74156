"""``data "accessanalyzer_policy_check"``: Access Analyzer's own policy checks on a draft, as a gate.

It runs ValidatePolicy on ``policy``; with ``reference``, CheckNoNewAccess (does the draft grant
anything the policy in force does not?); with ``denied_actions``, CheckAccessNotGranted. ``result``
is FAIL when a finding is at or above ``fail_on`` or a check fails, so a ``lifecycle.postcondition``
on ``result == "PASS"`` stops an adoption at plan, with ``message`` as its error.

AWS charges for CheckNoNewAccess and CheckAccessNotGranted (custom policy checks): a data source
is read on every plan and refresh, so each of those calls them once per data source.
"""

from __future__ import annotations

from typing import Any

from tf.iface import Config, DataSource, ReadDataContext, State
from tf.schema import Attribute, Schema
from tf.types import Bool, List, String

from policygen._names import POLICY_CHECK_TYPE, PROVIDER_TYPE
from policygen.provider.diagnostics import ProviderContext, diagnosed
from policygen.provider.types import ObjectList

#: Finding types of ValidatePolicy, from the most to the least severe.
SEVERITIES = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")

FINDING = ObjectList(
    {"finding_type": String(), "issue_code": String(), "details": String(), "learn_more_link": String()}
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
            attributes=[
                Attribute("policy", String(), required=True, description="The policy document (JSON) to check."),
                Attribute(
                    "reference",
                    String(),
                    optional=True,
                    description="The policy in force (JSON). When given, CheckNoNewAccess says whether `policy` "
                    "grants anything it does not (`new_access`). A custom policy check: AWS charges for it.",
                ),
                Attribute(
                    "denied_actions",
                    List(String()),
                    optional=True,
                    description="Actions `policy` must not grant, e.g. `[\"iam:PassRole\"]`; CheckAccessNotGranted "
                    "(a custom policy check, charged by AWS).",
                ),
                Attribute(
                    "fail_on",
                    String(),
                    optional=True,
                    description="The least severe finding type that fails the check: ERROR, SECURITY_WARNING, "
                    "WARNING or SUGGESTION. Default: ERROR.",
                ),
                Attribute("result", String(), computed=True, description="PASS, or FAIL (see `message`)."),
                Attribute("message", String(), computed=True, description="Why it failed, in sentences; or why not."),
                Attribute(
                    "findings",
                    FINDING,
                    computed=True,
                    description="ValidatePolicy's findings: finding_type, issue_code, details, learn_more_link.",
                ),
                Attribute(
                    "new_access",
                    Bool(),
                    computed=True,
                    description="True when `policy` grants access `reference` does not (null without `reference`).",
                ),
                Attribute(
                    "granted_denied_actions",
                    Bool(),
                    computed=True,
                    description="True when `policy` grants one of `denied_actions` (null without them).",
                ),
            ],
        )

    def validate(self, diags: Any, type_name: str, config: Config) -> None:
        super().validate(diags, type_name, config)
        fail_on = config.get("fail_on")
        if isinstance(fail_on, str) and fail_on not in SEVERITIES:
            diags.add_error(
                "Invalid fail_on",
                f"fail_on must be one of {', '.join(SEVERITIES)}, got {fail_on[:40]!r}.",
                path=["fail_on"],
            )

    @diagnosed(fallback=lambda config: None)
    def read(self, ctx: ReadDataContext, config: Config) -> State | None:
        service = self.provider.service
        findings = service.validate_policy(config["policy"])
        threshold = SEVERITIES.index(config.get("fail_on") or "ERROR")
        blocking = [f for f in findings if SEVERITIES.index(f.get("findingType", "ERROR")) <= threshold]
        reasons = [f"{f['findingType']} {f.get('issueCode', '')}: {f.get('findingDetails', '')}" for f in blocking]
        new_access = granted = None
        if config.get("reference"):
            answer = service.check_no_new_access(config["policy"], config["reference"])
            new_access = answer.get("result") == "FAIL"
            if new_access:
                reasons.append(f"It grants new access: {_reasons(answer)}")
        if config.get("denied_actions"):
            answer = service.check_access_not_granted(config["policy"], list(config["denied_actions"]))
            granted = answer.get("result") == "FAIL"
            if granted:
                reasons.append(f"It grants denied actions: {_reasons(answer)}")
        summary = f"{len(findings)} finding(s), {len(blocking)} at or above {SEVERITIES[threshold]}"
        return {
            **config,
            "result": "FAIL" if reasons else "PASS",
            "message": (" ".join(reasons) if reasons else f"The policy passes ({summary}).")[:4000],
            "findings": [
                {
                    "finding_type": f.get("findingType"),
                    "issue_code": f.get("issueCode"),
                    "details": f.get("findingDetails"),
                    "learn_more_link": f.get("learnMoreLink"),
                }
                for f in findings
            ],
            "new_access": new_access,
            "granted_denied_actions": granted,
        }


def _reasons(answer: dict[str, Any]) -> str:
    described = [r.get("description", "") for r in answer.get("reasons", []) if r.get("description")]
    return "; ".join(described) or str(answer.get("message") or "no reason given")


__all__ = ["PolicyCheckDataSource"]
