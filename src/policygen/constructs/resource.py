"""The hand-written binding of the ``accessanalyzer_policy_generation`` resource."""

from __future__ import annotations

import functools
from typing import Any

from policygen._names import POLICY_GENERATION_TYPE, PROVIDER_TYPE, PROVIDER_VERSION
from policygen.constructs.bindings import KIND_OF, Attr, AttributeSynthesis, ProviderReference
from policygen.constructs.framework import Construct, FrameworkElement
from policygen.spec import Spec
from policygen.spec.attributes import GENERATION_SETTINGS
from policygen.spec.fields import REQUEST_FIELDS, Field


class PolicyGenerationResource(AttributeSynthesis, ProviderReference, FrameworkElement):
    """``resource "accessanalyzer_policy_generation"`` for one spec. Prefer :class:`PolicyGeneration`.

    :param spec: the request (its ``name`` is not synthesized: it names the construct).
    :param wait_for_completion: synthesize ``wait_for_completion = true``: create returns once the job
        has SUCCEEDED. Default: False, left out (create returns as soon as the job has started).
    :param wait_timeout: how long the wait may take, e.g. ``"45m"``. Default: left out, the
        provider's default applies.
    :param queue_timeout: how long create may wait for other running generations, e.g. ``"2h"``.
        Default: left out, the provider's default applies.
    :param instance_key: tells this resource apart from others with the same request (mixed into
        the derived client token). Default: None, left out.
    :param provider: the provider configuration. Default: the stack's default (unaliased) one.
    """

    TF_RESOURCE_TYPE = POLICY_GENERATION_TYPE
    framework_base = "TerraformResource"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: Spec,
        wait_for_completion: bool = False,
        wait_timeout: str | None = None,
        queue_timeout: str | None = None,
        instance_key: str | None = None,
        provider: Any = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type=POLICY_GENERATION_TYPE,
            terraform_generator_metadata=self._framework.generator_metadata(PROVIDER_TYPE, PROVIDER_VERSION),
            provider=provider,
        )
        self.spec = spec
        self.wait_for_completion = wait_for_completion
        self.wait_timeout = wait_timeout
        self.queue_timeout = queue_timeout
        self.instance_key = instance_key

    @functools.cached_property
    def job_id(self) -> str:
        """The job id (a token until apply).

        Made once: each token costs a jsii round trip, and every generation's is used by its own
        output and, twice at synth, by the stack's ``policy_generation_job_ids`` map.
        """
        return str(self.get_string_attribute("job_id"))

    @property
    def status(self) -> str:
        """The job status as of the last apply or refresh (a token)."""
        return str(self.get_string_attribute("status"))

    def attributes(self) -> dict[str, Attr]:
        """The configuration of this resource, attribute by attribute (None: left out).

        The request's fields come from the table (:mod:`policygen.spec.fields`), then the settings
        of the resource itself.
        """
        request = self.spec.attributes()
        settings = {
            "wait_for_completion": True if self.wait_for_completion else None,  # false is left out
            "wait_timeout": self.wait_timeout,
            "queue_timeout": self.queue_timeout,
            "instance_key": self.instance_key,
        }
        return {
            **{field.attribute: _attr(field, request[field.attribute]) for field in REQUEST_FIELDS},
            **{a.name: Attr(settings[a.name], KIND_OF[a.kind]) for a in GENERATION_SETTINGS},
        }


def _attr(field: Field, value: Any) -> Attr:
    """One field's value as the binding synthesizes it: an empty list or map is left out."""
    if field.kind == "objects":
        value = [{item.attribute: _attr(item, trail[item.attribute]) for item in field.items} for trail in value]
    elif field.kind == "strings":
        value = list(value or ()) or None
    elif field.kind == "string_map":
        value = dict(value or {}) or None
    return Attr(value, KIND_OF[field.kind])
