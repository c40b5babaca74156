"""The provider's resource model: attribute types, documents, attribute paths, diagnostics."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tf.iface import CreateContext, ReadContext
from tf.types import Unknown
from tf.utils import Diagnostics

from policygen.aws.client import ClientSettings
from policygen.errors import ServiceError
from policygen.provider.configuration import PolicygenProvider
from policygen.provider.policy_generation import TRAIL, PolicyGenerationHandler, attribute_path, document_of
from policygen.spec.fields import FIELD_OF, REQUEST_FIELDS

STATE: dict[str, Any] = {
    "principal_arn": "arn:aws:iam::123456789012:role/app",
    "access_role": "arn:aws:iam::123456789012:role/aa",
    "trails": [
        {
            "cloud_trail_arn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/management",
            "regions": ["us-east-1"],
            "all_regions": None,
        },
    ],
    "start_time": None,
    "lookback_days": 7,
    "end_time": None,
    "client_token": None,
    "job_id": Unknown,
    "status": Unknown,
}


def test_trail_type_is_a_list_of_objects_with_optional_attributes() -> None:
    """trails is list(object) with regions and all_regions optional, as Terraform's type JSON says."""
    assert json.loads(TRAIL.tf_type()) == [
        "list",
        [
            "object",
            {"cloud_trail_arn": "string", "regions": ["list", "string"], "all_regions": "bool"},
            ["all_regions", "regions"],
        ],
    ]


def test_trail_values_always_carry_every_attribute() -> None:
    """Encoding fills unset attributes with null, which is how Terraform expects objects back."""
    assert TRAIL.encode([{"cloud_trail_arn": "arn"}]) == [
        {"cloud_trail_arn": "arn", "regions": None, "all_regions": None}
    ]
    assert TRAIL.decode(None) is None
    assert TRAIL.encode(Unknown) is Unknown


def test_document_of_uses_the_api_names() -> None:
    """A resource's attributes become the spec document that the spec module validates."""
    assert document_of(STATE) == {
        "policyGenerationDetails": {"principalArn": "arn:aws:iam::123456789012:role/app"},
        "cloudTrailDetails": {
            "trails": [
                {
                    "cloudTrailArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/management",
                    "regions": ["us-east-1"],
                }
            ],
            "accessRole": "arn:aws:iam::123456789012:role/aa",
            "lookbackDays": 7,
        },
    }


def test_the_request_attributes_are_the_table_of_fields() -> None:
    """The schema's first attributes are the request's fields, with the table's flags and descriptions."""
    attributes = {a.name: a for a in PolicyGenerationHandler.get_schema().attributes}
    for field in REQUEST_FIELDS:
        attribute = attributes[field.attribute]
        assert attribute.description == field.description
        assert (attribute.required, attribute.optional, attribute.computed) == (
            field.required,
            not field.required,
            field.computed,
        )
        assert attribute.requires_replace is True
    own = [name for name in attributes if name not in FIELD_OF]
    assert all(not attributes[name].requires_replace for name in own), "the resource's own attributes change in place"


def test_pointers_become_attribute_paths() -> None:
    """A spec problem's JSON pointer names the attribute (and list element) in Terraform's terms."""
    assert attribute_path("/cloudTrailDetails/trails/0/cloudTrailArn") == ["trails", (0,), "cloud_trail_arn"]
    assert attribute_path("/policyGenerationDetails/principalArn") == ["principal_arn"]
    assert attribute_path("/cloudTrailDetails") == []


def test_validate_reports_spec_problems_on_the_attribute() -> None:
    """A request written by hand in HCL gets the spec's messages, on the attribute's path."""
    resource = PolicyGenerationHandler(PolicygenProvider())
    diags = Diagnostics()
    config = {**STATE, "principal_arn": "arn:aws:iam::123456789012:group/devs", "job_id": None, "status": None}
    resource.validate(diags, "accessanalyzer_policy_generation", config)
    (diag,) = diags.diagnostics
    assert diag.summary == "Invalid policy generation request"
    assert diag.path == ["principal_arn"]
    assert "group/devs" in (diag.detail or "")


