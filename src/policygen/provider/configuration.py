"""The provider's configuration: its ``provider "accessanalyzer"`` block, its resources and data
sources, and the state they share (see :class:`policygen.provider.diagnostics.ProviderContext`)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from tf.iface import Config, DataSource, Provider, Resource
from tf.schema import Attribute, Schema
from tf.types import Bool, Number, String
from tf.utils import Diagnostics

from policygen._names import PROVIDER_SOURCE, PROVIDER_TYPE
from policygen.errors import ServiceError
from policygen.provider.assume_role import ASSUME_ROLE_BLOCK, assume_role_of, assume_role_problems
from policygen.provider.generated_policy import GeneratedPolicyDataSource
from policygen.provider.policy_check import PolicyCheckDataSource
from policygen.provider.policy_generation import PolicyGenerationHandler
from policygen.provider.recent import RecentJobs
from policygen.provider.rules.claims import Claims
from policygen.provider.rules.memory import ProcessMemory
from policygen.provider.types import contains_unknown

if TYPE_CHECKING:
    from policygen.aws.client import AccessAnalyzer


class PolicygenProvider(Provider):
    """``provider "accessanalyzer" { region, profile, endpoint, assume_role { ... } }``."""

    def __init__(self) -> None:
        #: Set by StopProvider (Terraform's answer to Ctrl-C): waits end and creates return their job.
        self.interrupted = threading.Event()
        self._service: AccessAnalyzer | None = None
        #: What this process destroyed or found unknown, within the one command it serves.
        self.memory = ProcessMemory()
        #: The provider block's ``allow_later_days``: creates beyond the day's quota may be planned.
        self.allow_later_days = False
        #: The client tokens of this process's plan, to catch resources that would share a job.
        self.claims = Claims()
        #: The jobs the service lists, fetched once for all refreshes of this process.
        self.recent = RecentJobs()

    @property
    def service(self) -> AccessAnalyzer:
        """The client ConfigureProvider made; before that, one of the AWS SDKs' default settings.

        The client module (and with it botocore, once a call is made) is imported here, not at the
        top: two of Terraform's three launches per plan only answer the schema or validate.
        """
        if self._service is None:
            from policygen.aws.client import AccessAnalyzer

            self._service = AccessAnalyzer(interrupt=self.interrupted)
        return self._service

    @service.setter
    def service(self, client: AccessAnalyzer) -> None:
        self._service = client

    def get_model_prefix(self) -> str:
        return f"{PROVIDER_TYPE}_"

    def full_name(self) -> str:
        return PROVIDER_SOURCE

    def get_provider_schema(self, diags: Diagnostics) -> Schema:
        return Schema(
            version=1,
            description="IAM Access Analyzer policy generation, started during apply.",
            attributes=[
                Attribute(
                    "region",
                    String(),
                    optional=True,
                    description="AWS Region of Access Analyzer. Default: the AWS SDKs' chain (AWS_REGION, profile).",
                ),
                Attribute(
                    "profile",
                    String(),
                    optional=True,
                    description="Named profile from the AWS config files. Default: the AWS SDKs' chain (AWS_PROFILE).",
                ),
                Attribute(
                    "endpoint",
                    String(),
                    optional=True,
                    description="Endpoint URL of Access Analyzer, e.g. the embedded endpoint "
                    "`http://127.0.0.1:PORT`. Default: AWS_ENDPOINT_URL_ACCESSANALYZER, else the Region's.",
                ),
                Attribute(
                    "retry_mode",
                    String(),
                    optional=True,
                    description="botocore retry mode for throttling and 5xx answers: `standard` or `adaptive`. "
                    "Default: AWS_RETRY_MODE, else `standard`.",
                ),
                Attribute(
                    "allow_later_days",
                    Bool(),
                    optional=True,
                    description="Let a plan hold more creates than the day's quota of this account and Region "
                    "(50, or 5 in af-south-1, ap-east-1, ap-southeast-3, eu-south-1, me-south-1; the jobs of the "
                    "last 24 hours count): the starts beyond it fail at apply today and a later apply creates "
                    "them. Default: false, the plan of a create beyond the quota fails, with the numbers.",
                ),
                Attribute(
                    "sts_endpoint",
                    String(),
                    optional=True,
                    description="Endpoint URL of STS for `assume_role`, e.g. the embedded endpoint's. Default: "
                    "AWS_ENDPOINT_URL_STS, else the Region's.",
                ),
                Attribute(
                    "max_attempts",
                    Number(),
                    optional=True,
                    description="Attempts per call, the first included. Default: AWS_MAX_ATTEMPTS, else 8.",
                ),
            ],
            block_types=[ASSUME_ROLE_BLOCK],
        )

    def validate_config(self, diags: Diagnostics, config: Config) -> None:
        from policygen.aws.client import settings_problems
        from policygen.aws.settings import endpoint_problem

        region, endpoint = config.get("region"), config.get("endpoint")
        for where, message in settings_problems(
            region if isinstance(region, str) else None, endpoint if isinstance(endpoint, str) else None
        ):
            if where in ("region", "endpoint"):
                title = "Invalid region" if where == "region" else "Invalid endpoint URL"
                diags.add_error(title, message, path=[where])
            else:  # an environment variable the setting defaults to
                diags.add_error(f"Invalid {where}", message)
        sts = config.get("sts_endpoint")
        if isinstance(sts, str) and (problem := endpoint_problem(sts)):
            diags.add_error("Invalid sts_endpoint", problem, path=["sts_endpoint"])
        block = config.get("assume_role")
        if isinstance(block, dict):
            for name, problem in assume_role_problems(block):
                diags.add_error(f"Invalid assume_role.{name}", problem, path=["assume_role", name])
        mode = config.get("retry_mode")
        if isinstance(mode, str) and mode not in ("standard", "adaptive"):
            diags.add_error(
                "Invalid retry_mode", f"retry_mode must be standard or adaptive, got {mode!r}.", path=["retry_mode"]
            )
        attempts = config.get("max_attempts")
        if isinstance(attempts, int | float) and (attempts < 1 or attempts != int(attempts)):
            diags.add_error(
                "Invalid max_attempts",
                f"max_attempts must be a whole number of 1 or more, got {attempts}.",
                path=["max_attempts"],
            )

    def configure_provider(self, diags: Diagnostics, config: Config) -> None:
        """Make the client, and judge now what would otherwise fail at apply: Region, profile, credentials.

        Terraform configures the provider for every plan, refresh, apply and destroy, so a missing
        credential or an unknown profile is an error of ``terraform plan`` with its fix. Settings
        that come from other resources (unknown until apply) are judged when they are known.
        """
        from policygen.aws.client import AccessAnalyzer, ClientSettings

        attempts = config.get("max_attempts")
        self.allow_later_days = config.get("allow_later_days") is True
        self.service = AccessAnalyzer(
            ClientSettings(
                region=config.get("region"),
                profile=config.get("profile"),
                endpoint_url=config.get("endpoint"),
                retry_mode=config.get("retry_mode"),
                max_attempts=int(attempts) if attempts else None,
                assume_role=assume_role_of(config.get("assume_role")),
                sts_endpoint_url=config.get("sts_endpoint"),
            ),
            interrupt=self.interrupted,
        )
        if contains_unknown({name: config.get(name) for name in ("region", "profile", "endpoint", "assume_role")}):
            return
        try:
            self.service.verify()
        except ServiceError as exc:
            diags.add_error("Invalid provider configuration", str(exc))

    def get_data_sources(self) -> list[type[DataSource]]:
        return [GeneratedPolicyDataSource, PolicyCheckDataSource]

    def get_resources(self) -> list[type[Resource]]:
        return [PolicyGenerationHandler]
