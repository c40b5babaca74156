"""CDK for Terraform constructs: ``PolicyGeneration``, ``GeneratedPolicy`` and the provider binding."""

from policygen.constructs.generated_policy import GeneratedPolicy
from policygen.constructs.policy_generation import PolicyGeneration, PolicyGenerations, TrailSpec
from policygen.constructs.provider import AccessAnalyzerProvider

__all__ = ["AccessAnalyzerProvider", "GeneratedPolicy", "PolicyGeneration", "PolicyGenerations", "TrailSpec"]
