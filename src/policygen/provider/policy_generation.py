"""``accessanalyzer_policy_generation``: starts one Access Analyzer policy generation during apply.

The request's attributes are the table of fields (:mod:`policygen.spec.fields`): every one forces
replacement (a changed request is a new job). The wait settings and ``instance_key`` are the
resource's own and change in place; the job's id, status and times are computed.
Their rules are :mod:`policygen.spec.waiting`'s, shared with the construct.
Order: model, schema, validate, create, read, update, delete, import.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from tf.iface import (
    Config,
    CreateContext,
    DeleteContext,
    ImportContext,
    ReadContext,
    Resource,
    State,
    UpdateContext,
    UpgradeContext,
)
from tf.schema import Schema
from tf.types import Unknown
from tf.utils import Diagnostics

from policygen._names import POLICY_GENERATION_TYPE, PROVIDER_TYPE
from policygen.errors import JobNotFoundError, PolicygenError, StopRequestedError
from policygen.provider import clock
from policygen.provider.diagnostics import ProviderContext, diagnosed
from policygen.provider.job_fields import job_fields
from policygen.provider.rules.claims import SHARED_JOB
from policygen.provider.rules.creation import (
    MAX_SPENT_STEPS,
    Returned,
    beyond_daily_quota,
    creation_request,
    judge_returned,
    plan_create,
    request_key,
    spent_warning,
)
from policygen.provider.rules.memory import Replaced
from policygen.provider.rules.outside import (
    ENDED_BADLY,
    ENDED_OUTSIDE,
    FORGOTTEN,
    UNKNOWN_JOB,
    ended_outside_detail,
    forgotten_detail,
    older_than_history,
    unknown_job_detail,
)
from policygen.provider.types import ObjectList, contains_unknown, schema_attribute, type_of
from policygen.spec import fields
from policygen.spec.attributes import POLICY_GENERATION
from policygen.spec.fields import ATTRIBUTE_OF, REQUEST_FIELDS, TRAIL_FIELDS
from policygen.spec.once import once
from policygen.spec.quotas import QUOTA_PERIOD, daily_quota
from policygen.spec.timestamps import rfc3339
from policygen.spec.waiting import DEFAULT_QUEUE_TIMEOUT, DEFAULT_WAIT_TIMEOUT, parse_duration, wait_problems

log = logging.getLogger("policygen.provider")

# ---- model -------------------------------------------------------------------------------------

#: The attributes of the request's fields, a trail's included: the steps a diagnostic's path can take.
_ATTRIBUTES = frozenset(ATTRIBUTE_OF.values())


def known(state: State) -> dict[str, Any]:
    """``state`` with every value unknown until apply as None: what the rules (rules/) take."""
    return {name: None if value is Unknown else value for name, value in state.items()}


def document_of(state: State) -> dict[str, Any]:
    """The spec document (API field names) that a resource's attributes describe.

    A value unknown until apply counts as left out (the plan fills in what it computes).
    """
    return fields.document(known(state))


def attribute_path(pointer: str) -> list[Any]:
    """``/cloudTrailDetails/trails/0/cloudTrailArn`` -> ``["trails", (0,), "cloud_trail_arn"]``.

    Terraform's paths step into lists by index and into objects by attribute; a part that names
    no attribute (a trigger's key) ends the path at the attribute that holds it.
    """
    path: list[Any] = []
    for step in fields.attribute_path(pointer):
        if isinstance(step, int):
            path.append((step,))
        elif step in _ATTRIBUTES:
            path.append(step)
    return path


_API_NAME = re.compile(r"\b(" + "|".join(k for k, v in ATTRIBUTE_OF.items() if k != v) + r")\b(: (?=true|false))?")


def in_attribute_terms(message: str) -> str:
    """A spec message in Terraform's terms: ``allRegions: true`` -> ``all_regions = true``.

    The spec's checks speak the API's field names, as spec files do; an HCL user wrote attributes.
    """
    return _API_NAME.sub(lambda m: ATTRIBUTE_OF[m.group(1)] + (" = " if m.group(2) else ""), message)


def report(diags: Diagnostics, findings: list[tuple[str, str]]) -> None:
    """The spec's findings as diagnostics on the attributes at fault, in Terraform's terms."""
    for pointer, message in findings:
        diags.add_error("Invalid policy generation request", in_attribute_terms(message), path=attribute_path(pointer))


# ---- schema ------------------------------------------------------------------------------------


class TrailList(ObjectList):
    """``trails``: an unset ``regions`` equals an empty list, an unset ``all_regions`` equals false."""

    def normalize(self, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [
            {**t, "regions": sorted(t.get("regions") or []), "all_regions": bool(t.get("all_regions"))}
            if isinstance(t, dict)
            else t
            for t in value
        ]


#: The type of ``trails``: a list of objects with the attributes of a trail's fields.
TRAIL = TrailList(
    {item.attribute: type_of(item.kind) for item in TRAIL_FIELDS},
    optional={item.attribute for item in TRAIL_FIELDS if not item.required},
)


@once
def _schema() -> Schema:
    return Schema(
        version=2,
        description="Starts an IAM Access Analyzer policy generation (StartPolicyGeneration) during "
        "apply. Every input forces a new job; `job_id` is the job's id.",
        attributes=[schema_attribute(a, TRAIL) for a in POLICY_GENERATION],
    )


class PolicyGenerationHandler(Resource):
    """One StartPolicyGeneration request and the job it started."""

    def __init__(self, provider: ProviderContext) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return POLICY_GENERATION_TYPE.removeprefix(f"{PROVIDER_TYPE}_")

    @classmethod
    def get_schema(cls) -> Schema:
        """The request's fields (from the table), then the attributes of the resource itself.

        Built once: tf asks for it at every validation and state upgrade, twice per resource a plan.
        """
        return _schema()

    def upgrade(self, ctx: UpgradeContext, version: int, old: State) -> State | None:
        """Version 1 had no ``interrupted``; every attribute it had is unchanged."""
        return {**old, "interrupted": old.get("interrupted") or False}

    # ---- validate ------------------------------------------------------------------------------

    def validate(self, diags: Diagnostics, type_name: str, config: Config) -> None:
        super().validate(diags, type_name, config)
        if diags.has_errors() or contains_unknown(config):
            return  # values that come from other resources are checked at apply
        # Imported here, not at the top: the spec's checks bring jsonschema and ruamel.yaml (~0.15 s),
        # which the launches that only answer GetProviderSchema must not pay (bench/). The table of
        # fields (policygen.spec.fields) imports nothing heavy, so it is read at the top.
        from policygen.spec import document_findings

        report(diags, document_findings(document_of(config)))
        waiting = (config.get("wait_for_completion"), config.get("wait_timeout"), config.get("queue_timeout"))
        for name, problem in wait_problems(*waiting):
            diags.add_error(f"Invalid {name}", in_attribute_terms(problem).replace("=True", " = true"), path=[name])

    # ---- plan ----------------------------------------------------------------------------------

    def plan_create(self, diags: Diagnostics, config: Config, replaces: str | None) -> dict[str, Any]:
        """The values the plan of a create can promise (see :mod:`policygen.provider.rules.creation`).

        Judges the rules that depend on the current time, shows ``start_time`` where the
        configuration decides it, and claims the token the create would derive if applied now, so
        that two resources that would share a job are refused before anything starts. ``replaces``
        is the job of the object this create replaces, when Terraform says so. Returns the computed
        attributes to plan (empty when values are unknown until apply, or on error).
        """
        if contains_unknown(config):
            return {}
        plain = known(config)
        planned = plan_create(plain, clock.now(), replaces)
        report(diags, planned.findings)
        if planned.findings or planned.provisional_token is None:
            return {}
        if problem := self.provider.claims.claim_for_create(planned.provisional_token, plain):
            diags.add_error(SHARED_JOB, problem)
        elif not self.provider.allow_later_days and (problem := self._beyond_quota()):
            diags.add_error("Beyond the daily quota of policy generations", problem)
        return planned.values

    def _beyond_quota(self) -> str | None:
        """The error of a create beyond the day's quota of this provider's account and Region, else None."""
        planned = self.provider.claims.creates
        service = self.provider.service
        try:
            region = service.settings.region or service.client.meta.region_name
        except PolicygenError:
            return None  # no client to ask: the provider's configuration has said why
        quota = daily_quota(region)
        # One ListPolicyGenerations per provider process, shared with the refreshes (provider/recent.py).
        started = self.provider.recent.started_since(service, clock.now() - QUOTA_PERIOD)
        return beyond_daily_quota(planned, started, quota, region)

    def request_key(self, state: State) -> str:
        """The identity of the request that ``state`` describes, with this provider's settings."""
        settings = self.provider.service.settings
        where = {"region": settings.region, "profile": settings.profile, "endpoint": settings.endpoint_url}
        return request_key(known(state), where)

    def plan_existing(self, diags: Diagnostics, prior: State) -> None:
        """What the plan of a resource kept in state must say about its job (see rules/outside.py)."""
        job_id = prior.get("job_id")
        if prior.get("status") in ENDED_BADLY and not self.provider.memory.was_created(str(job_id)):
            diags.add_warning(ENDED_OUTSIDE.format(job_id=job_id, status=prior["status"]), ended_outside_detail(prior))

    # ---- create --------------------------------------------------------------------------------

    @diagnosed(fallback=lambda planned: None)
    def create(self, ctx: CreateContext, planned: State) -> State | None:
        plain = known(planned)
        now = clock.now()
        if plain.get("start_time") is not None:  # a configured window is judged when the job is created
            from policygen.spec import document_findings

            decided = {**plain, "lookback_days": None}  # the window the plan showed, as it is sent
            report(ctx.diagnostics, document_findings(document_of(decided), now))
            if ctx.diagnostics.has_errors():
                return None
        replaced = self.provider.memory.replaced_by(self.request_key(planned))
        if replaced is not None and replaced.left_running:
            # The job an interrupted apply left running: keep the window and token it was started with.
            job_id, start_time, token = replaced.job_id, replaced.start_time, replaced.client_token or ""
            log.info("carrying on with policy generation %s, left running by an interrupted apply", job_id)
        else:
            started = self._start(ctx, plain, now, replaced.job_id if replaced else None)
            if started is None:
                return None
            job_id, request = started
            start_time, token = request["cloudTrailDetails"]["startTime"], request["clientToken"]
        state = {
            **planned,
            "start_time": start_time,
            "client_token": token,
            "job_id": job_id,
            "status": "IN_PROGRESS",
            "started_on": None,
            "completed_on": None,
            "job_error": None,
            "interrupted": False,
            "expired": False,
        }
        self.provider.memory.created(job_id)
        # From here on the job exists: whatever happens, return it, so that Terraform keeps it in
        # state (tainted on error) instead of forgetting a running job.
        try:
            self._follow(ctx, state, planned)
        except Exception as exc:
            if not isinstance(exc, PolicygenError):
                log.exception("following policy generation %s failed", job_id)
            ctx.diagnostics.add_error(f"Started policy generation {job_id}, but could not follow it", str(exc))
        return state

    def _start(
        self, ctx: CreateContext, plain: dict[str, Any], now: datetime, replaces: str | None
    ) -> tuple[str, dict[str, Any]] | None:
        """Start the job of this creation: its id and the request that started it, or None on error.

        The principal's jobs are listed first, so that a job the token returns can be judged
        (:func:`judge_returned`): one of an earlier creation is stepped past with a new token.
        """
        service = self.provider.service
        memory = self.provider.memory
        request = creation_request(plain, now, replaces=replaces)
        before = {g["jobId"]: str(g.get("status")) for g in service.list(plain["principal_arn"])}
        queue_timeout = parse_duration(plain.get("queue_timeout") or DEFAULT_QUEUE_TIMEOUT)
        for _ in range(MAX_SPENT_STEPS):
            job_id = service.start_queued(request, queue_timeout=queue_timeout)
            verdict = judge_returned(job_id, before, memory.destroyed_jobs())
            if verdict is Returned.STARTED:
                log.info("started policy generation %s for %s", job_id, plain["principal_arn"])
                return job_id, request
            if verdict is Returned.RESUMED:
                log.info("client token %s returned this creation's job %s", request["clientToken"], job_id)
                return job_id, request
            status = before.get(job_id) or "destroyed by this apply"
            if plain.get("client_token") is not None:
                ctx.diagnostics.add_error(
                    f"The client token {request['clientToken']} belongs to policy generation {job_id} ({status})",
                    "Access Analyzer returns the job a client token started instead of starting another, and "
                    "this create must not end holding a job of an earlier creation. Give this resource a new "
                    "client_token (or leave it out, so that one is derived), or change its triggers.",
                )
                return None
            stepped = creation_request(plain, now, replaces=job_id)
            ctx.diagnostics.add_warning(
                "Stepped past a job of an earlier creation",
                spent_warning(job_id, status, request["clientToken"], stepped["clientToken"]),
            )
            request = stepped
        ctx.diagnostics.add_error(
            "Could not start policy generation",
            f"{MAX_SPENT_STEPS} derived client tokens in a row returned jobs of earlier creations. Change this "
            "resource's triggers (or set a client_token of your own) to start anew.",
        )
        return None

    def _follow(self, ctx: CreateContext, state: dict[str, Any], planned: State) -> None:
        """Fill in the job's status (waiting for its end with ``wait_for_completion``); errors taint it."""
        service = self.provider.service
        job_id = state["job_id"]
        if not planned.get("wait_for_completion"):
            state.update(job_fields(service.get(job_id)["jobDetails"]))
            return
        timeout = parse_duration(planned.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT)
        try:
            details = service.wait(job_id, timeout=timeout)
        except StopRequestedError:
            state["interrupted"] = True
            ctx.diagnostics.add_error(
                f"Interrupted while waiting for policy generation {job_id}",
                "Terraform was asked to stop. The job keeps running at Access Analyzer and is kept in state "
                "(tainted): the next apply carries on waiting for this same job instead of starting another. "
                f"Follow it meanwhile with `policygen wait {job_id}`.",
            )
            return
        state.update(job_fields(details))
        if details["status"] != "SUCCEEDED":
            ctx.diagnostics.add_error(
                f"Policy generation {job_id} ended {details['status']}",
                f"{state['job_error'] or 'The job was cancelled.'} The resource is kept (tainted): the next apply "
                "replaces it with a new job. Fix the cause first (for AUTHORIZATION_ERROR, the access role's "
                "permissions; for RESOURCE_NOT_FOUND_ERROR, the trail).",
            )

    # ---- read ----------------------------------------------------------------------------------

    @diagnosed(fallback=lambda current: current)
    def read(self, ctx: ReadContext, current: State) -> State | None:
        service = self.provider.service
        listed = self.provider.recent.summary(service, current["job_id"])
        if listed is not None and (listed.get("status") != "FAILED" or current.get("job_error")):
            fields = job_fields(listed)  # the list carries no jobError: keep the one recorded
            return {**current, **fields, "job_error": fields["job_error"] or current.get("job_error"), "expired": False}
        try:
            details = service.get(current["job_id"])["jobDetails"]
        except JobNotFoundError as exc:
            if older_than_history(current, clock.now()):
                # Kept, marked expired: dropping it from state would start a new job on the next apply.
                if not current.get("expired"):
                    log.info("policy generation %s is no longer returned by the service: expired", current["job_id"])
                return {**current, "expired": True}
            # A warning, not an error: `terraform destroy` plans (and refreshes) before it destroys,
            # and must still complete. The resource is kept unchanged; nothing new is started.
            detail = unknown_job_detail(current, str(exc), f"Region {exc.region} at {exc.endpoint}")
            ctx.diagnostics.add_warning(UNKNOWN_JOB.format(job_id=current["job_id"]), detail)
            return current
        return {**current, **job_fields(details), "expired": False}

    # ---- update --------------------------------------------------------------------------------

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        # Only wait settings change in place (and, after an import, values the service cannot
        # return): nothing to call, the new values are recorded.
        return planned

    # ---- delete --------------------------------------------------------------------------------

    @diagnosed(fallback=lambda current: None)
    def delete(self, ctx: DeleteContext, current: State) -> None:
        """Destroy the object holding a job: cancel the job if it runs, and remember it.

        The job is remembered for the replacement's create of the same request, which then derives
        a token of its own. An object tainted by an interrupted wait (``interrupted``) leaves its
        job running: the replacement carries on waiting for it. A job that a create of this process
        holds is never cancelled (with ``create_before_destroy`` the replacement may hold it).
        """
        job_id = current["job_id"]
        memory = self.provider.memory
        carry_on = current.get("interrupted") is True and current.get("status") in ("IN_PROGRESS", "SUCCEEDED")
        replaced = (
            Replaced(job_id, True, current.get("start_time"), current.get("client_token"))
            if carry_on
            else Replaced(job_id)
        )
        memory.destroyed(self.request_key(current), replaced)
        if carry_on:
            log.info("left policy generation %s running for its replacement", job_id)
            return
        if memory.was_created(job_id):
            ctx.diagnostics.add_warning(
                f"Policy generation {job_id} was not cancelled",
                "A create of this apply holds the same job (a replacement with create_before_destroy and an "
                "unchanged request), so destroying the old object leaves it running.",
            )
            return
        try:
            status = self.provider.service.get(job_id)["jobDetails"]["status"]
        except JobNotFoundError as exc:
            if older_than_history(current, clock.now()):
                log.info("policy generation %s is no longer known to the service; forgetting it", job_id)
            else:
                ctx.diagnostics.add_warning(FORGOTTEN.format(job_id=job_id), forgotten_detail(current, str(exc)))
            return
        if status == "IN_PROGRESS":
            self.provider.service.cancel(job_id)
            log.info("cancelled policy generation %s", job_id)

    # ---- import --------------------------------------------------------------------------------

    @diagnosed(fallback=lambda job_id: None)
    def import_(self, ctx: ImportContext, job_id: str) -> State | None:
        """Adopt an existing job by its id: what the service returns is filled in, the rest is null.

        Access Analyzer does not return the access role, a relative window, triggers or the client
        token: those stay null, and the first plan records the configured values in place (see
        ``protocol.py``); it never replaces the job.
        """
        service = self.provider.service
        response = service.get(job_id.strip())
        details = response["jobDetails"]
        properties = (response.get("generatedPolicyResult") or {}).get("properties") or {}
        principal = properties.get("principalArn") or next(
            (g["principalArn"] for g in service.list() if g["jobId"] == details["jobId"]), None
        )
        trail_info = properties.get("cloudTrailProperties") or {}
        # A trail's properties are named like the request's trails.
        trails = [fields.attributes(t, TRAIL_FIELDS) for t in trail_info.get("trailProperties") or []]
        for trail in trails:
            trail["regions"] = list(trail["regions"] or []) or None
        return {
            **dict.fromkeys(f.attribute for f in REQUEST_FIELDS),  # what the service does not return
            "principal_arn": principal,
            "trails": trails or None,
            "start_time": rfc3339(trail_info.get("startTime")),
            "wait_for_completion": None,
            "wait_timeout": None,
            "queue_timeout": None,
            "instance_key": None,
            "job_id": details["jobId"],
            **job_fields(details),
            "interrupted": False,
            "expired": False,
        }


__all__ = ["PolicyGenerationHandler", "attribute_path", "document_of"]
