"""The hand-written binding of the ``accessanalyzer_policy_generation`` resource.

Generated bindings describe each attribute twice: once for JSON synthesis (``cdk.tf.json``) and
once, with its Terraform type, for ``cdktf synth --hcl`` (``cdk.tf``). Here both come from one
table (:func:`hcl_attribute` and :class:`Attr`), so that the two outputs cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import cdktf
from constructs import Construct

from policygen._names import POLICY_GENERATION_TYPE, PROVIDER_TYPE, PROVIDER_VERSION
from policygen.spec import Spec

#: The kinds of value an attribute holds, as cdktf's HCL renderer names them.
Kind = Literal["string", "number", "boolean", "stringList", "stringMap", "objectList"]


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
    return {"value": attr.value, "isBlock": False, "type": "simple", "storageClassType": attr.kind}


def json_attributes(attrs: Mapping[str, Attr]) -> dict[str, Any]:
    """The attributes as ``cdk.tf.json`` spells them."""
    return {
        name: [json_attributes(item) for item in attr.value] if attr.kind == "objectList" else attr.value
        for name, attr in attrs.items()
        if attr.value is not None
    }


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


class PolicyGenerationResource(cdktf.TerraformResource):
    """``resource "accessanalyzer_policy_generation"`` for one spec. Prefer :class:`PolicyGeneration`.

    :param spec: the request (its ``name`` is not synthesized: it names the construct).
    :param wait_for_completion: synthesize ``wait_for_completion = true``: create returns once the job
        has SUCCEEDED. Default: False, left out (create returns as soon as the job has started).
    :param wait_timeout: how long the wait may take, e.g. ``"45m"``. Default: left out, the
        provider's default applies.
    :param provider: the provider configuration. Default: the stack's default (unaliased) one.
    """

    TF_RESOURCE_TYPE = POLICY_GENERATION_TYPE

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: Spec,
        wait_for_completion: bool = False,
        wait_timeout: str | None = None,
        provider: cdktf.TerraformProvider | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type=POLICY_GENERATION_TYPE,
            terraform_generator_metadata=cdktf.TerraformProviderGeneratorMetadata(
                provider_name=PROVIDER_TYPE, provider_version_constraint=PROVIDER_VERSION
            ),
            provider=provider,
        )
        self.spec = spec
        self.wait_for_completion = wait_for_completion
        self.wait_timeout = wait_timeout

    @property
    def job_id(self) -> str:
        """The job id (a token until apply)."""
        return str(self.get_string_attribute("job_id"))

    @property
    def status(self) -> str:
        """The job status as of the last apply or refresh (a token)."""
        return str(self.get_string_attribute("status"))

    def attributes(self) -> dict[str, Attr]:
        """The configuration of this resource, attribute by attribute (None: left out)."""
        spec = self.spec
        trails = [
            {
                "cloud_trail_arn": Attr(t.cloud_trail_arn, "string"),
                "regions": Attr(list(t.regions) or None, "stringList"),
                "all_regions": Attr(t.all_regions, "boolean"),
            }
            for t in spec.trails
        ]
        return {
            "principal_arn": Attr(spec.principal_arn, "string"),
            "access_role": Attr(spec.access_role, "string"),
            "trails": Attr(trails, "objectList"),
            "start_time": Attr(spec.start_time, "string"),
            "lookback_days": Attr(spec.lookback_days, "number"),
            "end_time": Attr(spec.end_time, "string"),
            "client_token": Attr(spec.client_token, "string"),
            "triggers": Attr(dict(spec.triggers) or None, "stringMap"),
            "wait_for_completion": Attr(True if self.wait_for_completion else None, "boolean"),
            "wait_timeout": Attr(self.wait_timeout, "string"),
        }

    def _synthesize_attributes(self) -> dict[str, Any]:
        return json_attributes(self.attributes())

    def _synthesize_hcl_attributes(self) -> dict[str, Any]:
        return hcl_attributes(self.attributes())

    def to_hcl_terraform(self) -> Any:
        """This resource for ``cdktf synth --hcl``, with its provider written as a reference."""
        return unquote_provider(super().to_hcl_terraform())
