"""ListPolicyGenerations: last seven days, newest first, principalArn filter, maxResults/nextToken."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from policygen.emulator import Emulator

from .helpers import PRINCIPAL, FakeClock, make_client, start_request

OTHER = "arn:aws:iam::123456789012:user/alice"


def _started(emulator_factory: Callable[..., Emulator], principals: list[str]) -> tuple[Any, list[str], FakeClock]:
    clock = FakeClock()
    client = make_client(emulator_factory(clock=clock, daily_quota=1000).url)
    ids = []
    for principal in principals:
        ids.append(client.start_policy_generation(**start_request(principal))["jobId"])
        clock.advance(seconds=1)
    return client, ids, clock


def test_pages_cover_every_job_newest_first(emulator_factory: Callable[..., Emulator]) -> None:
    """Following nextToken with maxResults=2 visits all five jobs once, newest first."""
    client, ids, _ = _started(emulator_factory, [PRINCIPAL] * 5)
    seen, token = [], None
    while True:
        page = client.list_policy_generations(maxResults=2, **({"nextToken": token} if token else {}))
        assert len(page["policyGenerations"]) <= 2
        seen += [entry["jobId"] for entry in page["policyGenerations"]]
        token = page.get("nextToken")
        if token is None:
            break
    assert seen == list(reversed(ids))


def test_boto3_paginator_works(emulator_factory: Callable[..., Emulator]) -> None:
    """botocore's own paginator for ListPolicyGenerations walks all pages."""
    client, ids, _ = _started(emulator_factory, [PRINCIPAL] * 3)
    pages = client.get_paginator("list_policy_generations").paginate(PaginationConfig={"PageSize": 1})
    assert [entry["jobId"] for page in pages for entry in page["policyGenerations"]] == list(reversed(ids))


def test_principal_filter(emulator_factory: Callable[..., Emulator]) -> None:
    """principalArn limits the list to that principal's jobs."""
    client, ids, _ = _started(emulator_factory, [PRINCIPAL, OTHER, PRINCIPAL])
    listed = client.list_policy_generations(principalArn=OTHER)["policyGenerations"]
    assert [entry["jobId"] for entry in listed] == [ids[1]]


def test_only_the_last_seven_days_are_listed(emulator_factory: Callable[..., Emulator]) -> None:
    """A job started more than seven days ago is no longer listed, nor returned by GetGeneratedPolicy."""
    client, ids, clock = _started(emulator_factory, [PRINCIPAL])
    clock.advance(days=6, hours=23)
    assert client.get_generated_policy(jobId=ids[0])["jobDetails"]["status"] == "SUCCEEDED"
    clock.advance(hours=1, seconds=1)
    assert client.list_policy_generations()["policyGenerations"] == []
    with pytest.raises(ClientError) as caught:
        client.get_generated_policy(jobId=ids[0])
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_unknown_next_token_is_rejected(client: Any) -> None:
    """A nextToken the service never returned is a ValidationException."""
    with pytest.raises(ClientError) as caught:
        client.list_policy_generations(nextToken="forged")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
