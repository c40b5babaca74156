"""IAM for policygen itself: the access role Access Analyzer assumes, and the deployer's policy.

The documents come from :mod:`policygen.aws.iam`; the constructs here only declare them as
Terraform resources and outputs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from policygen.aws import iam as iam_policies
from policygen.constructs.aws_resources import CallerIdentity, IamRole, IamRolePolicy, default_aws_provider
from policygen.constructs.framework import Construct, framework_of
from policygen.errors import IamPolicyError
from policygen.spec import terraform_identifier

#: Path and name prefix of the access role by default: those the IAM console gives the access roles
#: it creates, so bucket policies written for them (``role/service-role/AccessAnalyzerMonitorServiceRole*``,
#: as in the AWS documentation) apply to this one too.
DEFAULT_ROLE_PATH = "/service-role/"
DEFAULT_ROLE_NAME_PREFIX = "AccessAnalyzerMonitorServiceRole_"
#: Name of the access role's inline policy.
INLINE_POLICY_NAME = "AccessAnalyzerPolicyGeneration"


class AccessAnalyzerServiceRole(Construct):
    """The IAM role Access Analyzer assumes to read a trail for policy generation, least privilege.

    Declares an ``aws_iam_role`` (trust: ``access-analyzer.amazonaws.com``, for this account only)
    and its inline ``aws_iam_role_policy`` (see :func:`policygen.aws.iam.service_role_policy`),
    and the stack output ``<id>_role_arn``. For an organisation trail it also declares the outputs
    ``<id>_bucket_policy_statements`` and (with a key) ``<id>_key_policy_statements``: JSON lists of
    the statements the account that owns the trail must add to its bucket and key policies. Ids use
    underscores for hyphens.

    Pass :attr:`arn` to a generation's ``access_role``: it resolves only once the inline policy
    exists, so Terraform starts the generation after the role can read the trail.

    :param trail_bucket_arn: ARN of the S3 bucket the trail writes to (``arn:aws:s3:::name``).
    :param kms_key_arn: ARN of the KMS key that encrypts the log files. Default: no key
        (SSE-S3); no ``kms:Decrypt`` is granted.
    :param organization_trail: the trail is an organisation trail (logs under
        ``AWSLogs/<organization id>/<account>/``); then ``organization_id`` and ``trail_arns`` are
        required. Default: an account trail (logs under ``AWSLogs/<account>/``).
    :param organization_id: the organisation's id (``o-...``), for an organisation trail.
    :param trail_arns: the trails the generations read. They scope ``cloudtrail:GetTrail`` and,
        with a key, the encryption context of ``kms:Decrypt``. Default: every trail of the account.
    :param log_prefix: the trail's S3 key prefix. Default: none.
    :param bucket_region: the Region of the bucket and its key, for ``kms:ViaService``. Default:
        the Region in ``kms_key_arn`` (required when that ARN is a reference).
    :param account_id: the account of the role and of the principals analysed; it scopes the
        trust policy, the log folder and the IAM resources. Default: read at plan from an
        ``aws_caller_identity`` data source of the same provider.
    :param partition: the AWS partition. Default: ``aws``.
    :param role_name: the role's name. Default: ``AccessAnalyzerMonitorServiceRole_`` followed by
        a suffix Terraform chooses; the path is always ``/service-role/``.
    :param permissions_boundary: ARN of a permissions boundary for the role. Default: none.
    :param aws_provider: the ``hashicorp/aws`` provider to use, from any binding of the app's
        framework (e.g. ``cdktf_cdktf_provider_aws.provider.AwsProvider``). Default: the stack's
        unaliased ``aws`` provider, added (``provider "aws" {}``, ``hashicorp/aws >= 5.0``) when
        the stack has none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        trail_bucket_arn: str,
        kms_key_arn: str | None = None,
        organization_trail: bool = False,
        organization_id: str | None = None,
        trail_arns: Sequence[str] | None = None,
        log_prefix: str | None = None,
        bucket_region: str | None = None,
        account_id: str | None = None,
        partition: str = "aws",
        role_name: str | None = None,
        permissions_boundary: str | None = None,
        aws_provider: Any = None,
    ) -> None:
        framework = framework_of(scope)
        if aws_provider is not None:
            framework.check_same(aws_provider, "aws_provider")
        super().__init__(scope, id)
        framework.adopt(self)
        _check_organization_arguments(organization_trail, organization_id, trail_arns)
        self._framework = framework
        provider = aws_provider or default_aws_provider(framework.stack_of(self))
        self.account_id = account_id or CallerIdentity(self, "caller", provider=provider).account_id
        self.partition = partition
        self.trail_bucket_arn = trail_bucket_arn
        self.kms_key_arn = kms_key_arn
        self.organization_id = organization_id if organization_trail else None
        self.trail_arns = list(trail_arns) if trail_arns is not None else None
        self.log_prefix = log_prefix
        self.bucket_region = bucket_region

        #: The trust policy (a dict; account values are tokens unless ``account_id`` was given).
        self.trust_policy = iam_policies.trust_policy(account_id=self.account_id, partition=partition)
        #: The inline permissions policy (a dict, as :attr:`trust_policy`).
        self.permissions_policy = iam_policies.service_role_policy(
            trail_bucket_arn=trail_bucket_arn,
            account_id=self.account_id,
            partition=partition,
            trail_arns=self.trail_arns,
            kms_key_arn=kms_key_arn,
            bucket_region=bucket_region,
            organization_id=self.organization_id,
            log_prefix=log_prefix,
        )
        self.role = IamRole(
            self,
            "role",
            name=role_name,
            name_prefix=None if role_name else DEFAULT_ROLE_NAME_PREFIX,
            path=DEFAULT_ROLE_PATH,
            description="Assumed by IAM Access Analyzer to read CloudTrail logs for policy generation (policygen).",
            assume_role_policy=_to_json(self.trust_policy),
            permissions_boundary=permissions_boundary,
            provider=provider,
        )
        self.policy = IamRolePolicy(
            self,
            "policy",
            name=INLINE_POLICY_NAME,
            role=self.role.role_name,
            policy=_to_json(self.permissions_policy),
            provider=provider,
        )

        prefix = terraform_identifier(id)
        #: The stack outputs, by logical id.
        self.outputs: dict[str, Any] = {}
        self._output(f"{prefix}_role_arn", self.arn, "ARN of the access role for Access Analyzer policy generation.")
        if self.organization_id is not None:
            self._output(
                f"{prefix}_bucket_policy_statements",
                _to_json(self.bucket_policy_statements()),
                "Statements (JSON list) that the trail bucket's owner adds to its bucket policy.",
            )
            if kms_key_arn is not None:
                self._output(
                    f"{prefix}_key_policy_statements",
                    _to_json(self.key_policy_statements()),
                    "Statements (JSON list) that the trail key's owner adds to its key policy.",
                )

    @property
    def arn(self) -> str:
        """The role's ARN, for ``accessRole``: a token that resolves once the inline policy exists."""
        return f"arn:{self.partition}:iam::{self.account_id}:role{DEFAULT_ROLE_PATH}{self.policy.role_name}"

    @property
    def role_arn(self) -> str:
        """The role's ARN straight from the role (a token; does not wait for the inline policy)."""
        return self.role.arn

    def bucket_policy_statements(self) -> list[dict[str, Any]]:
        """The statements the trail bucket's owner adds to its bucket policy (organisation trails).

        Values are tokens where the role's ARN or the account id are known only at apply; the
        ``<id>_bucket_policy_statements`` output has them resolved. Raises :class:`ValueError` for
        an account trail, which needs no statement in another account.
        """
        if self.organization_id is None:
            raise IamPolicyError("bucket_policy_statements() is for organisation trails; set organization_trail=True.")
        return iam_policies.organization_bucket_policy_statements(
            role_arn=self.role.arn,
            trail_bucket_arn=self.trail_bucket_arn,
            account_id=self.account_id,
            organization_id=self.organization_id,
            log_prefix=self.log_prefix,
        )

    def key_policy_statements(self) -> list[dict[str, Any]]:
        """The statements the trail key's owner adds to its key policy (organisation trails with a key).

        Values are tokens as in :meth:`bucket_policy_statements`. Raises :class:`ValueError` without
        an organisation trail or a key.
        """
        if self.organization_id is None or self.kms_key_arn is None or not self.trail_arns:
            raise IamPolicyError(
                "key_policy_statements() is for organisation trails with a key; set organization_trail=True "
                "and kms_key_arn."
            )
        return iam_policies.organization_key_policy_statements(
            role_arn=self.role.arn,
            trail_arns=self.trail_arns,
            kms_key_arn=self.kms_key_arn,
            account_id=self.account_id,
            bucket_region=self.bucket_region,
        )

    def _output(self, name: str, value: str, description: str) -> None:
        self.outputs[name] = self._framework.output(self, name, value=value, description=description)


