"""``PolicyGeneration``: one Access Analyzer policy generation declared in a CDKTF stack."""

from __future__ import annotations

import os
from pathlib import Path

import cdktf
from constructs import Construct

from policygen._names import NO_INSTALL_ENV
from policygen.constructs.provider import AccessAnalyzerProvider
from policygen.constructs.resource import PolicyGenerationResource
from policygen.install import install_provider, lock_provider
from policygen.spec import Spec, load_paths, terraform_identifier

#: Construct id of the provider that is added to a stack when the user adds none.
DEFAULT_PROVIDER_ID = "accessanalyzer"


class PolicyGeneration(Construct):
    """Starts an IAM Access Analyzer policy generation when the stack is applied.

    Emits one ``accessanalyzer_policy_generation`` resource, named after the spec, and the stack
    output ``<name>_job_id``. Adds an :class:`AccessAnalyzerProvider` to the stack when it has none.

    :param spec: the validated request (see :func:`policygen.spec.load_paths`).
    :param provider: the provider to use. Default: the stack's default ``accessanalyzer`` provider,
        added on first use.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: Spec,
        provider: cdktf.TerraformProvider | None = None,
    ) -> None:
        super().__init__(scope, id)
        stack = cdktf.TerraformStack.of(self)
        self.spec = spec
        self.resource = PolicyGenerationResource(
            self, "resource", spec=spec, provider=provider or default_provider(stack)
        )
        self.resource.override_logical_id(terraform_identifier(spec.name))
        self.output = cdktf.TerraformOutput(
            self,
            spec.output_name,
            value=self.resource.job_id,
            description=f"Access Analyzer job id of the policy generation {spec.name!r} ({spec.principal_arn}).",
        )
        self.output.override_logical_id(spec.output_name)

    @property
    def job_id(self) -> str:
        """The job id StartPolicyGeneration returned (a token until apply)."""
        return self.resource.job_id

    @property
    def status(self) -> str:
        """The job status as of the last apply or refresh (a token)."""
        return self.resource.status

    @classmethod
    def from_file(cls, scope: Construct, path: str | Path) -> list[PolicyGeneration]:
        """One construct per generation in the spec file ``path`` (construct ids are the spec names).

        Raises :class:`policygen.errors.SpecError` listing every problem when the file is invalid.
        """
        return [cls(scope, spec.name, spec=spec) for spec in load_paths([path])]


class PolicyGenerations:
    """Helpers that declare many generations at once."""

    @staticmethod
    def from_directory(scope: Construct, path: str | Path) -> list[PolicyGeneration]:
        """One :class:`PolicyGeneration` per generation in the spec files of folder ``path``.

        Raises :class:`policygen.errors.SpecError` listing every problem of every file.
        """
        return [PolicyGeneration(scope, spec.name, spec=spec) for spec in load_paths([path])]


def default_provider(stack: cdktf.TerraformStack) -> AccessAnalyzerProvider:
    """The stack's default provider, added (and the launcher installed) on first use."""
    existing = stack.node.try_find_child(DEFAULT_PROVIDER_ID)
    if isinstance(existing, AccessAnalyzerProvider):
        return existing
    for child in stack.node.children:
        if isinstance(child, AccessAnalyzerProvider) and child.alias is None:
            return child
    provider = AccessAnalyzerProvider(stack, DEFAULT_PROVIDER_ID)
    _install_launcher(stack)
    return provider


def _install_launcher(stack: cdktf.TerraformStack) -> None:
    """Put the provider launcher, and its lock entry, in the stack's folder, where `terraform` runs."""
    if os.environ.get(NO_INSTALL_ENV) == "1":
        return
    workdir = Path(cdktf.App.of(stack).outdir) / "stacks" / stack.node.id
    lock_provider(workdir, install_provider(workdir / "terraform.d" / "plugins"))
