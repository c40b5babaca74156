"""``data "accessanalyzer_generated_policy"``: the policies a finished job generated, as JSON strings.

The second half of the two-phase workflow: apply starts the job, a reviewer reads the draft, a
later apply feeds ``policies`` into an ``aws_iam_policy``. While the job is still running the data
source returns its status with no policies, and says so in a warning.
"""

from __future__ import annotations

from typing import Any

from tf.iface import Config, DataSource, ReadDataContext, State
from tf.schema import Schema

from policygen._names import GENERATED_POLICY_TYPE, PROVIDER_TYPE
from policygen.provider.diagnostics import ProviderContext, diagnosed
from policygen.provider.job_fields import job_fields
from policygen.provider.types import schema_attribute
from policygen.spec.attributes import GENERATED_POLICY


class GeneratedPolicyDataSource(DataSource):
    """GetGeneratedPolicy for one job."""

    def __init__(self, provider: ProviderContext) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return GENERATED_POLICY_TYPE.removeprefix(f"{PROVIDER_TYPE}_")

    @classmethod
    def get_schema(cls) -> Schema:
        return Schema(
            version=1,
            description="The policies an Access Analyzer policy generation job generated (GetGeneratedPolicy).",
            attributes=[schema_attribute(a) for a in GENERATED_POLICY],
        )

    @diagnosed(fallback=lambda config: None)
    def read(self, ctx: ReadDataContext, config: Config) -> State | None:
        response = self.provider.service.get(
            config["job_id"],
            placeholders=bool(config.get("include_resource_placeholders")),
            service_level=bool(config.get("include_service_level_template")),
        )
        details = response["jobDetails"]
        result: dict[str, Any] = response.get("generatedPolicyResult") or {}
        policies = [p["policy"] for p in result.get("generatedPolicies") or []]
        if details["status"] != "SUCCEEDED":
            ctx.diagnostics.add_warning(
                f"Policy generation {config['job_id']} is {details['status']}",
                "Its policies are available once it has SUCCEEDED; until then `policies` is empty. "
                f"Follow it with `policygen wait {config['job_id']}` and apply again.",
                path=["job_id"],
            )
        return {
            **config,
            **job_fields(details),
            "is_complete": bool(result.get("properties", {}).get("isComplete", False)),
            "policies": policies,
        }


__all__ = ["GeneratedPolicyDataSource"]
