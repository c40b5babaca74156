"""Hand-written bindings of the few ``hashicorp/aws`` types policygen declares.

``cdktf-cdktf-provider-aws`` would give these too, but it costs about 12 s to import and 486 MB
installed, for three resource types. These classes write the same Terraform JSON; a user who
already has that package passes its ``AwsProvider`` in (any ``TerraformProvider`` of the app's
framework). Every attribute here is a string: ``None`` values are left out by the framework.
"""

from __future__ import annotations

from typing import Any

from policygen.constructs.bindings import Attr, AttributeSynthesis, ProviderBlock, ProviderReference
from policygen.constructs.framework import Construct, FrameworkElement, framework_of

#: The provider's type name and registry source.
AWS_PROVIDER_TYPE = "aws"
AWS_PROVIDER_SOURCE = "hashicorp/aws"
#: Every attribute used here exists in hashicorp/aws 5.x and 6.x.
AWS_PROVIDER_VERSION = ">= 5.0"
#: Construct id of the provider that is added to a stack when the user passes none.
DEFAULT_AWS_PROVIDER_ID = "aws"


def _strings(**values: str | None) -> dict[str, Attr]:
    return {name: Attr(value, "string") for name, value in values.items()}


class AwsProvider(ProviderBlock):
    """A minimal ``provider "aws"`` block with its ``required_providers`` entry (``hashicorp/aws >= 5.0``).

    :param region: the provider's Region. IAM is global, so the roles do not depend on it. Default:
        the AWS provider's own chain (``AWS_REGION``, the profile).
    :param profile: named AWS profile. Default: the provider's chain (``AWS_PROFILE``).
    :param alias: alias, for several accounts in one stack. Default: the default provider.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        region: str | None = None,
        profile: str | None = None,
        alias: str | None = None,
    ) -> None:
        self._declare_provider(
            scope,
            id,
            provider_type=AWS_PROVIDER_TYPE,
            version=AWS_PROVIDER_VERSION,
            source=AWS_PROVIDER_SOURCE,
            alias=alias,
        )
        self.region = region
        self.profile = profile

    def attributes(self) -> dict[str, Attr]:
        """The provider block's settings; the alias is added by the framework itself."""
        return _strings(region=self.region, profile=self.profile)


class _AwsElement(AttributeSynthesis, ProviderReference, FrameworkElement):
    """Base of a resource or data source of ``hashicorp/aws``, declared through :meth:`_declare`."""

    # Every element names its framework class; each subclass says its own (a data source's differs).
    framework_base = "TerraformResource"

    def _declare(self, scope: Construct, id: str, terraform_type: str, provider: Any) -> None:
        """Create the framework's element of ``terraform_type``, with the AWS provider's generator metadata."""
        super().__init__(
            scope,
            id,
            terraform_resource_type=terraform_type,
            terraform_generator_metadata=self._framework.generator_metadata(AWS_PROVIDER_TYPE, AWS_PROVIDER_VERSION),
            provider=provider,
        )


class IamRole(_AwsElement):
    """``resource "aws_iam_role"``: a role with its trust policy (a JSON string)."""

    framework_base = "TerraformResource"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        assume_role_policy: str,
        name: str | None = None,
        name_prefix: str | None = None,
        path: str | None = None,
        description: str | None = None,
        permissions_boundary: str | None = None,
        provider: Any = None,
    ) -> None:
        self._declare(scope, id, "aws_iam_role", provider)
        self.assume_role_policy = assume_role_policy
        self.name = name
        self.name_prefix = name_prefix
        self.path = path
        self.description = description
        self.permissions_boundary = permissions_boundary

    @property
    def arn(self) -> str:
        """The role's ARN (a token until apply)."""
        return str(self.get_string_attribute("arn"))

    @property
    def role_name(self) -> str:
        """The role's name (a token: with ``name_prefix``, Terraform chooses it)."""
        return str(self.get_string_attribute("name"))

    def attributes(self) -> dict[str, Attr]:
        """The role's arguments."""
        return _strings(
            name=self.name,
            name_prefix=self.name_prefix,
            path=self.path,
            description=self.description,
            assume_role_policy=self.assume_role_policy,
            permissions_boundary=self.permissions_boundary,
        )


class IamRolePolicy(_AwsElement):
    """``resource "aws_iam_role_policy"``: an inline policy (a JSON string) of one role."""

    framework_base = "TerraformResource"

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        role: str,
        policy: str,
        name: str,
        provider: Any = None,
    ) -> None:
        self._declare(scope, id, "aws_iam_role_policy", provider)
        self.role = role
        self.policy = policy
        self.name = name

    @property
    def role_name(self) -> str:
        """The name of the role the policy belongs to, known once the policy exists (a token)."""
        return str(self.get_string_attribute("role"))

    def attributes(self) -> dict[str, Attr]:
        """The inline policy's arguments."""
        return _strings(name=self.name, role=self.role, policy=self.policy)


class CallerIdentity(_AwsElement):
    """``data "aws_caller_identity"``: the account the AWS provider's credentials belong to."""

    framework_base = "TerraformDataSource"

    def __init__(self, scope: Construct, id: str, *, provider: Any = None) -> None:
        self._declare(scope, id, "aws_caller_identity", provider)

    @property
    def account_id(self) -> str:
        """The account id (a token, read at plan)."""
        return str(self.get_string_attribute("account_id"))

    def attributes(self) -> dict[str, Attr]:
        """No arguments."""
        return {}


def default_aws_provider(stack: Any) -> Any:
    """The stack's unaliased ``aws`` provider: one the user declared (any binding), else a new one.

    Reusing a declared provider matters: Terraform refuses two ``provider "aws"`` blocks without
    an alias.
    """
    framework = framework_of(stack)
    for child in stack.node.children:
        if framework.is_provider(child) and child.terraform_resource_type == AWS_PROVIDER_TYPE and child.alias is None:
            return child
    return AwsProvider(stack, DEFAULT_AWS_PROVIDER_ID)
