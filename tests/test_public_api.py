"""The public surface of `policygen` is what we mean it to be, and stays light to import."""

from __future__ import annotations

import subprocess
import sys

import policygen

PUBLIC = {
    "AccessAnalyzerProvider",
    "AccountProviders",
    "AccessAnalyzerServiceRole",
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
}


def test_all_is_the_intended_surface() -> None:
    """`policygen.__all__` lists exactly the public names, and each one resolves and is documented."""
    assert set(policygen.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(policygen, name).__doc__, f"{name} has no docstring"


def test_importing_policygen_does_not_import_cdktf_or_boto3() -> None:
    """`import policygen` stays cheap (the provider Terraform launches imports it several times a command)."""
    code = "import sys, policygen; print(sorted(m for m in ('cdktf', 'cdktn', 'boto3', 'jsii') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
