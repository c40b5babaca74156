"""ValidatePolicy findings, and the table of every check policygen runs.

The issue codes, finding types and titles are AWS's own, from the IAM User Guide's "IAM policy
validation check reference" (``access-analyzer-reference-policy-checks``), where each check's issue
code is its title in upper snake case (``Invalid action`` → ``INVALID_ACTION``) and its anchor is
the finding type and the title (``#access-analyzer-reference-policy-checks-error-invalid-action``).
Only AWS's checks are here: policygen's own advice on wildcards is :mod:`policygen.policy.advice`,
and is never a ValidatePolicy finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from policygen.policy.location import Location


class FindingType(StrEnum):
    """The impact of a finding, as ValidatePolicy names it."""

    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"

    @property
    def rank(self) -> int:
        """Higher is more severe: SUGGESTION 0, WARNING 1, SECURITY_WARNING 2, ERROR 3 (for ``--fail-on``)."""
        return _RANKS[self]

    def at_least(self, threshold: FindingType) -> bool:
        """Whether this type is as severe as ``threshold`` or more."""
        return self.rank >= threshold.rank


_RANKS = {
    FindingType.SUGGESTION: 0,
    FindingType.WARNING: 1,
    FindingType.SECURITY_WARNING: 2,
    FindingType.ERROR: 3,
}

_REFERENCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
# The reference page's anchors name the finding type this way ("General Warning" headings).
_ANCHOR_KINDS = {
    FindingType.ERROR: "error",
    FindingType.SECURITY_WARNING: "security-warning",
    FindingType.WARNING: "general-warning",
    FindingType.SUGGESTION: "suggestion",
}


@dataclass(frozen=True)
class Check:
    """One kind of finding: its issue code, finding type and title, as AWS's reference names them."""

    issue_code: str
    finding_type: FindingType
    title: str

    @property
    def learn_more_link(self) -> str:
        """AWS's page for the check: the reference page with the check's anchor."""
        slug = re.sub(r"(?<=[a-z])(?=[A-Z])", "-", self.title).lower().replace(" ", "-")
        return f"{_REFERENCE}#access-analyzer-reference-policy-checks-{_ANCHOR_KINDS[self.finding_type]}-{slug}"


_E, _S, _W, _G = FindingType.ERROR, FindingType.SECURITY_WARNING, FindingType.WARNING, FindingType.SUGGESTION

