"""``GeneratedPolicy``: the hand-written binding of the ``accessanalyzer_generated_policy`` data source."""

from __future__ import annotations

from typing import Any

from policygen._names import GENERATED_POLICY_TYPE
from policygen.constructs.bindings import KIND_OF, Attr
from policygen.constructs.framework import Construct
from policygen.constructs.provider import AccessAnalyzerDataSource, AccessAnalyzerProvider
from policygen.spec.attributes import GENERATED_POLICY


class GeneratedPolicy(AccessAnalyzerDataSource):
    """The policies that a policy generation job generated, read at plan time (GetGeneratedPolicy).

    The second half of the two-phase workflow: one apply starts the job (:class:`PolicyGeneration`),
    a later one reads its draft, e.g. to feed ``policies`` into an ``aws_iam_policy`` or an output.
    While the job is still running, ``policies`` is empty and Terraform shows a warning.

    :param job_id: the job to read: a :attr:`PolicyGeneration.job_id` token, or a job id string.
    :param include_resource_placeholders: ask for ARN placeholders such as ``${BucketName}`` in
        ``Resource`` instead of ``*``. Default: False, left out of the configuration (``*``).
    :param include_service_level_template: ask for a service-level template (``s3:*``-style actions)
        instead of the actions used. Default: False, left out (the actions used).
    :param provider: the provider configuration whose Region and account hold the job. Default:
        the stack's default provider, added to the stack when it has none.

    It is a ``TerraformDataSource`` of the framework of ``scope``'s app (cdktf or cdktn).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        job_id: str,
        include_resource_placeholders: bool = False,
        include_service_level_template: bool = False,
        provider: AccessAnalyzerProvider | None = None,
    ) -> None:
        self._declare_data(scope, id, data_type=GENERATED_POLICY_TYPE, provider=provider)
        self.job_id = job_id
        self.include_resource_placeholders = include_resource_placeholders
        self.include_service_level_template = include_service_level_template

    @property
    def policies(self) -> list[str]:
        """The generated policy documents, each a JSON string (a token; empty until the job SUCCEEDED)."""
        return list(self.get_list_attribute("policies"))

    @property
    def is_complete(self) -> Any:
        """False when the service could not list every action used (a token, the framework's ``IResolvable``)."""
        return self.get_boolean_attribute("is_complete")

    @property
    def status(self) -> str:
        """The job's status when the data source was read: IN_PROGRESS, SUCCEEDED, FAILED or CANCELED (a token)."""
        return str(self.get_string_attribute("status"))

    def attributes(self) -> dict[str, Attr]:
        """The configuration of this data source, attribute by attribute (None: left out)."""
        values = {
            "job_id": self.job_id,
            "include_resource_placeholders": True if self.include_resource_placeholders else None,
            "include_service_level_template": True if self.include_service_level_template else None,
        }
        return {a.name: Attr(values[a.name], KIND_OF[a.kind]) for a in GENERATED_POLICY if not a.computed}
