"""``PolicyCheck``: the hand-written binding of the ``accessanalyzer_policy_check`` data source."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policygen._names import POLICY_CHECK_TYPE
from policygen.constructs.bindings import KIND_OF, Attr
from policygen.constructs.framework import Construct
from policygen.constructs.provider import AccessAnalyzerDataSource, AccessAnalyzerProvider
from policygen.errors import InvalidArgumentError
from policygen.policy.findings import FindingType
from policygen.spec.attributes import POLICY_CHECK


class PolicyCheck(AccessAnalyzerDataSource):
    """Access Analyzer's policy checks on a policy, read at plan time: the gate before adopting a draft.

    ValidatePolicy always; CheckNoNewAccess with ``reference``; CheckAccessNotGranted with
    ``denied_actions``. :attr:`result` is ``FAIL`` when a finding is at or above ``fail_on`` or a
    check fails, and :attr:`message` says why, so that a postcondition on ``result == "PASS"``
    stops a plan with a readable error (``add_override("lifecycle.postcondition", [...])``).

    AWS charges for CheckNoNewAccess and CheckAccessNotGranted (custom policy checks), and a data
    source is read at every plan and refresh: set ``reference`` and ``denied_actions`` only where
    they are needed (README, "The gate: accessanalyzer_policy_check").

    :param policy: the identity policy to check, as JSON text: a :attr:`GeneratedPolicy.policies`
        element (a token), ``Fn.jsonencode(...)`` of a document, or a string.
    :param reference: the policy in force, as JSON text. Default: None, left out: CheckNoNewAccess
        is not called, and :attr:`new_access` is null.
    :param denied_actions: actions the policy must not grant (``service:Action``, wildcards allowed),
        e.g. ``["iam:PutRolePolicy"]``; at least one. Default: None, left out: CheckAccessNotGranted
        is not called, and :attr:`granted_denied_actions` is null.
    :param fail_on: the least severe ValidatePolicy finding type that fails the check: ``ERROR``,
        ``SECURITY_WARNING``, ``WARNING`` or ``SUGGESTION``. Default: None, left out: the provider
        fails on ``ERROR`` findings only.
    :param provider: the provider configuration whose account and Region run the checks. Default:
        the stack's default provider, added to the stack when it has none.

    It is a ``TerraformDataSource`` of the framework of ``scope``'s app (cdktf or cdktn).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        policy: str,
        reference: str | None = None,
        denied_actions: Sequence[str] | None = None,
        fail_on: str | None = None,
        provider: AccessAnalyzerProvider | None = None,
    ) -> None:
        _check_props(self, policy=policy, denied_actions=denied_actions, fail_on=fail_on)
        self._declare_data(scope, id, data_type=POLICY_CHECK_TYPE, provider=provider)
        self.policy = policy
        self.reference = reference
        self.denied_actions = None if denied_actions is None else list(denied_actions)
        self.fail_on = fail_on

    @property
    def result(self) -> str:
        """``PASS`` or ``FAIL`` (a token)."""
        return str(self.get_string_attribute("result"))

    @property
    def message(self) -> str:
        """Why the policy failed, in sentences, or that it passed (a token): the postcondition's error message."""
        return str(self.get_string_attribute("message"))

    @property
    def new_access(self) -> Any:
        """True when ``policy`` grants access ``reference`` does not; null without ``reference`` (a token)."""
        return self.get_boolean_attribute("new_access")

    @property
    def granted_denied_actions(self) -> Any:
        """True when ``policy`` grants one of ``denied_actions``; null without them (a token)."""
        return self.get_boolean_attribute("granted_denied_actions")

    @property
    def findings(self) -> Any:
        """ValidatePolicy's findings, a list of objects (``finding_type``, ``issue_code``, ``details``,
        ``location``, ``learn_more_link``) as a token, e.g. for an output."""
        return self.interpolation_for_attribute("findings")

    def attributes(self) -> dict[str, Attr]:
        """The configuration of this data source, attribute by attribute (None: left out)."""
        values = {
            "policy": self.policy,
            "reference": self.reference,
            "denied_actions": self.denied_actions,
            "fail_on": self.fail_on,
        }
        return {a.name: Attr(values[a.name], KIND_OF[a.kind]) for a in POLICY_CHECK if not a.computed}


def _check_props(check: PolicyCheck, *, policy: Any, denied_actions: Sequence[str] | None, fail_on: str | None) -> None:
    """Fail fast, naming the prop and the fix (tokens are left to the provider, which checks them at plan)."""
    if not isinstance(policy, str) or not policy.strip():
        raise InvalidArgumentError(
            f"policy must be the JSON text of a policy document (a string or a token), not {policy!r}."
        )
    if denied_actions is not None:
        # A token list (Token.as_list) is a list of strings too, so this holds for it as well.
        if isinstance(denied_actions, str) or not all(isinstance(a, str) for a in denied_actions):
            raise InvalidArgumentError(
                f"denied_actions must be a list of action names such as ['iam:PutRolePolicy'], not {denied_actions!r}."
            )
        if not denied_actions:
            raise InvalidArgumentError(
                "denied_actions is empty, which checks nothing; list at least one action, or leave denied_actions "
                "out so that CheckAccessNotGranted is not called."
            )
    types = [t.value for t in FindingType]
    if fail_on is not None and not check._framework.is_unresolved(fail_on) and fail_on not in types:
        raise InvalidArgumentError(f"fail_on must be one of {', '.join(types)}, not {fail_on!r}.")
