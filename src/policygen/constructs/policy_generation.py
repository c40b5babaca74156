"""``PolicyGeneration``: one Access Analyzer policy generation declared in a cdktf or cdktn stack."""

from __future__ import annotations

import dataclasses
import os
import sys
import traceback
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NotRequired, TypedDict

from policygen.constructs.framework import Construct, Framework, FrameworkElement, framework_of
from policygen.constructs.organization import AccountProviders
from policygen.constructs.provider import AccessAnalyzerProvider, default_provider, use_provider
from policygen.constructs.quota import DailyQuotaLedger, QueuedGeneration, queue_of
from policygen.constructs.resource import PolicyGenerationResource
from policygen.errors import Problem, SpecError
from policygen.spec import (
    Spec,
    Trail,
    build_spec,
    document_findings,
    fields,
    from_document,
    load_paths,
    terraform_identifier,
)
from policygen.spec.fields import REQUEST_FIELDS, TRAIL_FIELDS
from policygen.spec.waiting import wait_problems

#: Logical id of the stack output that maps every generation's name to its job id.
JOB_IDS_OUTPUT = "policy_generation_job_ids"
#: Terraform's name of the current workspace, as a template the synthesized JSON carries to Terraform.
WORKSPACE = "${terraform.workspace}"
#: The keywords a request needs without ``spec=``.
_REQUIRED_KEYWORDS = frozenset(f.keyword for f in REQUEST_FIELDS if f.required)


class TrailSpec(TypedDict):
    """One trail as a mapping: the keyword-argument form of :class:`policygen.spec.Trail`.

    ``cloud_trail_arn`` is the trail's ARN; give either ``regions`` (the Regions whose events to
    read) or ``all_regions=True``.
    """

    cloud_trail_arn: str
    regions: NotRequired[Sequence[str]]
    all_regions: NotRequired[bool]


