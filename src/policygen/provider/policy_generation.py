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
)
from tf.schema import Attribute, Schema
from tf.types import Bool, List, Map, Number, String, TfType, Unknown
from tf.utils import Diagnostics

from policygen._names import POLICY_GENERATION_TYPE, PROVIDER_TYPE
from policygen.errors import JobNotFoundError, PolicygenError
from policygen.provider import clock
from policygen.provider.diagnostics import ProviderContext, diagnosed
from policygen.provider.job_fields import job_fields
from policygen.provider.planned import REUSE_FOR, PlannedCreate, new_entry, planned_on, request_key
from policygen.provider.types import ObjectList, Timestamp
from policygen.service_limits import JOB_HISTORY
from policygen.spec import fields
from policygen.spec.arns import parse_arn
from policygen.spec.fields import ATTRIBUTE_OF, REQUEST_FIELDS, TRAIL_FIELDS, Field
from policygen.spec.waiting import DEFAULT_QUEUE_TIMEOUT, DEFAULT_WAIT_TIMEOUT, parse_duration, wait_problems
from policygen.timestamps import parse_timestamp, rfc3339

log = logging.getLogger("policygen.provider")

# ---- model -------------------------------------------------------------------------------------

#: The configured inputs that identify a request (the key of its planned create, see planned.py):
#: every field the plan cannot compute, and ``instance_key``. ``start_time`` counts only when it
#: was configured, that is without ``lookback_days``; ``client_token`` not at all.
_KEY_INPUTS = (*(f.attribute for f in REQUEST_FIELDS if not f.computed), "instance_key")
#: The attributes of the request's fields, a trail's included: the steps a diagnostic's path can take.
_ATTRIBUTES = frozenset(ATTRIBUTE_OF.values())
#: Statuses of a job that a create must never end holding when the job had them before it began.
_SPENT = frozenset({"FAILED", "CANCELED"})


def document_of(state: State) -> dict[str, Any]:
    """The spec document (API field names) that a resource's attributes describe.

    A value unknown until apply counts as left out (the plan fills in what it computes).
    """
    return fields.document({name: None if value is Unknown else value for name, value in state.items()})


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


def _contains_unknown(value: Any) -> bool:
    if value is Unknown:
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return False


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


def _tf_type(field: Field) -> TfType:
    """The Terraform type of a field of the request."""
    if field.kind == "objects":
        return TRAIL
    if field.kind == "strings":
        return List(String())
    if field.kind == "string_map":
        return Map(String())
    return {"string": String, "timestamp": Timestamp, "number": Number, "boolean": Bool}[field.kind]()


#: The type of ``trails``: a list of objects with the attributes of a trail's fields.
TRAIL = TrailList(
    {item.attribute: _tf_type(item) for item in TRAIL_FIELDS},
    optional={item.attribute for item in TRAIL_FIELDS if not item.required},
)


