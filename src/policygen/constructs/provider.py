"""The provider binding: ``provider "accessanalyzer"`` and its ``required_providers`` entry."""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NotRequired, TypedDict

from policygen._names import (
    NO_INSTALL_ENV,
    PROVIDER_PACKAGE_ENV,
    PROVIDER_SOURCE,
    PROVIDER_TYPE,
    PROVIDER_VERSION,
)
from policygen.constructs.bindings import Attr, AttributeSynthesis, Kind, ProviderBlock, ProviderReference
from policygen.constructs.framework import Construct, Framework, FrameworkElement, framework_of
from policygen.distribution.launcher import install_provider, lock_provider, uninstall_provider, write_lock_entry
from policygen.errors import InvalidArgumentError
from policygen.provider.rules.assume_role import assume_role_problems

#: Construct id of the provider that policygen adds to a stack when the user adds no default one.
DEFAULT_PROVIDER_ID = "accessanalyzer"
#: Stacks whose folder this process has given the launcher (see :func:`_install_launcher`).
_LAUNCHER_INSTALLED: weakref.WeakSet[Any] = weakref.WeakSet()
#: Stacks known to have a default provider: once one is there, the stack always has one (a default
#: the user adds later replaces policygen's), so the search is not repeated for every construct.
_HAS_DEFAULT_PROVIDER: weakref.WeakSet[Any] = weakref.WeakSet()
#: Each stack's default provider, once found or added (:func:`default_provider`).
_DEFAULTS: weakref.WeakKeyDictionary[Any, AccessAnalyzerProvider] = weakref.WeakKeyDictionary()


class AssumeRoleBlock(TypedDict):
    """The provider's ``assume_role { ... }`` block as a mapping, with terraform-provider-aws's names.

    Only ``role_arn`` is required; see the README's provider block for each field.
    """

    role_arn: str
    session_name: NotRequired[str]
    external_id: NotRequired[str]
    duration: NotRequired[str]
    policy: NotRequired[str]
    policy_arns: NotRequired[Sequence[str]]
    tags: NotRequired[Mapping[str, str]]
    transitive_tag_keys: NotRequired[Sequence[str]]
    source_identity: NotRequired[str]


#: The block's fields and their kinds, in the order the provider's schema lists them.
_ASSUME_ROLE_KINDS: dict[str, Kind] = {
    "role_arn": "string",
    "session_name": "string",
    "external_id": "string",
    "duration": "string",
    "policy": "string",
    "policy_arns": "stringList",
    "tags": "stringMap",
    "transitive_tag_keys": "stringList",
    "source_identity": "string",
}


