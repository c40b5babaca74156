"""CDK for Terraform constructs: ``PolicyGeneration`` and its provider binding."""

from policygen.constructs.policy_generation import PolicyGeneration, PolicyGenerations
from policygen.constructs.provider import AccessAnalyzerProvider

__all__ = ["AccessAnalyzerProvider", "PolicyGeneration", "PolicyGenerations"]
