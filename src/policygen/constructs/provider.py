"""The provider binding: ``provider "accessanalyzer"`` and its ``required_providers`` entry."""

from __future__ import annotations

from typing import Any

import cdktf
from constructs import Construct

from policygen._names import PROVIDER_SOURCE, PROVIDER_TYPE, PROVIDER_VERSION


class AccessAnalyzerProvider(cdktf.TerraformProvider):
    """The ``terraform.local/policygen/accessanalyzer`` provider.

    :param region: AWS Region of Access Analyzer. Default: boto3's chain (``AWS_REGION``, profile).
    :param profile: Named AWS profile. Default: boto3's chain (``AWS_PROFILE``).
    :param endpoint: Endpoint URL. Default: ``AWS_ENDPOINT_URL_ACCESSANALYZER``, else the Region's.
    :param alias: Alias, for several Regions or accounts in one stack. Default: the default provider.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        region: str | None = None,
        profile: str | None = None,
        endpoint: str | None = None,
        alias: str | None = None,
    ) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type=PROVIDER_TYPE,
            terraform_generator_metadata=cdktf.TerraformProviderGeneratorMetadata(
                provider_name=PROVIDER_TYPE, provider_version_constraint=PROVIDER_VERSION
            ),
            terraform_provider_source=PROVIDER_SOURCE,
        )
        self.region = region
        self.profile = profile
        self.endpoint = endpoint
        self._alias = alias

    @property  # type: ignore[misc]  # jsii declares alias read-write; the provider's alias is fixed at construction
    def alias(self) -> str | None:
        return self._alias

    def _synthesize_attributes(self) -> dict[str, Any]:
        return {"region": self.region, "profile": self.profile, "endpoint": self.endpoint, "alias": self._alias}

    def _synthesize_hcl_attributes(self) -> dict[str, Any]:
        return {
            key: {"value": value, "type": "simple", "storageClassType": "string"}
            for key, value in self._synthesize_attributes().items()
            if value is not None
        }
