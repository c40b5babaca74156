"""policygen: IAM Access Analyzer policy generation, declared in CDK for Terraform and Terraform.

The public names are loaded on first use, so that ``python -m policygen.provider`` (which Terraform
launches several times per command) does not pay for importing cdktf.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "PolicyGeneration": "policygen.constructs",
    "PolicyGenerations": "policygen.constructs",
    "AccessAnalyzerProvider": "policygen.constructs",
    "Spec": "policygen.spec",
    "Trail": "policygen.spec",
    "load_paths": "policygen.spec",
    "install_provider": "policygen.install",
    "PolicygenError": "policygen.errors",
    "SpecError": "policygen.errors",
    "ServiceError": "policygen.errors",
    "Problem": "policygen.errors",
}

__all__ = [
    "AccessAnalyzerProvider",
    "PolicyGeneration",
    "PolicyGenerations",
    "PolicygenError",
    "Problem",
    "ServiceError",
    "Spec",
    "SpecError",
    "Trail",
    "install_provider",
    "load_paths",
]

if TYPE_CHECKING:
    from policygen.constructs import AccessAnalyzerProvider, PolicyGeneration, PolicyGenerations
    from policygen.errors import PolicygenError, Problem, ServiceError, SpecError
    from policygen.install import install_provider
    from policygen.spec import Spec, Trail, load_paths


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'policygen' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
