"""The constructs, for CDK for Terraform (cdktf) and CDK Terrain (cdktn) apps alike (see ``framework``)."""

from policygen.constructs.generated_policy import GeneratedPolicy
from policygen.constructs.organization import AccountProviders
from policygen.constructs.policy_check import PolicyCheck
from policygen.constructs.policy_generation import PolicyGeneration, PolicyGenerations, TrailSpec
from policygen.constructs.provider import AccessAnalyzerProvider, AssumeRoleBlock

__all__ = [
    "AccessAnalyzerProvider",
    "AccountProviders",
    "AssumeRoleBlock",
    "GeneratedPolicy",
    "PolicyCheck",
    "PolicyGeneration",
    "PolicyGenerations",
    "TrailSpec",
]
