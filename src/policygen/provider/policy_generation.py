"""``accessanalyzer_policy_generation``: starts one Access Analyzer policy generation during apply.

Every input forces replacement (a changed request is a new job); ``job_id`` and ``status`` are
computed. Order: model, schema, validate, create, read, update, delete.
"""

from __future__ import annotations

import logging
from typing import Any

from tf.iface import Config, CreateContext, DeleteContext, ReadContext, Resource, State, UpdateContext
from tf.schema import Attribute, Schema
from tf.types import Bool, List, Map, Number, String, Unknown
from tf.utils import Diagnostics

from policygen._names import POLICY_GENERATION_TYPE, PROVIDER_TYPE
from policygen.errors import JobNotFoundError
from policygen.provider.provider import AccessAnalyzerProvider, diagnosed
from policygen.provider.types import ObjectList
from policygen.spec import document_findings, resolve_request

log = logging.getLogger("policygen.provider")

# ---- model -------------------------------------------------------------------------------------

#: API field name -> attribute name, for turning spec pointers into attribute paths.
_ATTRIBUTE_OF = {
    "principalArn": "principal_arn",
    "accessRole": "access_role",
    "trails": "trails",
    "cloudTrailArn": "cloud_trail_arn",
    "regions": "regions",
    "allRegions": "all_regions",
    "startTime": "start_time",
    "endTime": "end_time",
    "lookbackDays": "lookback_days",
    "clientToken": "client_token",
    "triggers": "triggers",
}


def document_of(state: State) -> dict[str, Any]:
    """The spec document (API field names) that a resource's attributes describe."""
    trails = []
    for trail in state.get("trails") or []:
        item: dict[str, Any] = {"cloudTrailArn": trail["cloud_trail_arn"]}
        if trail.get("regions"):
            item["regions"] = list(trail["regions"])
        if trail.get("all_regions") is not None:
            item["allRegions"] = trail["all_regions"]
        trails.append(item)
    details: dict[str, Any] = {"trails": trails, "accessRole": state.get("access_role")}
    for attribute, key in (("start_time", "startTime"), ("lookback_days", "lookbackDays"), ("end_time", "endTime")):
        if state.get(attribute) not in (None, Unknown):
            details[key] = state[attribute]
    doc: dict[str, Any] = {
        "policyGenerationDetails": {"principalArn": state.get("principal_arn")},
        "cloudTrailDetails": details,
    }
    if state.get("client_token") not in (None, Unknown):
        doc["clientToken"] = state["client_token"]
    if state.get("triggers"):
        doc["triggers"] = dict(state["triggers"])
    return doc


def attribute_path(pointer: str) -> list[Any]:
    """``/cloudTrailDetails/trails/0/cloudTrailArn`` -> ``["trails", (0,), "cloud_trail_arn"]``."""
    path: list[Any] = []
    for part in pointer.split("/")[1:]:
        if part.isdigit():
            path.append((int(part),))
        elif part in _ATTRIBUTE_OF:
            path.append(_ATTRIBUTE_OF[part])
    return path


def _contains_unknown(value: Any) -> bool:
    if value is Unknown:
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return False


# ---- schema ------------------------------------------------------------------------------------

TRAIL = ObjectList(
    {"cloud_trail_arn": String(), "regions": List(String()), "all_regions": Bool()},
    optional={"regions", "all_regions"},
)


class PolicyGenerationResource(Resource):
    """One StartPolicyGeneration request and the job it started."""

    def __init__(self, provider: AccessAnalyzerProvider) -> None:
        self.provider = provider

    @classmethod
    def get_name(cls) -> str:
        return POLICY_GENERATION_TYPE.removeprefix(f"{PROVIDER_TYPE}_")

    @classmethod
    def get_schema(cls) -> Schema:
        def replace(name: str, type_: Any, description: str, **kw: Any) -> Attribute:
            return Attribute(name, type_, description=description, requires_replace=True, **kw)

        return Schema(
            version=1,
            description="Starts an IAM Access Analyzer policy generation (StartPolicyGeneration) during "
            "apply. Every input forces a new job; `job_id` is the job's id.",
            attributes=[
                replace(
                    "principal_arn", String(), "ARN of the IAM role or user to generate a policy for.", required=True
                ),
                replace(
                    "access_role",
                    String(),
                    "ARN of the service role Access Analyzer uses to read the trails.",
                    required=True,
                ),
                replace(
                    "trails",
                    TRAIL,
                    "CloudTrail trails to analyse: `cloud_trail_arn`, and either `regions` or `all_regions = true`.",
                    required=True,
                ),
                replace(
                    "start_time",
                    String(),
                    "Start of the window (RFC 3339). Computed from "
                    "`lookback_days` when the job is created if left out.",
                    optional=True,
                    computed=True,
                ),
                replace(
                    "lookback_days",
                    Number(),
                    "Relative window: the last N days (1-90), resolved "
                    "into `start_time` once, when the job is created.",
                    optional=True,
                ),
                replace("end_time", String(), "End of the window (RFC 3339). Default: now.", optional=True),
                replace(
                    "client_token",
                    String(),
                    "Idempotency token. Default: derived from the request, so a retried apply returns the same job.",
                    optional=True,
                    computed=True,
                ),
                replace(
                    "triggers",
                    Map(String()),
                    "Opaque strings mixed into the derived client token: changing one starts a new job for an "
                    "otherwise identical request (like `terraform_data.triggers_replace`). Not with `client_token`.",
                    optional=True,
                ),
                Attribute("job_id", String(), computed=True, description="The job id StartPolicyGeneration returned."),
                Attribute(
                    "status",
                    String(),
                    computed=True,
                    description="IN_PROGRESS, SUCCEEDED, FAILED or CANCELED, as of the last apply or refresh.",
                ),
            ],
        )

    # ---- validate ------------------------------------------------------------------------------

    def validate(self, diags: Diagnostics, type_name: str, config: Config) -> None:
        super().validate(diags, type_name, config)
        if diags.has_errors() or _contains_unknown(config):
            return  # values that come from other resources are checked at apply
        for pointer, message in document_findings(document_of(config)):
            diags.add_error("Invalid policy generation request", message, path=attribute_path(pointer))

    # ---- create --------------------------------------------------------------------------------

    @diagnosed(fallback=lambda planned: None)
    def create(self, ctx: CreateContext, planned: State) -> State | None:
        request = resolve_request(document_of(planned))
        job_id = self.provider.service.start_queued(request)
        log.info("started policy generation %s for %s", job_id, planned["principal_arn"])
        status = self.provider.service.get(job_id)["jobDetails"]["status"]
        return {
            **planned,
            "start_time": request["cloudTrailDetails"]["startTime"],
            "client_token": request["clientToken"],
            "job_id": job_id,
            "status": status,
        }

    # ---- read ----------------------------------------------------------------------------------

    @diagnosed(fallback=lambda current: current)
    def read(self, ctx: ReadContext, current: State) -> State | None:
        try:
            details = self.provider.service.get(current["job_id"])["jobDetails"]
        except JobNotFoundError:
            return current  # kept: dropping it from state would start a new job on the next apply
        return {**current, "status": details["status"]}

    # ---- update --------------------------------------------------------------------------------

    def update(self, ctx: UpdateContext, current: State, planned: State) -> State | None:
        return planned  # every input forces replacement, so only computed values can differ here

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


__all__ = ["PolicyGenerationResource", "attribute_path", "document_of"]