class DeployerPolicy(Construct):
    """The policy whoever runs ``cdktf deploy`` needs for policygen, as a stack output.

    Wraps :func:`policygen.aws.iam.deployer_policy` (same arguments) and declares the output
    ``<id>`` (hyphens become underscores) holding the document as a JSON string, so that
    ``cdktf output`` shows it with the roles' ARNs resolved.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        access_role_arns: Sequence[str],
        region: str | Sequence[str] | None = None,
        account_id: str | None = None,
        partition: str = "aws",
    ) -> None:
        framework = framework_of(scope)
        super().__init__(scope, id)
        framework.adopt(self)
        #: The document (a dict; role ARNs are tokens when they come from resources).
        self.document = iam_policies.deployer_policy(
            access_role_arns=access_role_arns, region=region, account_id=account_id, partition=partition
        )
        #: The ``<id>`` output.
        self.output = framework.output(
            self,
            terraform_identifier(id),
            value=_to_json(self.document),
            description="IAM policy (JSON) that the identity running cdktf deploy needs for policygen.",
        )


def _check_organization_arguments(
    organization_trail: bool, organization_id: str | None, trail_arns: Sequence[str] | None
) -> None:
    if organization_trail and (organization_id is None or not trail_arns):
        raise IamPolicyError(
            "organization_trail=True needs organization_id (o-...) and trail_arns (the organisation trail's ARN): "
            "the logs are under AWSLogs/<organization id>/<account>/ and the trail is in another account."
        )
    if not organization_trail and organization_id is not None:
        raise IamPolicyError(
            "organization_id is only used with organization_trail=True; set it, or drop organization_id."
        )


def _to_json(document: Any) -> str:
    """Compact JSON. The builders add keys in a fixed order, so the string (and the plan) is stable."""
    return json.dumps(document, separators=(",", ":"))
