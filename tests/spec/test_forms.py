"""The two file forms: one generation (the request verbatim) and many (defaults merged into entries)."""

from __future__ import annotations

import json
from pathlib import Path

from policygen.spec import Spec, Trail, deep_merge, document_findings, from_document

from .helpers import MANY, NOW, SINGLE, load, write

BOTO3_REQUEST = {
    "policyGenerationDetails": {"principalArn": "arn:aws:iam::123456789012:role/app"},
    "cloudTrailDetails": {
        "trails": [
            {"cloudTrailArn": "arn:aws:cloudtrail:us-east-1:123456789012:trail/management", "allRegions": True},
        ],
        "accessRole": "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole",
        "startTime": "2026-11-01T00:00:00Z",
        "endTime": "2026-11-20T00:00:00Z",
    },
    "clientToken": "deploy-42",
}


def test_a_boto3_request_pasted_as_json_validates(tmp_path: Path) -> None:
    """The StartPolicyGeneration request as boto3 takes it, plus a name, is a spec."""
    path = write(tmp_path, "app.json", json.dumps({"name": "app", **BOTO3_REQUEST}, indent=2))
    (spec,) = load(path)
    assert spec.to_document() == {"name": "app", **BOTO3_REQUEST}


def test_a_json_spec_may_link_its_schema(tmp_path: Path) -> None:
    """A `$schema` key (for editors) is accepted and ignored."""
    doc = {"$schema": "../schemas/policy-generation.schema.json", "name": "app", **BOTO3_REQUEST}
    (spec,) = load(write(tmp_path, "app.json", json.dumps(doc)))
    assert spec.request()["clientToken"] == "deploy-42"
    assert "$schema" not in spec.request()


def test_a_file_of_one_generation_becomes_one_spec(tmp_path: Path) -> None:
    """Every field of the single form lands in the Spec, timestamps normalised to UTC."""
    (spec,) = load(write(tmp_path, "app.yaml", SINGLE.replace("2026-11-01T00:00:00Z", "2026-11-01T02:00:00+02:00")))
    assert spec == Spec(
        name="app",
        principal_arn="arn:aws:iam::123456789012:role/app",
        access_role="arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole",
        trails=(Trail("arn:aws:cloudtrail:us-east-1:123456789012:trail/management", ("us-east-1", "eu-west-1"), None),),
        start_time="2026-11-01T00:00:00Z",
        end_time="2026-11-20T00:00:00Z",
    )
    assert spec.source == f"{tmp_path / 'app.yaml'}:1"


def test_a_file_of_many_generations_becomes_one_spec_per_entry(tmp_path: Path) -> None:
    """Each entry is merged over the defaults; the source names the entry's line."""
    specs = load(write(tmp_path, "team.yaml", MANY))
    assert [(s.name, s.principal_arn, s.lookback_days) for s in specs] == [
        ("app", "arn:aws:iam::123456789012:role/app", 30),
        ("worker", "arn:aws:iam::123456789012:role/worker", 7),
        ("ci", "arn:aws:iam::123456789012:user/ci", 30),
    ]
    assert {s.access_role for s in specs} == {"arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole"}
    assert [s.source.rsplit(":", 1)[1] for s in specs] == ["10", "12", "16"]


def test_the_principal_shortcut_equals_the_full_form(tmp_path: Path) -> None:
    """`principalArn: X` in an entry means `policyGenerationDetails: {principalArn: X}`."""
    short = MANY.replace(
        "    policyGenerationDetails:\n      principalArn: arn:aws:iam::123456789012:user/ci",
        "    principalArn: arn:aws:iam::123456789012:user/ci",
    )
    (a,) = [s for s in load(write(tmp_path, "a.yaml", MANY)) if s.name == "ci"]
    (b,) = [s for s in load(write(tmp_path / "..", f"{tmp_path.name}-b.yaml", short)) if s.name == "ci"]
    assert a == b


