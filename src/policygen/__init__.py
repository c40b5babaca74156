"""policygen: IAM Access Analyzer policy generation, declared in CDK for Terraform, CDK Terrain and Terraform.

The public names are loaded on first use, so that ``python -m policygen.provider`` (which Terraform
launches several times per command) does not pay for the constructs, and so that a plain install
(no ``[cdktf]`` or ``[cdktn]`` extra) has the provider and the CLI without a CDK framework.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "PolicyGeneration": "policygen.constructs",
    "PolicyGenerations": "policygen.constructs",
    "AccessAnalyzerProvider": "policygen.constructs",
    "AccountProviders": "policygen.constructs",
    "GeneratedPolicy": "policygen.constructs",
    "PolicyCheck": "policygen.constructs",
    "TrailSpec": "policygen.constructs",
    "AccessAnalyzerServiceRole": "policygen.constructs.iam",
    "DeployerPolicy": "policygen.constructs.iam",
    "deployer_policy": "policygen.aws.iam",
    "Spec": "policygen.spec",
    "Trail": "policygen.spec",
    "load_paths": "policygen.spec",
    "install_provider": "policygen.distribution.launcher",
    "PolicygenError": "policygen.errors",
    "SpecError": "policygen.errors",
    "ServiceError": "policygen.errors",
    "Problem": "policygen.errors",
}

__all__ = [
    "AccessAnalyzerProvider",
    "AccessAnalyzerServiceRole",
    "AccountProviders",
    "DeployerPolicy",
    "GeneratedPolicy",
    "PolicyCheck",
    "PolicyGeneration",
    "PolicyGenerations",
    "PolicygenError",
    "Problem",
    "ServiceError",
    "Spec",
    "SpecError",
    "Trail",
    "TrailSpec",
    "deployer_policy",
    "install_provider",
    "load_paths",
]

if TYPE_CHECKING:
    from policygen.aws.iam import deployer_policy
    from policygen.constructs import (
        AccessAnalyzerProvider,
        AccountProviders,
        GeneratedPolicy,
        PolicyCheck,
        PolicyGeneration,
        PolicyGenerations,
        TrailSpec,
    )
    from policygen.constructs.iam import AccessAnalyzerServiceRole, DeployerPolicy
    from policygen.distribution.launcher import install_provider
    from policygen.errors import PolicygenError, Problem, ServiceError, SpecError
    from policygen.spec import Spec, Trail, load_paths


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'policygen' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