def test_validate_skips_values_known_only_at_apply() -> None:
    """Values that come from other resources (unknown at validate) are not judged yet."""
    resource = PolicyGenerationHandler(PolicygenProvider())
    diags = Diagnostics()
    resource.validate(diags, "t", {**STATE, "access_role": Unknown, "job_id": None, "status": None})
    assert diags.diagnostics == []


class _FailingService:
    settings = ClientSettings()

    def get(self, job_id: str) -> dict[str, Any]:
        raise ServiceError("GetGeneratedPolicy failed with ThrottlingException: slow down")

    def list(self, principal_arn: str | None = None) -> list[dict[str, Any]]:
        return []

    def start_queued(self, request: dict[str, Any], **options: Any) -> str:
        raise RuntimeError("boom")


def test_a_failed_refresh_keeps_the_job_in_state() -> None:
    """When refresh fails, read reports the error and returns the current state unchanged."""
    provider = PolicygenProvider()
    provider.service = _FailingService()  # type: ignore[assignment]
    ctx = ReadContext(Diagnostics(), "accessanalyzer_policy_generation")
    current = {**STATE, "job_id": "j-1", "status": "IN_PROGRESS"}
    assert PolicyGenerationHandler(provider).read(ctx, current) == current
    (diag,) = ctx.diagnostics.diagnostics
    assert diag.summary == "Could not refresh accessanalyzer_policy_generation"
    assert "ThrottlingException" in (diag.detail or "")


def test_an_unexpected_exception_becomes_a_diagnostic_with_its_message() -> None:
    """A bug surfaces as a diagnostic naming the exception, not as a bare 'Plugin error'."""
    provider = PolicygenProvider()
    provider.service = _FailingService()  # type: ignore[assignment]
    ctx = CreateContext(Diagnostics(), "accessanalyzer_policy_generation")
    assert PolicyGenerationHandler(provider).create(ctx, dict(STATE)) is None
    (diag,) = ctx.diagnostics.diagnostics
    assert "Unexpected RuntimeError: boom" in (diag.detail or "")


class _FailsAfterTheStart(_FailingService):
    def start_queued(self, request: dict[str, Any], **options: Any) -> str:
        return "j-started"

    def get(self, job_id: str) -> dict[str, Any]:
        raise KeyError("jobDetails")  # any bug at all, once the job exists


def test_an_unexpected_exception_after_the_start_keeps_the_job_in_state() -> None:
    """Once the service returned a job id, no exception can make create return without it."""
    provider = PolicygenProvider()
    provider.service = _FailsAfterTheStart()  # type: ignore[assignment]
    ctx = CreateContext(Diagnostics(), "accessanalyzer_policy_generation")
    state = PolicyGenerationHandler(provider).create(ctx, dict(STATE))
    assert state is not None
    assert state["job_id"] == "j-started"
    (diag,) = ctx.diagnostics.diagnostics
    assert diag.summary == "Started policy generation j-started, but could not follow it"


def test_triggers_reach_the_derived_token() -> None:
    """triggers travel from attributes into the document, and a new trigger value gives a new token."""
    from policygen.spec import resolve_request

    base = resolve_request(document_of({**STATE, "triggers": {"rev": "1"}}))
    changed = resolve_request(document_of({**STATE, "triggers": {"rev": "2"}}))
    assert "triggers" not in base
    assert base["clientToken"] != changed["clientToken"]
    assert base["cloudTrailDetails"] == changed["cloudTrailDetails"]


def test_durations_are_bounded_and_cheap() -> None:
    """A duration of a thousand digits, zero or over a day is refused in words, never an overflow."""
    from policygen.spec.waiting import duration_problem

    assert duration_problem("wait_timeout", "1h30m") is None
    assert "at most 24h" in (duration_problem("wait_timeout", "9" * 1000 + "h") or "")
    assert "longer than zero" in (duration_problem("queue_timeout", "0s") or "")
    assert "not a duration" in (duration_problem("wait_timeout", "soon") or "")


