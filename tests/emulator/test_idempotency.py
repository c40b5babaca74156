"""clientToken idempotency: same token and request, same job; same token, other request, conflict."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from policygen.emulator import Emulator

from .helpers import start_request


def test_same_token_same_request_returns_same_job(emulator: Emulator, client: Any) -> None:
    """A retried StartPolicyGeneration with the same token and request returns the first jobId."""
    request = start_request(token="retry-me")
    first = client.start_policy_generation(**request)["jobId"]
    assert client.start_policy_generation(**request)["jobId"] == first
    assert len(emulator.backend.jobs()) == 1


def test_same_token_other_request_is_a_conflict(client: Any) -> None:
    """Reusing a token with a different request is a ConflictException naming the first job."""
    first = client.start_policy_generation(**start_request(token="tok", days=2))["jobId"]
    with pytest.raises(ClientError) as caught:
        client.start_policy_generation(**start_request(token="tok", days=3))
    assert caught.value.response["Error"]["Code"] == "ConflictException"
    assert caught.value.response["resourceId"] == first
