"""The request a spec sends: lookbackDays resolved, the client token derived, triggers mixed in."""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from policygen.spec import derive_client_token, resolve_request
from policygen.spec.model import DERIVED_TOKEN_NAMESPACE

DOC: dict[str, Any] = {
    "name": "app",
    "policyGenerationDetails": {"principalArn": "arn:aws:iam::123456789012:role/app"},
    "cloudTrailDetails": {
        "trails": [{"cloudTrailArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/management"}],
        "accessRole": "arn:aws:iam::123456789012:role/Access",
        "lookbackDays": 30,
    },
}
AFTERNOON = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)


def with_details(**details: Any) -> dict[str, Any]:
    """DOC with cloudTrailDetails entries replaced (None removes one)."""
    doc = copy.deepcopy(DOC)
    for key, value in details.items():
        if value is None:
            doc["cloudTrailDetails"].pop(key, None)
        else:
            doc["cloudTrailDetails"][key] = value
    return doc


def test_lookback_days_counts_back_from_midnight_utc_of_today() -> None:
    """30 days means today (UTC) and the 29 days before it: start at midnight UTC, 29 days ago."""
    request = resolve_request(DOC, now=AFTERNOON)
    assert request["cloudTrailDetails"]["startTime"] == "2026-10-30T00:00:00Z"
    assert "lookbackDays" not in request["cloudTrailDetails"]
    assert "endTime" not in request["cloudTrailDetails"]


def test_lookback_days_counts_back_from_end_time_when_given() -> None:
    """With an endTime, the window is exactly N days long and ends there."""
    request = resolve_request(with_details(endTime="2026-11-20T06:00:00Z", lookbackDays=7), now=AFTERNOON)
    assert request["cloudTrailDetails"]["startTime"] == "2026-11-13T06:00:00Z"
    assert request["cloudTrailDetails"]["endTime"] == "2026-11-20T06:00:00Z"


def test_the_same_request_on_the_same_day_gets_the_same_token() -> None:
    """Retries during one UTC day send the same request and token, so no second job starts."""
    morning = datetime(2026, 11, 28, 0, 0, 1, tzinfo=UTC)
    assert resolve_request(DOC, now=morning) == resolve_request(DOC, now=AFTERNOON)


def test_the_token_is_the_documented_uuid5_of_the_canonical_request() -> None:
    """uuid5(namespace, sha256(canonical JSON of the request without name and clientToken))."""
    request = resolve_request(DOC, now=AFTERNOON)
    body = {k: v for k, v in request.items() if k != "clientToken"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    expected = uuid.uuid5(DERIVED_TOKEN_NAMESPACE, hashlib.sha256(canonical.encode()).hexdigest())
    assert request["clientToken"] == str(expected)


def test_the_name_does_not_change_the_token() -> None:
    """Renaming a generation is not a new request."""
    renamed = {**DOC, "name": "other"}
    assert resolve_request(renamed, now=AFTERNOON)["clientToken"] == resolve_request(DOC, now=AFTERNOON)["clientToken"]


def test_a_changed_field_changes_the_token() -> None:
    """Any change to the request gives a new token, and so a new job."""
    other = with_details(lookbackDays=31)
    assert resolve_request(other, now=AFTERNOON)["clientToken"] != resolve_request(DOC, now=AFTERNOON)["clientToken"]


def test_an_explicit_client_token_is_kept() -> None:
    """A spec's own clientToken is sent unchanged."""
    assert resolve_request({**DOC, "clientToken": "deploy-42"}, now=AFTERNOON)["clientToken"] == "deploy-42"


def test_triggers_are_not_sent_to_the_service() -> None:
    """name and triggers are policygen's own; the request holds only API fields."""
    request = resolve_request({**DOC, "triggers": {"rev": "1"}}, now=AFTERNOON)
    assert set(request) == {"policyGenerationDetails", "cloudTrailDetails", "clientToken"}


def test_a_new_trigger_value_gives_a_new_token() -> None:
    """Changing a trigger starts a new job for an otherwise identical request."""
    one = resolve_request({**DOC, "triggers": {"rev": "1"}}, now=AFTERNOON)
    two = resolve_request({**DOC, "triggers": {"rev": "2"}}, now=AFTERNOON)
    assert one["clientToken"] != two["clientToken"]
    assert {k: v for k, v in one.items() if k != "clientToken"} == {k: v for k, v in two.items() if k != "clientToken"}


def test_no_triggers_and_empty_triggers_give_the_same_token() -> None:
    """Adding `triggers: {}` to a spec does not start a new job."""
    request = resolve_request(DOC, now=AFTERNOON)
    assert derive_client_token(request, {}) == derive_client_token(request) == request["clientToken"]


def test_triggers_are_mixed_in_as_one_more_member() -> None:
    """With triggers, the hashed object is the request plus a "triggers" member."""
    request = resolve_request(DOC, now=AFTERNOON)
    body = {k: v for k, v in request.items() if k != "clientToken"}
    canonical = json.dumps({**body, "triggers": {"rev": "1"}}, sort_keys=True, separators=(",", ":"))
    expected = uuid.uuid5(DERIVED_TOKEN_NAMESPACE, hashlib.sha256(canonical.encode()).hexdigest())
    assert derive_client_token(request, {"rev": "1"}) == str(expected)


def test_resolve_request_leaves_the_document_alone() -> None:
    """Resolving does not modify the spec document."""
    before = copy.deepcopy(DOC)
    resolve_request(DOC, now=AFTERNOON)
    assert before == DOC