class AccessAnalyzerProvider(ProviderBlock):
    """The ``terraform.local/policygen/accessanalyzer`` provider: where and as whom jobs are started.

    A stack needs one only to change the defaults: the first policygen construct of a stack that
    has no default (unaliased) provider adds ``AccessAnalyzerProvider(stack, "accessanalyzer")``.
    A default provider you create yourself, before or after that, is the one used (policygen's own
    is then removed). For several Regions or accounts in one stack, create one aliased provider per
    Region or account and pass it as ``provider=`` to the constructs that should use it.

    :param region: AWS Region of Access Analyzer, e.g. ``"eu-west-1"``. Default: the AWS SDKs' chain
        (``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's Region).
    :param profile: named profile of the AWS config files, e.g. for another account. Default:
        the AWS SDKs' chain (``AWS_PROFILE``, else the default credentials).
    :param endpoint: endpoint URL of Access Analyzer, e.g. ``http://127.0.0.1:4599`` for the
        embedded endpoint. Default: ``AWS_ENDPOINT_URL_ACCESSANALYZER``, else the Region's endpoint.
    :param alias: Terraform alias of this configuration (``accessanalyzer.<alias>``). Default: None,
        the stack's default configuration, used by every construct given no ``provider``.
    :param sts_endpoint: endpoint URL of STS for ``assume_role``, e.g. the embedded endpoint's.
        Default: ``AWS_ENDPOINT_URL_STS``, else the Region's.
    :param assume_role: the role to assume before calling Access Analyzer (:class:`AssumeRoleBlock`,
        e.g. ``{"role_arn": "arn:aws:iam::111111111111:role/PolicyGeneration"}``): jobs then run in
        the role's account. Default: None, the caller's own credentials.
    :param allow_later_days: let this configuration hold more generations than the daily quota of its
        account and Region (the starts beyond it fail at apply today, and a later apply creates
        them). Read by the constructs' synth-time quota check, and synthesized as the provider's
        ``allow_later_days = true``, which the provider's own check at plan reads (it also counts
        the jobs of the last 24 hours). Default: False, a stack with more is refused when it is
        built (:class:`policygen.errors.DailyQuotaError`).

    It is a ``TerraformProvider`` of the framework of ``scope``'s app (cdktf or cdktn).
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
        sts_endpoint: str | None = None,
        assume_role: AssumeRoleBlock | Mapping[str, Any] | None = None,
        allow_later_days: bool = False,
    ) -> None:
        if assume_role is not None:
            _check_assume_role(assume_role)
        if alias is None:
            _remove_added_default(self._framework.stack_of(scope))
        self._declare_provider(
            scope, id, provider_type=PROVIDER_TYPE, version=PROVIDER_VERSION, source=PROVIDER_SOURCE, alias=alias
        )
        self.region = region
        self.profile = profile
        self.endpoint = endpoint
        self.sts_endpoint = sts_endpoint
        self.assume_role: dict[str, Any] | None = None if assume_role is None else dict(assume_role)
        self.allow_later_days = allow_later_days
        #: True for the provider that policygen added itself (see :func:`default_provider`).
        self.added_by_policygen = False

    def attributes(self) -> dict[str, Attr]:
        """The provider block's settings (None: left out). The alias is added by the framework itself."""
        return {
            "region": Attr(self.region, "string"),
            "profile": Attr(self.profile, "string"),
            "endpoint": Attr(self.endpoint, "string"),
            "sts_endpoint": Attr(self.sts_endpoint, "string"),
            "allow_later_days": Attr(True if self.allow_later_days else None, "boolean"),
            "assume_role": Attr(
                None
                if self.assume_role is None
                else {name: Attr(self.assume_role.get(name), kind) for name, kind in _ASSUME_ROLE_KINDS.items()},
                "block",
            ),
        }

    @property
    def role_arn(self) -> str | None:
        """The ARN of the role this configuration assumes, or None."""
        return None if self.assume_role is None else self.assume_role.get("role_arn")


def _check_assume_role(block: Mapping[str, Any]) -> None:
    """Raise InvalidArgumentError naming every problem of an ``assume_role`` mapping (the provider's rules)."""
    unknown = sorted(set(block) - set(_ASSUME_ROLE_KINDS))
    problems = [f"unknown key {name!r} (allowed: {', '.join(_ASSUME_ROLE_KINDS)})" for name in unknown]
    problems += [message for _, message in assume_role_problems({k: v for k, v in block.items() if "${" not in str(v)})]
    if problems:
        raise InvalidArgumentError("assume_role= is not a valid assume_role block: " + " ".join(problems))


class AccessAnalyzerDataSource(AttributeSynthesis, ProviderReference, FrameworkElement):
    """Base of policygen's data sources: a ``data`` block of this provider, bound to the app's framework.

    A subclass calls :meth:`_declare_data` where it would call the framework class's ``__init__``,
    and implements :meth:`attributes`.
    """

    framework_base = "TerraformDataSource"

    def _declare_data(
        self, scope: Construct, id: str, *, data_type: str, provider: AccessAnalyzerProvider | None
    ) -> None:
        """Create the framework's data source of ``data_type``, read through ``provider`` (default: the stack's)."""
        super().__init__(
            scope,
            id,
            terraform_resource_type=data_type,
            terraform_generator_metadata=self._framework.generator_metadata(PROVIDER_TYPE, PROVIDER_VERSION),
            provider=use_provider(scope, provider),
        )


