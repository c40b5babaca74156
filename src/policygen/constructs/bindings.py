"""What every hand-written binding shares: one table of attributes, synthesized as JSON and as HCL.

Generated bindings describe each attribute twice: once for JSON synthesis (``cdk.tf.json``) and
once, with its Terraform type, for ``cdktf synth --hcl`` (``cdk.tf``). Here a binding lists its
attributes once, as :class:`Attr` values, and :class:`AttributeSynthesis` derives both outputs,
so that they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from policygen.constructs.framework import Construct, FrameworkElement

#: The kinds of value an attribute holds, as cdktf's HCL renderer names them.
Kind = Literal["string", "number", "boolean", "stringList", "stringMap", "objectList", "block"]
#: How cdktf's HCL renderer names each kind of declared value (:data:`policygen.spec.attributes.Kind`).
KIND_OF: dict[str, Kind] = {
    "string": "string",
    "timestamp": "string",
    "number": "number",
    "boolean": "boolean",
    "strings": "stringList",
    "string_map": "stringMap",
    "objects": "objectList",
}


@dataclass(frozen=True)
class Attr:
    """One attribute's value and its Terraform kind; a None value is left out of the configuration."""

    value: Any
    kind: Kind


def hcl_attribute(attr: Attr) -> dict[str, Any]:
    """The form cdktf's HCL renderer expects for one attribute (as generated bindings produce it)."""
    if attr.kind == "stringList":
        return {"value": list(attr.value), "isBlock": False, "type": "list", "storageClassType": "stringList"}
    if attr.kind == "stringMap":
        return {"value": dict(attr.value), "isBlock": False, "type": "map", "storageClassType": "stringMap"}
    if attr.kind == "objectList":
        # A list(object) *attribute* (not a nested block): `trails = [{ ... }, { ... }]`.
        items = [hcl_attributes(item) for item in attr.value]
        return {"value": items, "isBlock": False, "type": "list", "storageClassType": "objectList"}
    if attr.kind == "block":
        # A single nested block (``assume_role { ... }``): its value is a mapping of Attr.
        return {"value": hcl_attributes(attr.value), "isBlock": True, "type": "struct", "storageClassType": "block"}
    return {"value": attr.value, "isBlock": False, "type": "simple", "storageClassType": attr.kind}


def _json_value(attr: Attr) -> Any:
    if attr.kind == "objectList":
        return [json_attributes(item) for item in attr.value]
    if attr.kind == "block":  # a single nested block is a JSON object in Terraform's JSON syntax
        return json_attributes(attr.value)
    return attr.value


def json_attributes(attrs: Mapping[str, Attr]) -> dict[str, Any]:
    """The attributes as ``cdk.tf.json`` spells them."""
    return {name: _json_value(attr) for name, attr in attrs.items() if attr.value is not None}


def hcl_attributes(attrs: Mapping[str, Attr]) -> dict[str, Any]:
    """The attributes as ``cdktf synth --hcl`` expects them (see :func:`hcl_attribute`)."""
    return {name: hcl_attribute(attr) for name, attr in attrs.items() if attr.value is not None}


def unquote_provider(hcl: Any) -> Any:
    """Write the ``provider`` meta-argument of resources and data sources as a reference.

    cdktf renders it as a string, ``provider = "accessanalyzer.eu"``, which Terraform accepts with a
    "Quoted references are deprecated" warning on every command; a reference is what HCL wants.
    """
    for kind in ("resource", "data"):
        for blocks in (hcl.get(kind) or {}).values():
            for attrs in blocks.values():
                if isinstance(attrs.get("provider"), str):
                    attrs["provider"] = {
                        "value": attrs["provider"],
                        "isBlock": False,
                        "type": "simple",
                        "storageClassType": "reference",
                    }
    return hcl


class AttributeSynthesis:
    """Mixin for a binding (before the cdktf class in the bases): implement :meth:`attributes`."""

    def attributes(self) -> dict[str, Attr]:
        """The binding's configuration, attribute by attribute (a None value is left out)."""
        raise NotImplementedError

    def _synthesize_attributes(self) -> dict[str, Any]:
        return json_attributes(self.attributes())

    def _synthesize_hcl_attributes(self) -> dict[str, Any]:
        return hcl_attributes(self.attributes())


class ProviderReference:
    """Mixin for resources and data sources: ``synth --hcl`` writes ``provider`` as a reference."""

    def to_hcl_terraform(self) -> Any:
        """The element for ``cdktf synth --hcl``, with its provider written as a reference."""
        return unquote_provider(super().to_hcl_terraform())  # type: ignore[misc]  # the cdktf base class


class ProviderBlock(AttributeSynthesis, FrameworkElement):
    """Base of a ``provider`` binding: the block and its ``required_providers`` entry, its alias fixed.

    A subclass calls :meth:`_declare_provider` where it would call the framework class's
    ``__init__``, and implements :meth:`attributes` (the alias is added by the framework itself).
    """

    framework_base = "TerraformProvider"

    def _declare_provider(
        self, scope: Construct, id: str, *, provider_type: str, version: str, source: str, alias: str | None
    ) -> None:
        """Create the framework's provider object of ``provider_type`` (``source``, ``version``), aliased ``alias``."""
        super().__init__(
            scope,
            id,
            terraform_resource_type=provider_type,
            terraform_generator_metadata=self._framework.generator_metadata(provider_type, version),
            terraform_provider_source=source,
        )
        self._alias = alias

    @property  # jsii declares alias read-write; the provider's alias is fixed at construction
    def alias(self) -> str | None:
        """The alias given at construction, or None for the default configuration."""
        return self._alias
