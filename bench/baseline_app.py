"""The baseline CDKTF app: N plain ``terraform_data`` resources, built the way policygen builds its own.

Each resource is a ``cdktf.TerraformResource`` subclass that overrides ``_synthesize_attributes``
(as policygen's hand-written binding does), carries a request of the same shape and size as a
policy generation in its ``input``, and has one ``TerraformOutput`` of its id, as a
``PolicyGeneration`` has one of its job id. What this app does not do is what policygen adds:
read and validate a spec file, check every request, install the provider launcher.

Environment: ``BENCH_SIZE`` (number of resources), ``CDKTF_OUTDIR`` (where to synthesize).
"""

from __future__ import annotations

import os
from typing import Any

import cdktf
from constructs import Construct

ACCOUNT = "123456789012"


class TerraformData(cdktf.TerraformResource):
    """``resource "terraform_data"`` with an ``input`` value (Terraform's built-in provider)."""

    def __init__(self, scope: Construct, id: str, *, input: dict[str, Any]) -> None:
        super().__init__(
            scope,
            id,
            terraform_resource_type="terraform_data",
            terraform_generator_metadata=cdktf.TerraformProviderGeneratorMetadata(provider_name="terraform"),
        )
        self.input = input

    def _synthesize_attributes(self) -> dict[str, Any]:
        return {"input": self.input}


def request(index: int) -> dict[str, Any]:
    """A value the size of one generation's attributes."""
    return {
        "principal_arn": f"arn:aws:iam::{ACCOUNT}:role/role-{index:04d}",
        "access_role": f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole",
        "trails": [
            {"cloud_trail_arn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management", "regions": ["us-east-1"]}
        ],
        "lookback_days": 7,
    }


def main() -> None:
    """Synthesize the baseline stack."""
    app = cdktf.App()
    stack = cdktf.TerraformStack(app, "baseline")
    for index in range(int(os.environ["BENCH_SIZE"])):
        name = f"role_{index:04d}"
        resource = TerraformData(stack, name, input=request(index))
        output = cdktf.TerraformOutput(stack, f"{name}_id", value=resource.get_string_attribute("id"))
        output.override_logical_id(f"{name}_id")
    app.synth()


if __name__ == "__main__":
    main()