#: Every check, by issue code.
CHECKS: dict[str, Check] = {
    check.issue_code: check
    for check in (
        Check("JSON_SYNTAX_ERROR", _E, "Json syntax error"),
        Check("DATA_TYPE_MISMATCH", _E, "Data type mismatch"),
        Check("INVALID_POLICY_ELEMENT", _E, "Invalid policy element"),
        Check("INVALID_VERSION", _E, "Invalid version"),
        Check("MISSING_STATEMENT", _E, "Missing statement"),
        Check("MISSING_EFFECT", _E, "Missing effect"),
        Check("INVALID_EFFECT", _E, "Invalid effect"),
        Check("MISSING_ACTION", _E, "Missing action"),
        Check("MISSING_RESOURCE", _E, "Missing resource"),
        Check("MISSING_PRINCIPAL", _E, "Missing principal"),
        Check("UNSUPPORTED_PRINCIPAL", _E, "Unsupported principal"),
        Check("UNSUPPORTED_ELEMENT_COMBINATION", _E, "Unsupported element combination"),
        Check("UNSUPPORTED_SID", _E, "Unsupported Sid"),
        Check("UNIQUE_SIDS_REQUIRED", _E, "Unique Sids required"),
        Check("INVALID_ACTION", _E, "Invalid action"),
        Check("INVALID_SERVICE_IN_ACTION", _E, "Invalid service in action"),
        Check("INVALID_CONDITION_OPERATOR", _E, "Invalid condition operator"),
        Check("NULL_WITH_IF_EXISTS", _E, "Null with if exists"),
        Check("INVALID_ARN_PREFIX", _E, "Invalid ARN prefix"),
        Check("MISSING_ARN_FIELD", _E, "Missing ARN field"),
        Check("INVALID_ARN_SERVICE_CASE", _E, "Invalid ARN service case"),
        Check("MISMATCHED_ACTION_FOR_PRINCIPAL", _E, "Mismatched action for principal"),
        Check("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", _E, "Unsupported action for condition key"),
        Check("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", _E, "Unsupported resource ARN in policy"),
        Check("PASS_ROLE_WITH_STAR_IN_RESOURCE", _S, "Pass role with star in resource"),
        Check("PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE", _S, "Pass role with star in action and resource"),
        Check("PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", _S, "Pass role with star in resource and NotAction"),
        Check("PASS_ROLE_WITH_NOT_RESOURCE", _S, "Pass role with NotResource"),
        Check("PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", _S, "Pass role with star in action and NotResource"),
        Check("PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE", _S, "Pass role with NotAction and NotResource"),
        Check("CREATE_SLR_WITH_STAR_IN_RESOURCE", _W, "Create SLR with star in resource"),
        Check("CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE", _W, "Create SLR with star in action and resource"),
        Check("CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION", _W, "Create SLR with star in resource and NotAction"),
        Check("CREATE_SLR_WITH_NOT_RESOURCE", _W, "Create SLR with NotResource"),
        Check("CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE", _W, "Create SLR with star in action and NotResource"),
        Check("CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE", _W, "Create SLR with NotAction and NotResource"),
        Check("MISSING_VERSION", _W, "Missing version"),
        Check("UNIQUE_SIDS_RECOMMENDED", _W, "Unique Sids recommended"),
        Check("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", _W, "Policy size exceeds identity policy quota"),
        Check("WILDCARD_WITHOUT_LIKE_OPERATOR", _W, "Wildcard without like operator"),
        Check("EMPTY_ARRAY_ACTION", _G, "Empty array action"),
        Check("EMPTY_ARRAY_RESOURCE", _G, "Empty array resource"),
        Check("EMPTY_ARRAY_CONDITION", _G, "Empty array condition"),
        Check("EMPTY_OBJECT_CONDITION", _G, "Empty object condition"),
        # A Suggestion, not an Error: AWS's reference lists it so, and Access Analyzer's answers recorded
        # in awslabs/aws-cloudformation-iam-policy-validator's tests have it as SUGGESTION.
        Check("EMPTY_OBJECT_PRINCIPAL", _G, "Empty object principal"),
        Check("EMPTY_SID_VALUE", _G, "Empty Sid value"),
        Check("REDUNDANT_ACTION", _G, "Redundant action"),
        Check("REDUNDANT_RESOURCE", _G, "Redundant resource"),
        Check("REDUNDANT_STATEMENT", _G, "Redundant statement"),
        Check("WILDCARD_IN_SERVICE_NAME", _G, "Wildcard in service name"),
    )
}


@dataclass(frozen=True)
class Finding:
    """One ValidatePolicy finding: what is wrong, how much it matters, and where."""

    issue_code: str
    finding_type: FindingType
    details: str
    locations: tuple[Location, ...]
    learn_more_link: str

    def to_dict(self) -> dict[str, object]:
        """The finding in botocore's ``ValidatePolicyFinding`` shape."""
        return {
            "findingDetails": self.details,
            "findingType": self.finding_type.value,
            "issueCode": self.issue_code,
            "learnMoreLink": self.learn_more_link,
            "locations": [location.to_dict() for location in self.locations],
        }

    def __str__(self) -> str:
        where = f" ({self.locations[0]})" if self.locations else ""
        return f"{self.finding_type.value} {self.issue_code}{where}: {self.details}"


def finding(issue_code: str, details: str, *locations: Location) -> Finding:
    """A finding of a check in :data:`CHECKS`, with its type and link from the table."""
    check = CHECKS[issue_code]
    return Finding(issue_code, check.finding_type, details, tuple(locations), check.learn_more_link)