def _request_attribute(field: Field) -> Attribute:
    """The resource's attribute for one field of the request (see :mod:`policygen.spec.fields`)."""
    return Attribute(
        field.attribute,
        _tf_type(field),
        description=field.description,
        required=field.required,
        optional=not field.required,
        computed=field.computed,
        requires_replace=field.forces_replacement,
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
        """The request's fields (from the table), then the attributes of the resource itself."""
        return Schema(
            version=1,
            description="Starts an IAM Access Analyzer policy generation (StartPolicyGeneration) during "
            "apply. Every input forces a new job; `job_id` is the job's id.",
            attributes=[
                *(_request_attribute(field) for field in REQUEST_FIELDS),
                Attribute(
                    "wait_for_completion",
                    Bool(),
                    optional=True,
                    description="Return from create only when the job has SUCCEEDED (FAILED fails the apply). "
                    "Default: false, create returns once the job has started. Changing it starts nothing.",
                ),
                Attribute(
                    "wait_timeout",
                    String(),
                    optional=True,
                    description=f"How long `wait_for_completion` waits, e.g. `45m`, `1h30m`. Default: "
                    f"`{DEFAULT_WAIT_TIMEOUT}`. The job keeps running when the wait gives up.",
                ),
                Attribute(
                    "queue_timeout",
                    String(),
                    optional=True,
                    description=f"How long create waits for other generations of the account and Region to "
                    f"finish before it may start (Access Analyzer runs one at a time), e.g. `2h`. Default: "
                    f"`{DEFAULT_QUEUE_TIMEOUT}`. Changing it starts nothing.",
                ),
                Attribute(
                    "instance_key",
                    String(),
                    optional=True,
                    description="Tells this resource apart from others with the same request: mixed into the "
                    "derived client token, never sent. policygen's constructs set it to `<stack>/<name>`; in HCL "
                    "set it (e.g. `instance_key = each.key`) when two resources would have the same request. "
                    "Changing it starts nothing: it counts for the jobs started after the change.",
                ),
                Attribute("job_id", String(), computed=True, description="The job id StartPolicyGeneration returned."),
                Attribute(
                    "status",
                    String(),
                    computed=True,
                    description="IN_PROGRESS, SUCCEEDED, FAILED or CANCELED, as of the last apply or refresh.",
                ),
                Attribute("started_on", String(), computed=True, description="When the job started (RFC 3339)."),
                Attribute("completed_on", String(), computed=True, description="When the job ended (RFC 3339)."),
                Attribute("job_error", String(), computed=True, description="`CODE: message` of a failed job."),
                Attribute(
                    "expired",
                    Bool(),
                    computed=True,
                    description="True once Access Analyzer no longer returns the job (it keeps them about seven "
                    "days). The resource stays in state so that no new job is started; `status` is the last one seen.",
                ),
            ],
        )

    # ---- validate ------------------------------------------------------------------------------

    def validate(self, diags: Diagnostics, type_name: str, config: Config) -> None:
        super().validate(diags, type_name, config)
        if diags.has_errors() or _contains_unknown(config):
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
        """The values the create of ``config`` will send, decided now, so that the plan shows them.

        Judges the rules that depend on the current time (they hold when a job is created, and only
        then), resolves ``lookback_days`` into ``start_time`` and derives the client token, or reuses
        what an earlier plan of the same request decided (see :mod:`policygen.provider.planned`).
        ``replaces`` is the job of the object this create replaces, when Terraform says so. Returns
        the computed attributes to plan (empty when values are unknown until apply, or on error).
        """
        if _contains_unknown(config):
            return {}
        from policygen.spec import document_findings, resolve_request  # see validate

        now = clock.now()
        doc = document_of(config)
        report(diags, document_findings(doc, now))
        if diags.has_errors():
            return {}
        planned = self.provider.planned
        key = self.request_key(config)
        entry = planned.get(key)
        replaces = replaces or (entry.replaces if entry else None)
        if entry is None or not self._reusable(entry, config, replaces, now):
            request = resolve_request(doc, now, instance=config.get("instance_key"), replaces=replaces)
            entry = new_entry(
                now,
                start_time=request["cloudTrailDetails"]["startTime"],
                client_token=request["clientToken"],
                replaces=replaces,
            )
            planned.put(key, entry, now)
        assert entry.client_token is not None  # a decided entry
        self.provider.claims.claim_for_create(diags, entry.client_token, config)
        values = {}
        if config.get("start_time") is None:
            values["start_time"] = entry.start_time
        if config.get("client_token") is None:
            values["client_token"] = entry.client_token
        return values

    def _reusable(self, entry: PlannedCreate, config: Config, replaces: str | None, now: datetime) -> bool:
        """Whether an earlier plan's values still hold for this plan of the same request."""
        from policygen.spec import document_findings

        when = planned_on(entry)
        if not entry.decided or entry.replaces != replaces or when is None or now - when > REUSE_FOR:
            return False
        if config.get("client_token") not in (None, entry.client_token):
            return False
        fixed = {**config, "lookback_days": None, "start_time": entry.start_time}
        return not document_findings(document_of(fixed), now)

    def request_key(self, state: State) -> str:
        """The key of the request that ``state`` (a configuration or a planned state) describes."""
        inputs = {name: state.get(name) for name in _KEY_INPUTS}
        inputs["trails"] = TRAIL.normalize(inputs["trails"])
        if isinstance(inputs["lookback_days"], float) and inputs["lookback_days"].is_integer():
            inputs["lookback_days"] = int(inputs["lookback_days"])
        if state.get("lookback_days") is None:
            inputs["start_time"] = state.get("start_time")
        settings = self.provider.service.settings
        where = {"region": settings.region, "profile": settings.profile, "endpoint": settings.endpoint_url}
        return request_key(inputs, where)

    # ---- create --------------------------------------------------------------------------------

    @diagnosed(fallback=lambda planned: None)
    def create(self, ctx: CreateContext, planned: State) -> State | None:
        service = self.provider.service
        request = self._request(planned)
        token = request["clientToken"]
        principal = planned["principal_arn"]
        # The jobs this principal had before this create: a token that returns one of them that
        # has FAILED or was CANCELED was spent by an earlier creation and must not be taken over.
        before = {g["jobId"]: g.get("status") for g in service.list(principal)}
        queue_timeout = parse_duration(planned.get("queue_timeout") or DEFAULT_QUEUE_TIMEOUT)
        job_id = service.start_queued(request, queue_timeout=queue_timeout)
        if before.get(job_id) in _SPENT:
            ctx.diagnostics.add_error(
                f"The client token {token} belongs to policy generation {job_id}, which had already ended "
                f"{before[job_id]}",
                "Access Analyzer returns the job a client token started instead of starting another, and this "
                "create must not end holding a job that failed or was cancelled before it began. Give this "
                "resource a new client_token (or leave it out, so that one is derived), or change its triggers.",
            )
            return None
        if job_id in before:
            log.info("client token %s returned the existing policy generation %s", token, job_id)
        else:
            log.info("started policy generation %s for %s", job_id, principal)
        state = {
            **planned,
            "start_time": request["cloudTrailDetails"]["startTime"],
            "client_token": token,
            "job_id": job_id,
            "status": "IN_PROGRESS",
            "started_on": None,
            "completed_on": None,
            "job_error": None,
            "expired": False,
        }
        # From here on the job exists: whatever fails, return it, so that Terraform keeps it in
        # state (tainted on error) instead of forgetting a running job.
        key = self.request_key(planned)
        try:
            if planned.get("wait_for_completion"):
                timeout = parse_duration(planned.get("wait_timeout") or DEFAULT_WAIT_TIMEOUT)
                details = service.wait(job_id, timeout=timeout)
            else:
                details = service.get(job_id)["jobDetails"]
        except PolicygenError as exc:
            ctx.diagnostics.add_error(f"Started policy generation {job_id}, but could not follow it", str(exc))
            self.provider.planned.tainted(key, job_id, clock.now())
            return state
        state.update(job_fields(details))
        if planned.get("wait_for_completion") and details["status"] != "SUCCEEDED":
            ctx.diagnostics.add_error(
                f"Policy generation {job_id} ended {details['status']}",
                f"{state['job_error'] or 'The job was cancelled.'} The resource is kept (tainted): the next apply "
                "replaces it with a new job. Fix the cause first (for AUTHORIZATION_ERROR, the access role's "
                "permissions; for RESOURCE_NOT_FOUND_ERROR, the trail).",
            )
            self.provider.planned.tainted(key, job_id, clock.now())
        else:
            self.provider.planned.created(key, clock.now())
        return state

    def _request(self, planned: State) -> dict[str, Any]:
        """The StartPolicyGeneration request of a planned state: the window and token the plan showed."""
        # Imported here: the spec's model brings uuid and hashlib (~3 ms), which only a create needs.
        from policygen.spec.model import resolve_request

        doc = document_of(planned)
        details = doc["cloudTrailDetails"]
        if planned.get("start_time") not in (None, Unknown):
            details.pop("lookbackDays", None)  # resolved at plan: send what the plan showed
        return resolve_request(doc, clock.now(), instance=planned.get("instance_key"))

    # ---- read ----------------------------------------------------------------------------------

    @diagnosed(fallback=lambda current: current)
    def read(self, ctx: ReadContext, current: State) -> State | None:
        self.provider.claims.claim_existing(current)
        service = self.provider.service
        listed = self.provider.recent.summary(service, current["job_id"])
        if listed is not None and (listed.get("status") != "FAILED" or current.get("job_error")):
            fields = job_fields(listed)  # the list carries no jobError: keep the one recorded
            return {**current, **fields, "job_error": fields["job_error"] or current.get("job_error"), "expired": False}
        try:
            details = service.get(current["job_id"])["jobDetails"]
        except JobNotFoundError as exc:
            if _older_than_history(current, clock.now()):
                # Kept, marked expired: dropping it from state would start a new job on the next apply.
                if not current.get("expired"):
                    log.info("policy generation %s is no longer returned by the service: expired", current["job_id"])
                return {**current, "expired": True}
            ctx.diagnostics.add_error(
                f"Policy generation {current['job_id']} is unknown to Access Analyzer",
                f"{exc} It started {current.get('started_on') or 'at an unrecorded time'}, less than seven days "
                f"ago, so it cannot have expired. The principal is in account {_account(current)}. Check that the "
                "provider's region, profile and endpoint are those the job was started with.",
            )
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
        try:
            status = self.provider.service.get(current["job_id"])["jobDetails"]["status"]
            if status == "IN_PROGRESS":
                self.provider.service.cancel(current["job_id"])
                log.info("cancelled policy generation %s", current["job_id"])
        except JobNotFoundError:
            log.info("policy generation %s is no longer known to the service; forgetting it", current["job_id"])

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
            "expired": False,
        }


def _older_than_history(state: State, now: datetime) -> bool:
    """Whether the job's recorded times say the service has forgotten it (after about seven days)."""
    started = state.get("started_on") or state.get("completed_on")
    moment = parse_timestamp(started)
    return moment is not None and now - moment > JOB_HISTORY


def _account(state: State) -> str:
    arn = parse_arn(state.get("principal_arn"))
    return arn.account if arn is not None and arn.account else "(unknown)"


__all__ = ["PolicyGenerationHandler", "attribute_path", "document_of"]
