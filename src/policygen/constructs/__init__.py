"""The constructs, for CDK for Terraform (cdktf) and CDK Terrain (cdktn) apps alike (see ``framework``).

May import: :mod:`policygen.errors`, ``_names``, :mod:`policygen.spec`, :mod:`policygen.aws` (the IAM
policies), :mod:`policygen.policy`, :mod:`policygen.review` (the quota estimate),
:mod:`policygen.distribution` (the development launcher) and :mod:`policygen.provider.rules` (the
provider's tf-free rules, so that a block is judged alike at synth and at plan). Must not import boto3's
client, tf, or the rest of the provider.
"""

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