def use_provider(scope: Construct, provider: AccessAnalyzerProvider | None) -> AccessAnalyzerProvider | None:
    """Make sure ``terraform`` finds the provider for a construct in ``scope``'s stack.

    Arranges for the launcher to be installed into the stack's folder when the stack is
    synthesized, and adds the default provider when the construct is given none (``provider`` is
    None) and the stack has none yet. Returns ``provider``.
    Raises TypeError when ``provider`` belongs to the other framework than ``scope``.
    """
    framework = framework_of(scope)
    if provider is not None:
        framework.check_same(provider, "provider")
    stack = framework.stack_of(scope)
    _install_launcher(framework, stack)
    if provider is None and stack not in _HAS_DEFAULT_PROVIDER:
        default_provider(stack)
        _HAS_DEFAULT_PROVIDER.add(stack)
    return provider


def default_provider(scope: Construct) -> AccessAnalyzerProvider:
    """The stack's default (unaliased) provider: the user's own if the stack has one, else policygen's.

    policygen's is added on first use, with id ``accessanalyzer`` directly under the stack. The
    answer is remembered per stack (finding it is jsii round trips, asked once per generation
    that allows later days), until a default provider of the user's replaces policygen's.
    """
    stack = framework_of(scope).stack_of(scope)
    known = _DEFAULTS.get(stack)
    if known is not None:
        return known
    added = stack.node.try_find_child(DEFAULT_PROVIDER_ID)  # the usual case, without walking the tree
    if isinstance(added, AccessAnalyzerProvider) and added.alias is None:
        provider = added
    else:
        found = [c for c in stack.node.find_all() if isinstance(c, AccessAnalyzerProvider) and c.alias is None]
        if found:
            provider = found[0]
        else:
            provider = AccessAnalyzerProvider(stack, DEFAULT_PROVIDER_ID)
            provider.added_by_policygen = True
    _DEFAULTS[stack] = provider
    return provider


def _remove_added_default(stack: Any) -> None:
    """Make way for a default provider the user creates after policygen added its own.

    Constructs refer to the default configuration by its type alone (``accessanalyzer``), so
    removing policygen's block changes nothing else in the stack.
    """
    _DEFAULTS.pop(stack, None)
    added = stack.node.try_find_child(DEFAULT_PROVIDER_ID)
    if isinstance(added, AccessAnalyzerProvider) and added.added_by_policygen:
        stack.node.try_remove_child(DEFAULT_PROVIDER_ID)


def _install_launcher(framework: Framework, stack: Any) -> None:
    """Make the stack's folder ready for ``terraform`` when the stack is synthesized.

    By default that is the development launcher, installed into ``terraform.d/plugins`` of the
    folder, and its lock entry. With ``POLICYGEN_PROVIDER_PACKAGE`` set to the folder that
    ``policygen package`` wrote, it is the package's lock entry alone (and no launcher): Terraform
    then installs the package from whichever mirror the machine that applies offers. The stack's
    JSON is the same either way.

    Constructing writes no file: the writes are an aspect of the stack, run at synth, into the
    folder where `terraform` then runs (``<outdir>/stacks/<stack>``). Both writes are idempotent;
    the aspect is added once per stack (finding the stack costs jsii round trips, bench/).
    """
    if os.environ.get(NO_INSTALL_ENV) == "1" or stack in _LAUNCHER_INSTALLED:
        return
    _LAUNCHER_INSTALLED.add(stack)

    def install() -> None:
        if os.environ.get(NO_INSTALL_ENV) == "1":
            return
        workdir = framework.outdir(stack) / "stacks" / stack.node.id
        package = os.environ.get(PROVIDER_PACKAGE_ENV)
        if package:
            from policygen.distribution.release import package_lock_entry

            entry = package_lock_entry(Path(package), setting=PROVIDER_PACKAGE_ENV)
            uninstall_provider(workdir / "terraform.d" / "plugins")
            write_lock_entry(workdir, entry)
        else:
            lock_provider(workdir, install_provider(workdir / "terraform.d" / "plugins"))

    framework.at_synth(stack, install)