class PolicyGeneration(Construct):
    """Starts an IAM Access Analyzer policy generation when the stack is applied.

    Emits one ``accessanalyzer_policy_generation`` resource named after the generation, the stack
    output ``<name>_job_id``, and adds the generation to the stack's ``policy_generation_job_ids``
    output (name -> job id). Give the request either as ``spec=`` (from a spec file, see
    :meth:`from_file`) or as keyword arguments, never both. Either way it is checked here, with
    the spec files' own rules and messages; an invalid request raises
    :class:`policygen.errors.SpecError` naming the props at fault, before anything is synthesized.
    Values that are tokens (e.g. another resource's ARN) are checked by the provider at plan time.

    :param spec: the whole request, e.g. from :func:`policygen.spec.load_paths`. Default: None, the
        request is given by the keyword arguments below.
    :param name: the generation's name: the Terraform resource name and the output
        ``<name>_job_id`` (hyphens become underscores). Default: the construct id.
    :param principal_arn: ARN of the IAM role or user to generate a policy for. Required without ``spec``.
    :param access_role: ARN of the service role Access Analyzer assumes to read the trails.
        Required without ``spec``.
    :param trails: the CloudTrail trails to read, as :class:`policygen.spec.Trail` objects or
        :class:`TrailSpec` mappings. Required without ``spec``.
    :param start_time: start of the window (ISO 8601 with a zone). Default: None; then
        ``lookback_days`` is required.
    :param end_time: end of the window (ISO 8601 with a zone). Default: None, the job's start time.
    :param lookback_days: relative window of 1-90 days, resolved into ``start_time`` once, when
        the job is created. Default: None; then ``start_time`` is required.
    :param client_token: idempotency token. Default: None, derived from the request (and
        ``triggers``), so that a retried apply gets back the job it started.
    :param triggers: opaque strings mixed into the derived client token: changing one starts a new
        job for an otherwise identical request. Default: None, no triggers.
    :param wait_for_completion: make apply wait until the job has SUCCEEDED (a FAILED job fails the
        apply). Changing it starts no new job. Default: False, apply returns once the job started.
    :param wait_timeout: how long ``wait_for_completion`` waits, a duration such as ``"45m"`` or
        ``"1h30m"``; only with ``wait_for_completion=True``. Default: None, the provider's default.
    :param queue_timeout: how long create may wait for other generations of the account and Region
        to finish before it starts (Access Analyzer runs one at a time), e.g. ``"2h"``. Default:
        None, the provider's default (60 minutes).
    :param provider: the provider configuration (Region, account) to start the job with, or an
        :class:`AccountProviders`, which picks the provider of the principal's account. Default:
        the stack's default provider, added to the stack when it has none.
    :param allow_later_days: this generation may be one beyond the daily quota of its account and
        Region (its start fails at apply today; an apply on a later day creates it). Default:
        False, unless its provider allows it: a generation beyond the quota raises
        :class:`policygen.errors.DailyQuotaError` here.

    Each generation gets its own jobs: the resource's ``instance_key`` is
    ``${terraform.workspace}/<stack>/<name>`` (Terraform fills in the workspace), which the provider
    mixes into the derived client token, so two generations with the same request, in one stack or
    in two, or one stack in two workspaces, never share a job.
    :raises SpecError: when both ``spec`` and request props are given, when required props are
        missing, when the request breaks a rule of the spec, or when the name is already used by
        another generation of the stack.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: Spec | None = None,
        name: str | None = None,
        principal_arn: str | None = None,
        access_role: str | None = None,
        trails: Sequence[Trail | TrailSpec] | None = None,
        start_time: str | None = None,
        end_time: str | None = None,
        lookback_days: int | None = None,
        client_token: str | None = None,
        triggers: Mapping[str, str] | None = None,
        wait_for_completion: bool = False,
        wait_timeout: str | None = None,
        queue_timeout: str | None = None,
        provider: AccessAnalyzerProvider | AccountProviders | None = None,
        allow_later_days: bool = False,
    ) -> None:
        props = {  # the request; spec= gives all of it at once
            "name": name,
            "principal_arn": principal_arn,
            "access_role": access_role,
            "trails": trails,
            "start_time": start_time,
            "end_time": end_time,
            "lookback_days": lookback_days,
            "client_token": client_token,
            "triggers": triggers,
        }
        framework = framework_of(scope)
        where = _call_site(framework)
        if spec is not None:
            given = [key for key, value in props.items() if value is not None]
            if given:
                raise _error(
                    where,
                    "/spec",
                    f"give the request either as spec= or as keyword arguments, not both: spec= was given "
                    f"together with {', '.join(given)}. Remove {'it' if len(given) == 1 else 'them'}, or "
                    f"change the spec with dataclasses.replace(spec, {given[0]}=...).",
                )
            if not spec.validated:  # specs from the spec module's loaders were checked already
                spec = _checked(framework, spec.to_document(), spec.source, where)
        else:
            # In the order of the keywords, as the user reads them in the signature.
            missing = [key for key, value in props.items() if value is None and key in _REQUIRED_KEYWORDS]
            if missing:
                raise _error(
                    where,
                    "",
                    f"PolicyGeneration {id!r} needs {', '.join(missing)}; give "
                    f"{'it' if len(missing) == 1 else 'them'} as keyword arguments, or the whole request as spec=.",
                )
            props["name"] = id if name is None else name
            spec = _checked(framework, _document(props, where), f"{where.file}:{where.line}", where)
        waiting = wait_problems(wait_for_completion, wait_timeout, queue_timeout)
        if waiting:
            raise SpecError([dataclasses.replace(where, pointer=f"/{name}", message=m) for name, m in waiting])
        job_ids = JobIdsOutput.of(scope)
        job_ids.check_unique(spec.name, where)
        if isinstance(provider, AccountProviders):
            provider = provider.provider_for_principal(spec.principal_arn, name=spec.name)
        ledger = DailyQuotaLedger.of(framework.stack_of(scope))
        entry = QueuedGeneration(
            spec.name,
            queue_of(provider, spec.principal_arn),
            allow_later_days or bool(getattr(provider, "allow_later_days", False)),
        )
        ledger.check([entry])
        ledger.add(entry)
        super().__init__(scope, id)
        framework.adopt(self)
        self.spec = spec
        job_ids.register(spec.name, self)
        chosen = use_provider(scope, provider)  # scope's stack is this construct's (and already known)
        if allow_later_days:
            # The provider's own check at plan counts this generation's create too: let it pass there.
            (chosen if chosen is not None else default_provider(scope)).allow_later_days = True
        self.resource = PolicyGenerationResource(
            self,
            "resource",
            spec=spec,
            wait_for_completion=wait_for_completion,
            wait_timeout=wait_timeout,
            queue_timeout=queue_timeout,
            instance_key=f"{WORKSPACE}/{job_ids.stack_id}/{spec.name}",
            provider=chosen,
        )
        self.resource.override_logical_id(terraform_identifier(spec.name))
        principal = "" if _is_token(framework, spec.principal_arn) else f" ({spec.principal_arn})"  # literal
        #: The ``<name>_job_id`` output.
        self.output = framework.output(
            self,
            spec.output_name,
            value=self.resource.job_id,
            description=f"Access Analyzer job id of the policy generation {spec.name!r}{principal}.",
        )

    @property
    def name(self) -> str:
        """The generation's name (the spec's, else the one given, else the construct id)."""
        return self.spec.name

    @property
    def job_id(self) -> str:
        """The job id StartPolicyGeneration returned: a token, usable in other resources and outputs."""
        return self.resource.job_id

    @property
    def status(self) -> str:
        """The job status as of the last apply or refresh: a token, usable in other resources and outputs."""
        return self.resource.status

    @classmethod
    def from_file(
        cls,
        scope: Construct,
        path: str | Path,
        *,
        accounts: AccountProviders | None = None,
        allow_later_days: bool = False,
    ) -> list[PolicyGeneration]:
        """One construct per generation in the spec file ``path`` (construct ids are the spec names).

        ``accounts`` and ``allow_later_days`` as for :meth:`PolicyGenerations.from_directory`.
        Raises :class:`policygen.errors.SpecError` listing every problem when the file is invalid.
        """
        return _declare(scope, load_paths([path]), accounts, allow_later_days)


class PolicyGenerations:
    """Helpers that declare many generations at once."""

    @staticmethod
    def from_directory(
        scope: Construct,
        path: str | Path,
        *,
        accounts: AccountProviders | None = None,
        allow_later_days: bool = False,
    ) -> list[PolicyGeneration]:
        """One :class:`PolicyGeneration` per generation in the spec files of folder ``path``.

        With ``accounts`` (an :class:`AccountProviders`), each generation is started through the
        provider of its principal's account, which assumes that account's role. Everything is
        checked before any construct is made: every problem of every file
        (:class:`policygen.errors.SpecError`), every account the roles leave out, with its specs
        (:class:`policygen.errors.AccountRoleError`), and every generation beyond the daily quota of
        its account and Region (:class:`policygen.errors.DailyQuotaError`) unless
        ``allow_later_days`` (or the provider's) lets them run on a later day.
        """
        return _declare(scope, load_paths([path]), accounts, allow_later_days)


def _declare(
    scope: Construct, specs: list[Spec], accounts: AccountProviders | None, allow_later_days: bool
) -> list[PolicyGeneration]:
    """The generations of ``specs``, after checking the accounts and the daily quota of all of them at once."""
    if accounts is None:
        providers: list[AccessAnalyzerProvider | None] = [None] * len(specs)
    else:
        accounts.check(specs)
        providers = [accounts.provider_for_principal(spec.principal_arn, name=spec.name) for spec in specs]
    later = [allow_later_days or bool(getattr(p, "allow_later_days", False)) for p in providers]
    DailyQuotaLedger.of(framework_of(scope).stack_of(scope)).check(
        [
            QueuedGeneration(s.name, queue_of(p, s.principal_arn), a)
            for s, p, a in zip(specs, providers, later, strict=True)
        ]
    )
    return [
        PolicyGeneration(scope, spec.name, spec=spec, provider=provider, allow_later_days=allow_later_days)
        for spec, provider in zip(specs, providers, strict=True)
    ]


class JobIdsOutput(FrameworkElement):
    """The stack output ``policy_generation_job_ids``: every generation's name -> its job id.

    One per stack, added with the stack's first :class:`PolicyGeneration`; its value is computed
    when the stack is synthesized, so it holds every generation of the stack, whenever added.
    """

    framework_base = "TerraformOutput"

    def __init__(self, stack: Any) -> None:
        super().__init__(
            stack,
            JOB_IDS_OUTPUT,
            value=self._framework.lazy(self._job_ids),
            description="Access Analyzer job id of every policy generation of this stack, by name.",
        )
        self.generations: dict[str, PolicyGeneration] = {}
        #: The stack's id (its name), made once: each look-up is a jsii round trip.
        self.stack_id: str = stack.node.id
        # Terraform name -> generation name, so that each check is one look-up (stacks hold hundreds).
        self._identifiers: dict[str, str] = {}

    def register(self, name: str, generation: PolicyGeneration) -> None:
        """Add a generation (after :meth:`check_unique`)."""
        self.generations[name] = generation
        self._identifiers[terraform_identifier(name)] = name

    def _job_ids(self) -> dict[str, str]:
        """The output's value, computed at synth."""
        return {name: generation.job_id for name, generation in sorted(self.generations.items())}

    @classmethod
    def of(cls, scope: Construct) -> JobIdsOutput:
        """The output of ``scope``'s stack, added on first use (remembered: finding it is two jsii round trips)."""
        stack = framework_of(scope).stack_of(scope)
        output = _JOB_IDS.get(stack)
        if output is None:
            found = stack.node.try_find_child(JOB_IDS_OUTPUT)
            output = _JOB_IDS[stack] = found if isinstance(found, cls) else cls(stack)
        return output

    def check_unique(self, name: str, where: Problem) -> None:
        """Raise SpecError when another generation of the stack has ``name`` (or its Terraform name)."""
        identifier = terraform_identifier(name)
        other_name = self._identifiers.get(identifier)
        if other_name is not None:
            other = self.generations[other_name]
            if other_name == name:
                clash = f"the name {name!r} is already used by the PolicyGeneration at {other.node.path!r}"
            else:
                clash = (
                    f"the name {name!r} becomes the Terraform name {identifier!r}, as the name {other_name!r} "
                    f"of the PolicyGeneration at {other.node.path!r} does"
                )
            raise _error(
                where,
                "/name",
                f"{clash}; names become resource and output names, so they must be unique in a stack. "
                "Give another name= (or rename the spec).",
            )


# ---- checking the request ----------------------------------------------------------------------

#: The keys of a :class:`TrailSpec` mapping: the keywords of a trail's fields.
_TRAIL_KEYS = tuple(f.keyword for f in TRAIL_FIELDS)


def _document(props: dict[str, Any], where: Problem) -> dict[str, Any]:
    """The spec document (API field names) that the keyword arguments describe."""
    trails: list[Mapping[str, Any]] = []
    for index, trail in enumerate(props["trails"]):
        if isinstance(trail, Trail):
            trails.append(trail.attributes())
            continue
        if not isinstance(trail, Mapping):
            raise _error(where, f"/trails/{index}", f"trails[{index}] must be a Trail or a mapping, not {trail!r}.")
        unknown = sorted(set(trail) - set(_TRAIL_KEYS))
        if unknown:
            raise _error(
                where,
                f"/trails/{index}",
                f"trails[{index}] has unknown key(s) {', '.join(map(repr, unknown))}; "
                f"allowed keys: {', '.join(_TRAIL_KEYS)}.",
            )
        trails.append(trail)
    return {"name": props["name"], **fields.document({**props, "trails": trails})}


def _checked(framework: Framework, doc: dict[str, Any], source: str, where: Problem) -> Spec:
    """Check ``doc`` with the spec's rules; return its Spec or raise SpecError at the props at fault.

    Problems are reported at ``where`` (the user's call), with pointers into the props.

    Values that are tokens are not known until apply: the problems found at (or inside) them are
    left to the provider, which checks the request again at plan time with the same rules.
    """
    tokens = [pointer for pointer, value in _leaves(doc) if _is_token(framework, value)]
    if not tokens:
        try:
            spec = from_document(doc, source)
        except SpecError as exc:
            raise SpecError([_at(where, p.pointer, p.message) for p in exc.problems]) from None
        return spec
    problems = [
        _at(where, pointer, message)
        for pointer, message in document_findings(doc)
        if not any(pointer == t or pointer.startswith(t + "/") for t in tokens)
    ]
    if problems:
        raise SpecError(problems)
    return build_spec(doc, source, tokens=tokens)


def _leaves(value: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, f"{pointer}/{index}")
    else:
        yield pointer, value


def _is_token(framework: Framework, value: Any) -> bool:
    """A value known only at apply: a framework token, or a Terraform expression written as a string.

    String tokens always read ``${...}``, so only numbers need to ask the framework (a jsii round trip).
    """
    if isinstance(value, str):
        return "${" in value
    return isinstance(value, int | float) and not isinstance(value, bool) and framework.is_unresolved(value)


def _prop_pointer(pointer: str) -> str:
    """``/cloudTrailDetails/trails/0/cloudTrailArn`` -> ``/trails/0/cloud_trail_arn``: a pointer into the props."""
    return "".join(f"/{step}" for step in fields.attribute_path(pointer))


def _call_site(framework: Framework) -> Problem:
    """Where user code created the construct: the innermost frame outside policygen, the framework and jsii.

    Frames are walked without reading their source; only the one found is summarised (with its column).
    """
    skip = tuple(f"{folder}{os.sep}" for folder in (*framework.source_dirs(), str(Path(__file__).parent.parent)))
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if not frame.f_code.co_filename.startswith(skip):
            found = traceback.extract_stack(frame, limit=1)[-1]
            return Problem(found.filename, found.lineno or 1, (found.colno or 0) + 1, "", "")
        frame = frame.f_back
    return Problem("<unknown>", 1, 1, "", "")


def _at(where: Problem, pointer: str, message: str) -> Problem:
    return dataclasses.replace(where, pointer=_prop_pointer(pointer), message=message)


def _error(where: Problem, pointer: str, message: str) -> SpecError:
    return SpecError([dataclasses.replace(where, pointer=pointer, message=message)])


#: Each stack's :class:`JobIdsOutput` (:meth:`JobIdsOutput.of`).
_JOB_IDS: weakref.WeakKeyDictionary[Any, JobIdsOutput] = weakref.WeakKeyDictionary()
