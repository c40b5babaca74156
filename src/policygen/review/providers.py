"""Where a plan's generations run: the Region and the assumed role of each one's provider configuration.

Read from the plan's ``configuration`` (``terraform show -json``): each resource names its
``provider_config_key``, and ``provider_config`` holds that configuration's expressions: a constant
``region``, a root variable's (``region = var.region``, read from the plan's ``variables``), and the
``assume_role`` block's ``role_arn`` (Terraform writes a nested block as an object, or a list of
one). The role's account is where the jobs run and whose quotas they count against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policygen.review.model import RESOURCE_TYPE

#: Where the provider finds its Region when its configuration sets none.
AT_APPLY = "AWS_REGION, AWS_DEFAULT_REGION or the profile decides at apply"


@dataclass(frozen=True)
class ProviderSetting:
    """A generation's provider configuration, as far as the plan shows it."""

    #: ``accessanalyzer`` or ``accessanalyzer.<alias>`` (module-prefixed in a module).
    key: str
    region: str | None
    #: Where the Region comes from, or why it is unknown.
    region_note: str
    #: ``assume_role.role_arn``, when the configuration assumes a role and the plan knows which.
    role_arn: str | None = None


def provider_settings(
    configuration: dict[str, Any], variables: dict[str, Any]
) -> dict[tuple[str, str], ProviderSetting]:
    """(module address, resource name) -> its :class:`ProviderSetting`, for every policy generation."""
    providers: dict[str, Any] = configuration.get("provider_config") or {}
    found: dict[tuple[str, str], ProviderSetting] = {}

    def walk(module: dict[str, Any], address: str) -> None:
        for resource in module.get("resources") or []:
            if resource.get("type") != RESOURCE_TYPE:
                continue
            key = resource.get("provider_config_key", "")
            expressions = (providers.get(key) or {}).get("expressions") or {}
            region, note = _region(expressions.get("region"), variables, root=not address)
            role = _value(_block(expressions.get("assume_role")).get("role_arn"), variables, root=not address)
            found[(address, resource["name"])] = ProviderSetting(key, region, note, role[0])
        for name, call in (module.get("module_calls") or {}).items():
            walk(call.get("module") or {}, f"{address}.module.{name}" if address else f"module.{name}")

    walk(configuration.get("root_module") or {}, "")
    return found


def _block(expression: Any) -> dict[str, Any]:
    """The expressions of a single nested block, written as an object or as a list of one."""
    if isinstance(expression, list):
        expression = expression[0] if expression else None
    return expression if isinstance(expression, dict) else {}


def _region(expression: Any, variables: dict[str, Any], *, root: bool) -> tuple[str | None, str]:
    if expression is None:
        return None, f"not set in the plan; {AT_APPLY}"
    value, source = _value(expression, variables, root=root)
    if value is not None:
        return value, source
    return None, f"from {source}, not known in the plan"


def _value(expression: Any, variables: dict[str, Any], *, root: bool) -> tuple[str | None, str]:
    """(value, where it comes from) of a string expression: a constant, or a root variable the plan holds."""
    if not isinstance(expression, dict):
        return None, "an expression"
    if "constant_value" in expression:
        value = expression["constant_value"]
        return (value if isinstance(value, str) and value else None), "from the provider configuration"
    references = expression.get("references") or []
    names = [r.removeprefix("var.") for r in references if r.startswith("var.")]
    if root and len(references) == 1 and len(names) == 1:
        value = (variables.get(names[0]) or {}).get("value")
        if isinstance(value, str) and value:
            return value, f"from {references[0]}"
    return None, ", ".join(references) or "an expression"
