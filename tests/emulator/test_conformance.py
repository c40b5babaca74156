"""Every response, success or error, parses with unmodified boto3 and satisfies the botocore model."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from policygen.emulator import Emulator
from policygen.emulator.faults import FaultPlan
from policygen.emulator.models import RegionalBackend, World

from .helpers import (
    ACCESS_ROLE,
    FAKE_AUTHORIZATION,
    assert_conforms,
    assert_error_conforms,
    make_client,
    raw_request,
    start_request,
    unvalidated_client,
)


def test_start_get_list_cancel_conform(client: Any) -> None:
    """The four operations' successful responses satisfy their output shapes."""
    started = client.start_policy_generation(**start_request())
    assert_conforms("StartPolicyGeneration", started)
    job_id = started["jobId"]
    assert_conforms("GetGeneratedPolicy", client.get_generated_policy(jobId=job_id))
    assert_conforms(
        "GetGeneratedPolicy",
        client.get_generated_policy(jobId=job_id, includeResourcePlaceholders=True, includeServiceLevelTemplate=True),
    )
    assert_conforms("ListPolicyGenerations", client.list_policy_generations())
    assert_conforms("CancelPolicyGeneration", client.cancel_policy_generation(jobId=job_id))


def test_in_progress_and_canceled_jobs_conform(emulator_factory: Callable[..., Emulator]) -> None:
    """GetGeneratedPolicy for a job in progress and a cancelled job still has every required member."""
    client = make_client(emulator_factory(job_seconds=30).url)
    job_id = client.start_policy_generation(**start_request())["jobId"]
    in_progress = client.get_generated_policy(jobId=job_id)
    assert_conforms("GetGeneratedPolicy", in_progress)
    assert "generatedPolicies" not in in_progress["generatedPolicyResult"]
    client.cancel_policy_generation(jobId=job_id)
    canceled = client.get_generated_policy(jobId=job_id)
    assert_conforms("GetGeneratedPolicy", canceled)
    assert canceled["jobDetails"]["status"] == "CANCELED"


def test_failed_job_carries_a_job_error(emulator_factory: Callable[..., Emulator]) -> None:
    """A FAILED job has a jobError whose code is one of the model's JobErrorCode values."""
    client = make_client(emulator_factory(world=World(access_roles=frozenset())).url)
    job_id = client.start_policy_generation(**start_request())["jobId"]
    response = client.get_generated_policy(jobId=job_id)
    assert_conforms("GetGeneratedPolicy", response)
    assert response["jobDetails"]["status"] == "FAILED"
    assert response["jobDetails"]["jobError"]["code"] == "AUTHORIZATION_ERROR"
    assert ACCESS_ROLE in response["jobDetails"]["jobError"]["message"]


def test_validation_exception_has_reason_and_field_list(client: Any) -> None:
    """A pattern violation is a 400 ValidationException with reason and the failing field, worded as AWS."""
    with pytest.raises(ClientError) as caught:
        client.start_policy_generation(**start_request("arn:aws:iam::123456789012:group/Devs"))
    assert_error_conforms(caught.value, "ValidationException")
    response = caught.value.response
    assert response["reason"] == "fieldValidationFailed"
    assert response["fieldList"][0]["name"] == "policyGenerationDetails.principalArn"
    assert response["message"].startswith("1 validation error detected: Value 'arn:aws:iam::123456789012:group/Devs'")


def test_missing_required_member_is_reported(client: Any) -> None:
    """A required member left out (accessRole) is reported as 'Member must not be null'."""
    request = start_request()
    del request["cloudTrailDetails"]["accessRole"]
    with pytest.raises(ClientError) as caught:
        unvalidated_client(client.meta.endpoint_url).start_policy_generation(**request)
    assert_error_conforms(caught.value, "ValidationException")
    assert caught.value.response["fieldList"] == [
        {"name": "cloudTrailDetails.accessRole", "message": "Member must not be null"}
    ]


def test_max_results_below_minimum_is_rejected(client: Any) -> None:
    """maxResults=0 breaks the model's min of 1 and is a ValidationException."""
    with pytest.raises(ClientError) as caught:
        unvalidated_client(client.meta.endpoint_url).list_policy_generations(maxResults=0)
    assert_error_conforms(caught.value, "ValidationException")
    assert "Member must have value greater than or equal to 1" in caught.value.response["message"]


def test_unknown_job_is_a_validation_exception(client: Any) -> None:
    """GetGeneratedPolicy for a jobId that does not exist is a ValidationException on jobId."""
    with pytest.raises(ClientError) as caught:
        client.get_generated_policy(jobId="00000000-0000-0000-0000-000000000000")
    assert_error_conforms(caught.value, "ValidationException")
    assert caught.value.response["fieldList"][0]["name"] == "jobId"