def test_client_settings_are_checked_before_botocore_sees_them() -> None:
    """A bad Region or endpoint URL (or variable) is a sentence naming it, not botocore's ValueError."""
    from policygen.aws.client import AccessAnalyzer, ClientSettings, settings_problems

    assert settings_problems("us-east-1", "http://127.0.0.1:4599", {}) == []
    assert [w for w, _ in settings_problems("", "http://127.0.0.1:99999", {})] == ["region", "endpoint"]
    (problem,) = settings_problems(None, None, {"AWS_ENDPOINT_URL": "localhost:1234"})
    assert problem[0] == "AWS_ENDPOINT_URL"
    with pytest.raises(ServiceError, match="is not an endpoint URL: it has no scheme"):
        AccessAnalyzer(ClientSettings(region="us-east-1", endpoint_url="localhost:1234")).client  # noqa: B018


def test_messages_use_attribute_names() -> None:
    """The spec's API names become attribute names in HCL diagnostics."""
    from policygen.provider.policy_generation import in_attribute_terms

    assert in_attribute_terms("`regions` cannot be combined with `allRegions: true`") == (
        "`regions` cannot be combined with `all_regions = true`"
    )
    assert in_attribute_terms("give either startTime or lookbackDays") == "give either start_time or lookback_days"


class _CountingService:
    """Answers like the service for jobs j-0..j-9 (j-3 FAILED) and counts the calls."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def list(self, principal_arn: str | None = None) -> list[dict[str, Any]]:
        self.calls.append("ListPolicyGenerations")
        return [{"jobId": f"j-{i}", "status": "FAILED" if i == 3 else "SUCCEEDED"} for i in range(10)]

    def get(self, job_id: str) -> dict[str, Any]:
        self.calls.append(f"GetGeneratedPolicy {job_id}")
        error = {"code": "SERVICE_ERROR", "message": "x"}
        return {"jobDetails": {"jobId": job_id, "status": "FAILED", "jobError": error}}


def test_a_refresh_of_many_jobs_lists_once() -> None:
    """Ten refreshes make one ListPolicyGenerations call, and GetGeneratedPolicy only for a new FAILED job's error."""
    provider = PolicygenProvider()
    service = _CountingService()
    provider.service = service  # type: ignore[assignment]
    resource = PolicyGenerationHandler(provider)
    states = [
        resource.read(ReadContext(Diagnostics(), "t"), {**STATE, "job_id": f"j-{i}", "client_token": f"t-{i}"})
        for i in range(10)
    ]
    assert service.calls == ["ListPolicyGenerations", "GetGeneratedPolicy j-3"]
    assert [s["status"] for s in states if s] == ["SUCCEEDED"] * 3 + ["FAILED"] + ["SUCCEEDED"] * 6
    assert states[3] is not None
    assert states[3]["job_error"] == "SERVICE_ERROR: x"


def test_wait_timeout_needs_wait_for_completion_at_plan_as_at_synth() -> None:
    """The spec layer's wait rule reaches the provider: wait_timeout alone is refused on the attribute."""
    resource = PolicyGenerationHandler(PolicygenProvider())
    diags = Diagnostics()
    config = {**STATE, "wait_timeout": "45m", "wait_for_completion": None, "job_id": None, "status": None}
    resource.validate(diags, "accessanalyzer_policy_generation", config)
    (diag,) = diags.diagnostics
    assert diag.summary == "Invalid wait_timeout"
    assert diag.path == ["wait_timeout"]
    assert "can only be given with wait_for_completion = true" in (diag.detail or "")


def test_a_version_1_state_is_upgraded_with_interrupted_false() -> None:
    """States written before `interrupted` existed read as not interrupted, every other value kept."""
    from tf.iface import UpgradeContext

    old = {**STATE, "job_id": "j-1", "status": "SUCCEEDED"}
    ctx = UpgradeContext(Diagnostics(), "accessanalyzer_policy_generation")
    upgraded = PolicyGenerationHandler(PolicygenProvider()).upgrade(ctx, 1, old)
    assert upgraded == {**old, "interrupted": False}
    assert ctx.diagnostics.diagnostics == []
