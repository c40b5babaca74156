"""The framework binding (policygen.constructs.framework), in a cdktf app.

The same constructs in a cdktn app, and an app that mixes the two, are in tests/e2e/test_cdktn_cli.py.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import cdktf
import constructs
import pytest

from policygen import AccessAnalyzerProvider, DeployerPolicy, GeneratedPolicy, PolicyGeneration, Trail
from policygen.constructs import framework
from policygen.constructs.framework import FrameworkElement, framework_of
from tests.conftest import ROOT

REQUEST = {
    "principal_arn": "arn:aws:iam::123456789012:role/app",
    "access_role": "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole",
    "trails": [Trail("arn:aws:cloudtrail:us-east-1:123456789012:trail/management", regions=("us-east-1",))],
    "lookback_days": 7,
}


def new_stack(name: str = "test") -> cdktf.TerraformStack:
    """An empty stack in a test app of its own."""
    return cdktf.TerraformStack(cdktf.Testing.app(), name)


def test_elements_are_instances_of_the_apps_framework_classes() -> None:
    """In a cdktf app the provider, resource and data source are cdktf's classes, and policygen's."""
    stack = new_stack()
    provider = AccessAnalyzerProvider(stack, "eu", region="eu-west-1", alias="eu")
    generation = PolicyGeneration(stack, "app-role", provider=provider, **REQUEST)
    draft = GeneratedPolicy(stack, "draft", job_id=generation.job_id, provider=provider)
    assert isinstance(provider, AccessAnalyzerProvider)
    assert isinstance(provider, cdktf.TerraformProvider)
    assert isinstance(generation.resource, cdktf.TerraformResource)
    assert isinstance(draft, GeneratedPolicy)
    assert isinstance(draft, cdktf.TerraformDataSource)
    assert isinstance(generation.output, cdktf.TerraformOutput)
    assert type(provider).__name__ == "AccessAnalyzerProvider"


def test_each_class_is_made_once_per_framework() -> None:
    """Two apps get the same bound classes: made on first use, then cached."""
    one, two = new_stack("one"), new_stack("two")
    assert type(AccessAnalyzerProvider(one, "p")) is type(AccessAnalyzerProvider(two, "p"))
    assert type(PolicyGeneration(one, "g", **REQUEST).resource) is type(PolicyGeneration(two, "g", **REQUEST).resource)
    assert framework_of(one) is framework_of(two)
    assert framework_of(one).name == "cdktf"


def test_a_scope_of_neither_framework_gets_one_error_naming_the_fix() -> None:
    """A construct tree that is not a cdktf or cdktn app is refused, with the stack to pass instead."""
    root = constructs.RootConstruct("root")
    with pytest.raises(TypeError) as error:
        PolicyGeneration(root, "app-role", **REQUEST)
    message = str(error.value)
    assert "the scope 'root' is a constructs.RootConstruct" in message
    assert "nothing on its construct path comes from either" in message
    assert "cdktf.TerraformStack(cdktf.App(), 'stack')" in message


def test_a_scope_that_is_no_construct_is_refused() -> None:
    """Anything but a construct as the scope is a TypeError that says what a scope is."""
    with pytest.raises(TypeError, match=r"scope must be a construct \(a TerraformStack, or a construct inside one\)"):
        AccessAnalyzerProvider("stack", "p")  # type: ignore[arg-type]


def test_an_element_of_the_other_framework_is_refused() -> None:
    """A provider made with the other framework (here, a class from a module named cdktn) is refused."""

    class Foreign:
        """Stands in for an element of a cdktn app."""

    Foreign.__module__ = "cdktn"
    stack = new_stack()
    with pytest.raises(TypeError) as error:
        PolicyGeneration(stack, "app-role", provider=Foreign(), **REQUEST)  # type: ignore[arg-type]
    assert str(error.value).startswith("provider= (Foreign) was made with cdktn (CDK Terrain), but this construct is")


def test_plain_constructs_bind_to_the_framework_of_their_scope() -> None:
    """DeployerPolicy (a plain Construct) declares its output with the app's framework."""
    stack = new_stack()
    policy = DeployerPolicy(stack, "deployer", access_role_arns=["arn:aws:iam::123456789012:role/a"])
    assert isinstance(policy.output, cdktf.TerraformOutput)


def test_the_frameworks_have_what_the_bindings_extend() -> None:
    """Each framework installed has the base classes and the hooks policygen's elements override."""
    installed = [name for name in sorted(framework.FRAMEWORKS) if importlib.util.find_spec(name)]
    assert installed, "no framework installed"
    bases = {cls.framework_base for cls in _subclasses(FrameworkElement)}
    assert bases == {"TerraformProvider", "TerraformResource", "TerraformDataSource", "TerraformOutput"}
    for module in map(importlib.import_module, installed):
        for base in bases - {"TerraformOutput"}:
            for hook in ("_synthesize_attributes", "_synthesize_hcl_attributes", "to_hcl_terraform"):
                assert hasattr(getattr(module, base), hook), f"{module.__name__}.{base} has no {hook}"
        for name in ("App", "TerraformStack", "Lazy", "IAnyProducer", "Token", "TerraformProviderGeneratorMetadata"):
            assert hasattr(module, name), f"{module.__name__} has no {name}"


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        if "_framework" not in sub.__dict__:  # the neutral classes, not the bound ones
            found.add(sub)
        found |= _subclasses(sub)
    return found


def test_only_the_framework_module_names_cdktf_or_cdktn() -> None:
    """No module of policygen but constructs/framework.py imports or uses `cdktf` or `cdktn` by name."""
    offenders = []
    for path in sorted((ROOT / "src" / "policygen").rglob("*.py")):
        if path == Path(framework.__file__):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Name):
                names = [node.id]
            if any(name.partition(".")[0] in framework.FRAMEWORKS for name in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_importing_the_constructs_imports_no_framework() -> None:
    """`from policygen import PolicyGeneration` (and the rest) loads neither cdktf nor cdktn."""
    code = (
        "import sys\n"
        "from policygen import (AccessAnalyzerProvider, AccessAnalyzerServiceRole, DeployerPolicy,\n"
        "                       GeneratedPolicy, PolicyGeneration, PolicyGenerations)\n"
        "print(sorted(m for m in ('cdktf', 'cdktn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_packaging_keeps_the_frameworks_in_their_extras() -> None:
    """The base install has no framework, jsii or constructs; each extra brings one framework and constructs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]

    def names(requirements: list[str]) -> set[str]:
        return {requirement.split(";")[0].split("[")[0].split("=")[0].split("<")[0].split(">")[0].strip()
                for requirement in requirements}  # fmt: skip

    assert not names(project["dependencies"]) & {"cdktf", "cdktn", "jsii", "constructs"}
    assert names(extras["cdktf"]) == {"cdktf", "constructs"}
    assert names(extras["cdktn"]) == {"cdktn", "constructs"}
    assert "policygen[cdktf]" in extras["dev"]
