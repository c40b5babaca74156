"""The provider block's ``assume_role { ... }``: its schema (the rules are in rules/assume_role.py)."""

from __future__ import annotations

from tf.schema import Attribute, Block, NestedBlock, NestMode
from tf.types import List, Map, String

from policygen.provider.rules.assume_role import assume_role_of, assume_role_problems

#: ``assume_role { role_arn, session_name, external_id, duration, policy, policy_arns, tags, ... }``.
ASSUME_ROLE_BLOCK = NestedBlock(
    "assume_role",
    NestMode.Single,
    Block(
        description="A role to assume (sts:AssumeRole) with the provider's credentials before calling Access "
        "Analyzer: jobs then run in the role's account. The credentials are refreshed before they expire.",
        attributes=[
            Attribute("role_arn", String(), required=True, description="ARN of the role to assume."),
            Attribute("session_name", String(), optional=True, description="RoleSessionName. Default: `policygen`."),
            Attribute(
                "external_id",
                String(),
                optional=True,
                description="ExternalId, when the role's trust policy asks for one (sts:ExternalId).",
            ),
            Attribute(
                "duration",
                String(),
                optional=True,
                description="How long the credentials last, e.g. `1h` (15m to 12h, at most the role's maximum). "
                "Default: the role's default (one hour).",
            ),
            Attribute("policy", String(), optional=True, description="A session policy (JSON) that narrows the role."),
            Attribute("policy_arns", List(String()), optional=True, description="Managed session policies' ARNs."),
            Attribute("tags", Map(String()), optional=True, description="Session tags."),
            Attribute(
                "transitive_tag_keys", List(String()), optional=True, description="Session tags kept when chaining."
            ),
            Attribute("source_identity", String(), optional=True, description="SourceIdentity of the session."),
        ],
    ),
)

__all__ = ["ASSUME_ROLE_BLOCK", "assume_role_of", "assume_role_problems"]