def test_conflict_exception_shape(client: Any) -> None:
    """A reused clientToken with another request is a 409 ConflictException with resourceId/Type."""
    client.start_policy_generation(**start_request(token="t", days=1))
    with pytest.raises(ClientError) as caught:
        client.start_policy_generation(**start_request(token="t", days=2))
    assert_error_conforms(caught.value, "ConflictException")


def test_service_quota_exceeded_shape(emulator_factory: Callable[..., Emulator]) -> None:
    """A second generation while one is in progress is a 402 ServiceQuotaExceededException."""
    client = make_client(emulator_factory(job_seconds=30).url)
    client.start_policy_generation(**start_request())
    with pytest.raises(ClientError) as caught:
        client.start_policy_generation(**start_request())
    assert_error_conforms(caught.value, "ServiceQuotaExceededException")


@pytest.mark.parametrize(
    ("kind", "code"), [("throttle", "ThrottlingException"), ("internal", "InternalServerException")]
)
def test_injected_errors_conform(emulator_factory: Callable[..., Emulator], kind: Any, code: str) -> None:
    """Injected throttling (429, Retry-After) and internal errors (500) parse as the model's shapes."""
    emu = emulator_factory(faults=FaultPlan(rate=1.0, kinds=(kind,), phases=("before",)))
    with pytest.raises(ClientError) as caught:
        make_client(emu.url).list_policy_generations()
    assert_error_conforms(caught.value, code)
    if kind == "throttle":
        assert caught.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"


def test_access_denied_shape(emulator_factory: Callable[..., Emulator]) -> None:
    """A caller the world denies gets a 403 AccessDeniedException naming the action."""
    emu = emulator_factory(world=World(denied_access_keys=frozenset({"AKIDEXAMPLE"})))
    with pytest.raises(ClientError) as caught:
        make_client(emu.url).list_policy_generations()
    assert_error_conforms(caught.value, "AccessDeniedException")
    assert "access-analyzer:ListPolicyGenerations" in caught.value.response["message"]


def test_other_operations_are_not_supported(client: Any) -> None:
    """An Access Analyzer operation the endpoint does not emulate is a ValidationException notSupported."""
    with pytest.raises(ClientError) as caught:
        client.list_analyzers()
    assert_error_conforms(caught.value, "ValidationException")
    assert caught.value.response["reason"] == "notSupported"


def test_unknown_route_is_unknown_operation(emulator: Emulator) -> None:
    """A path no operation has is a 404 UnknownOperationException in JSON, not an HTML page."""
    status, headers, body = raw_request(
        emulator.url, "GET", "/no/such/thing", headers={"Authorization": FAKE_AUTHORIZATION}
    )
    assert (status, headers["x-amzn-errortype"]) == (404, "UnknownOperationException")
    assert "message" in json.loads(body)


def test_unsigned_request_is_missing_authentication_token(emulator: Emulator) -> None:
    """A request without an Authorization header is a 403 MissingAuthenticationTokenException."""
    status, headers, body = raw_request(emulator.url, "GET", "/policy/generation")
    assert (status, headers["x-amzn-errortype"]) == (403, "MissingAuthenticationTokenException")
    assert json.loads(body) == {"message": "Missing Authentication Token"}


def test_malformed_signature_is_incomplete_signature(emulator: Emulator) -> None:
    """An Authorization header that is not SigV4 is a 400 IncompleteSignatureException."""
    status, headers, _ = raw_request(emulator.url, "GET", "/policy/generation", headers={"Authorization": "Basic eDp4"})
    assert (status, headers["x-amzn-errortype"]) == (400, "IncompleteSignatureException")


def test_unparseable_body_is_cannot_parse(emulator: Emulator) -> None:
    """A body that is not JSON is a ValidationException with reason cannotParse."""
    status, headers, body = raw_request(
        emulator.url, "PUT", "/policy/generation", headers={"Authorization": FAKE_AUTHORIZATION}, body=b"{nope"
    )
    assert (status, headers["x-amzn-errortype"]) == (400, "ValidationException")
    assert json.loads(body)["reason"] == "cannotParse"


def test_a_bug_is_an_internal_server_exception(
    emulator: Emulator, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected error inside the endpoint is a 500 InternalServerException, never a stack trace."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(RegionalBackend, "list_policy_generations", broken)
    with pytest.raises(ClientError) as caught:
        client.list_policy_generations()
    assert_error_conforms(caught.value, "InternalServerException")
    assert "boom" not in caught.value.response["message"]
