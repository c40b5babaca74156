"""``AccountProviders``: one provider per account (and Region), each assuming the account's role.

Access Analyzer generates a policy in the principal's own account, and its quotas (one job in
progress, 50 a day) belong to an account and Region. A platform team drafting policies for the
roles of many member accounts runs Terraform with one identity (a CI runner's OIDC role, say) and
assumes a role in each member account, as terraform-provider-aws users do with
``provider "aws" { alias = ..., assume_role { role_arn = ... } }``. This construct makes those
providers on demand: the first generation of an account adds
``provider "accessanalyzer" { alias = "a111111111111_us_east_1", region, assume_role { role_arn } }``,
and every generation of that account is started through it. Since each provider configuration is
its own Terraform provider process with its own start queue, the accounts' jobs run side by side.

Pass it to :meth:`policygen.PolicyGenerations.from_directory` (``accounts=``) or as a
generation's ``provider=``; no spec needs wiring.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from policygen.constructs.framework import Construct, framework_of
from policygen.constructs.provider import AccessAnalyzerProvider
from policygen.errors import AccountRoleError
from policygen.review.schedule import AccountRoles, account_of, provider_alias
from policygen.spec import Spec


class AccountProviders(Construct):
    """The providers of an organisation's accounts in one Region, made as generations need them.

    :param roles: the role to assume in each account: a mapping ``{"111111111111":
        "arn:aws:iam::111111111111:role/PolicyGeneration"}`` (an account it leaves out is an
        error naming the account and its specs), or a pattern with ``{account}``,
        ``"arn:aws:iam::{account}:role/PolicyGeneration"``. Each role must be in its own account.
    :param region: the Region of every provider (and so of every job). Default: None, the AWS SDKs' chain
        (``AWS_REGION``) at apply. For several Regions, make one ``AccountProviders`` per Region.
    :param endpoint: Access Analyzer's endpoint URL. Default: ``AWS_ENDPOINT_URL_ACCESSANALYZER``,
        else the Region's.
    :param sts_endpoint: STS's endpoint URL. Default: ``AWS_ENDPOINT_URL_STS``, else the Region's.
    :param session_name: ``assume_role.session_name`` of every provider. Default: the provider's
        (``policygen``).
    :param external_id: ``assume_role.external_id``, when the roles' trust policies ask for one.
        Default: None.
    :param duration: ``assume_role.duration``, e.g. ``"1h"`` (15m to 12h). Default: the role's own.
    :param allow_later_days: let an account hold more generations than its daily quota (those
        beyond fail at apply today; a later day's apply creates them). Default: False, refused when
        the stack is built.

    The provider of an account is ``accessanalyzer.a<ACCOUNT>_<region_with_underscores>``: the plan
    names the account and Region of every generation, and ``policygen review`` shows the role.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        roles: AccountRoles | Mapping[str, str] | str,
        region: str | None = None,
        endpoint: str | None = None,
        sts_endpoint: str | None = None,
        session_name: str | None = None,
        external_id: str | None = None,
        duration: str | None = None,
        allow_later_days: bool = False,
    ) -> None:
        framework = framework_of(scope)
        self.roles = AccountRoles.of(roles)
        super().__init__(scope, id)
        framework.adopt(self)
        self.region = region
        self.endpoint = endpoint
        self.sts_endpoint = sts_endpoint
        self.allow_later_days = allow_later_days
        self._assume_role: dict[str, Any] = {
            key: value
            for key, value in (("session_name", session_name), ("external_id", external_id), ("duration", duration))
            if value is not None
        }
        #: account -> its provider, in the order they were made.
        self.providers: dict[str, AccessAnalyzerProvider] = {}

    def provider_for(self, account: str) -> AccessAnalyzerProvider:
        """The provider of ``account`` (made on first use). Raises AccountRoleError when it has no role."""
        provider = self.providers.get(account)
        if provider is not None:
            return provider
        role = self.roles.role_for(account)
        if role is None:
            raise self.roles.missing({account: []})
        alias = provider_alias(account, self.region)
        provider = AccessAnalyzerProvider(
            self,
            alias,
            alias=alias,
            region=self.region,
            endpoint=self.endpoint,
            sts_endpoint=self.sts_endpoint,
            assume_role={"role_arn": role, **self._assume_role},
            allow_later_days=self.allow_later_days,
        )
        self.providers[account] = provider
        return provider

    def provider_for_principal(self, principal_arn: str, *, name: str = "") -> AccessAnalyzerProvider:
        """The provider of the account of ``principal_arn`` (a literal ARN: a token names no account)."""
        account = account_of(principal_arn)
        if account is None:
            raise AccountRoleError(
                f"the generation {name!r} has the principal {str(principal_arn)[:120]!r}, which names no account "
                "(a value known only at apply, or no ARN), so AccountProviders cannot choose its provider; pass "
                "provider=accounts.provider_for('ACCOUNT') for it.",
                accounts={},
            )
        return self.provider_for(account)

    def check(self, specs: Iterable[Spec]) -> None:
        """Raise AccountRoleError naming every account of ``specs`` without a role, with its specs."""
        self.roles.check(specs)
