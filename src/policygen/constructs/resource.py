"""The hand-written binding of the ``accessanalyzer_policy_generation`` resource."""

from __future__ import annotations

from typing import Any

import cdktf
from constructs import Construct

from policygen._names import POLICY_GENERATION_TYPE, PROVIDER_TYPE, PROVIDER_VERSION
from policygen.spec import Spec


class PolicyGenerationResource(cdktf.TerraformResource):
    """``resource "accessanalyzer_policy_generation"`` for one spec. Prefer :class:`PolicyGeneration`."""

    TF_RESOURCE_TYPE = POLICY_GENERATION_TYPE

    def __init__(
        self, scope: Construct, id: str, *, spec: Spec, provider: cdktf.TerraformProvider | None = None
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

    @property
    def job_id(self) -> str:
        """The job id (a token until apply)."""
        return str(self.get_string_attribute("job_id"))

    @property
    def status(self) -> str:
        """The job status as of the last apply or refresh (a token)."""
        return str(self.get_string_attribute("status"))

    def _synthesize_attributes(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "principal_arn": spec.principal_arn,
            "access_role": spec.access_role,
            "trails": [
                {
                    "cloud_trail_arn": t.cloud_trail_arn,
                    "regions": list(t.regions) or None,
                    "all_regions": t.all_regions,
                }
                for t in spec.trails
            ],
            "start_time": spec.start_time,
            "lookback_days": spec.lookback_days,
            "end_time": spec.end_time,
            "client_token": spec.client_token,
            "triggers": dict(spec.triggers) or None,
        }