def test_the_defaults_may_hold_the_principal(tmp_path: Path) -> None:
    """One role analysed over different windows: the principal is shared, the entries differ."""
    text = (
        "version: 1\ndefaults:\n  principalArn: arn:aws:iam::123456789012:role/app\n"
        "  cloudTrailDetails:\n    trails: [{cloudTrailArn: arn:aws:cloudtrail:us-east-1:123456789012:trail/main}]\n"
        "    accessRole: arn:aws:iam::123456789012:role/Access\n"
        "generations:\n  - {name: week, cloudTrailDetails: {lookbackDays: 7}}\n"
        "  - {name: quarter, cloudTrailDetails: {lookbackDays: 90}}\n"
    )
    specs = load(write(tmp_path, "windows.yaml", text))
    assert [(s.principal_arn, s.lookback_days) for s in specs] == [
        ("arn:aws:iam::123456789012:role/app", 7),
        ("arn:aws:iam::123456789012:role/app", 90),
    ]


def test_lists_in_an_entry_replace_those_of_the_defaults(tmp_path: Path) -> None:
    """An entry's trails replace the default trails entirely (lists are not concatenated)."""
    text = MANY.replace(
        "      lookbackDays: 7\n",
        "      lookbackDays: 7\n      trails:\n"
        "        - cloudTrailArn: arn:aws:cloudtrail:eu-west-1:123456789012:trail/eu-events\n"
        "          regions: [eu-west-1]\n",
    )
    worker = load(write(tmp_path, "team.yaml", text))[1]
    assert worker.trails == (Trail("arn:aws:cloudtrail:eu-west-1:123456789012:trail/eu-events", ("eu-west-1",)),)


def test_an_entry_start_time_replaces_the_default_lookback(tmp_path: Path) -> None:
    """startTime and lookbackDays are one choice: an entry's startTime drops the default lookbackDays."""
    text = MANY.replace("      lookbackDays: 7\n", "      startTime: 2026-11-01T00:00:00Z\n")
    worker = load(write(tmp_path, "team.yaml", text))[1]
    assert (worker.start_time, worker.lookback_days) == ("2026-11-01T00:00:00Z", None)


def test_triggers_merge_key_by_key(tmp_path: Path) -> None:
    """triggers is a mapping, so an entry adds to (or overrides) the default triggers."""
    text = MANY.replace("    lookbackDays: 30\n", "    lookbackDays: 30\n  triggers: {policy: v1, owner: platform}\n")
    text = text.replace("      lookbackDays: 7\n", "      lookbackDays: 7\n    triggers: {policy: v2}\n")
    specs = load(write(tmp_path, "team.yaml", text))
    assert specs[0].triggers == {"policy": "v1", "owner": "platform"}
    assert specs[1].triggers == {"policy": "v2", "owner": "platform"}


def test_deep_merge_merges_mappings_and_replaces_the_rest() -> None:
    """Mappings merge recursively; lists and scalars from the override win."""
    base = {"a": {"b": 1, "c": [1, 2]}, "d": "x"}
    override = {"a": {"c": [3], "e": True}, "d": "y"}
    assert deep_merge(base, override) == {"a": {"b": 1, "c": [3], "e": True}, "d": "y"}


def test_deep_merge_leaves_its_arguments_alone() -> None:
    """The result shares no mutable parts with the inputs."""
    base = {"a": {"b": [1]}}
    merged = deep_merge(base, {})
    merged["a"]["b"].append(2)
    assert base == {"a": {"b": [1]}}


def test_the_example_file_of_many_generations_is_valid() -> None:
    """docs/examples/platform-team.yaml, shown in docs/spec.md, validates and uses lookbackDays only."""
    specs = load(Path(__file__).resolve().parents[2] / "docs" / "examples" / "platform-team.yaml")
    assert len(specs) >= 2
    assert all(s.lookback_days is not None and s.start_time is None for s in specs)


def test_from_document_accepts_a_request_without_a_name() -> None:
    """The provider's documents carry no name; they validate and build a Spec."""
    spec = from_document({**BOTO3_REQUEST, "clientToken": "t"}, now=NOW)
    assert spec.client_token == "t"


def test_document_findings_reports_triggers_with_a_client_token() -> None:
    """The provider gets the same rule, at the same pointer, as a spec file."""
    findings = document_findings({**BOTO3_REQUEST, "triggers": {"rev": "1"}}, now=NOW)
    assert [pointer for pointer, _ in findings] == ["/triggers"]
