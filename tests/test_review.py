"""policygen.review and `policygen review`: plan JSON in, a reviewer's summary and warnings out.

The hand-written plans below follow the shape of real `terraform show -json` output for this
provider (Terraform 1.11); the end-to-end tests at the bottom review real plans.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from policygen.cli import main
from policygen.emulator import Emulator
from policygen.errors import PolicygenError
from policygen.review import load_plan, review_plan, to_markdown
from tests.conftest import ROOT, requires_terraform, run, synth

ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/app"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management"
TYPE = "accessanalyzer_policy_generation"
TIMESTAMP = "2026-11-28T12:00:00Z"


def trail(arn: str = TRAIL, regions: list[str] | None = None, all_regions: bool | None = None) -> dict[str, Any]:
    """One element of the `trails` attribute, as the plan shows it."""
    return {"all_regions": all_regions, "cloud_trail_arn": arn, "regions": regions}


def planned(
    principal: str = PRINCIPAL,
    trails: list[dict[str, Any]] | None = None,
    lookback_days: int | None = 30,
    start_time: str | None = None,
    end_time: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The `after` values of a generation to create."""
    values = {
        "access_role": ACCESS_ROLE,
        "end_time": end_time,
        "lookback_days": lookback_days,
        "principal_arn": principal,
        "trails": trails if trails is not None else [trail(regions=["us-east-1", "eu-west-1"])],
        "triggers": None,
        "wait_for_completion": None,
        "wait_timeout": None,
    }
    if start_time is not None:
        values["start_time"] = start_time
    return {**values, **extra}


def in_state(job_id: str = "job-old", status: str = "SUCCEEDED", **changes: Any) -> dict[str, Any]:
    """The `before` values of a generation in state."""
    return {**planned(**changes), "start_time": "2026-10-30T00:00:00Z", "job_id": job_id, "status": status}


def change(
    name: str,
    actions: list[str],
    *,
    after: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
    after_unknown: dict[str, Any] | None = None,
    replace_paths: list[list[str]] | None = None,
    resource_type: str = TYPE,
) -> dict[str, Any]:
    """One element of `resource_changes`."""
    unknown = after_unknown if after_unknown is not None else {"job_id": True, "status": True, "client_token": True}
    if after is not None and after.get("start_time") is None and "start_time" not in unknown:
        unknown = {**unknown, "start_time": True}
    body: dict[str, Any] = {
        "actions": actions,
        "before": before,
        "after": after,
        "after_unknown": unknown if after is not None else {},
    }
    if replace_paths:
        body["replace_paths"] = replace_paths
    return {
        "address": f"{resource_type}.{name}",
        "mode": "managed",
        "type": resource_type,
        "name": name,
        "provider_name": "terraform.local/policygen/accessanalyzer",
        "change": body,
    }


def plan(
    *changes: dict[str, Any],
    region: dict[str, Any] | str | None = None,
    providers: dict[str, dict[str, Any]] | None = None,
    provider_of: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A plan document holding ``changes``; ``region`` is the default provider's `region` expression."""
    expressions = {"region": {"constant_value": region} if isinstance(region, str) else region} if region else {}
    provider_config = providers or {"accessanalyzer": {"name": "accessanalyzer", "expressions": expressions}}
    resources = [
        {
            "address": c["address"],
            "mode": "managed",
            "type": c["type"],
            "name": c["name"],
            "provider_config_key": (provider_of or {}).get(c["name"], "accessanalyzer"),
            "expressions": {},
        }
        for c in changes
        if "create" in c["change"]["actions"] or "update" in c["change"]["actions"]
    ]
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": list(changes),
        "configuration": {"provider_config": provider_config, "root_module": {"resources": resources}},
        "timestamp": TIMESTAMP,
    }


def creates(count: int, **values: Any) -> list[dict[str, Any]]:
    """``count`` generations to create."""
    return [change(f"g{i}", ["create"], after=planned(**values)) for i in range(count)]


def codes(document: dict[str, Any]) -> list[str]:
    """The warning codes of a plan's review, in order."""
    return [w.code for w in review_plan(document).warnings]


# --- what is shown ---------------------------------------------------------------------------------


def test_create_shows_principal_role_trail_regions_and_window() -> None:
    """A create lists principal, access role, the trail with its Regions, and a lookback window."""
    text = to_markdown(review_plan(plan(change("app", ["create"], after=planned()))))
    assert f"#### `{TYPE}.app` (create: starts a job)" in text
    assert f"- **Principal:** `{PRINCIPAL}`" in text
    assert f"- **Access role:** `{ACCESS_ROLE}`" in text
    assert f"- **Trail:** `{TRAIL}`: us-east-1, eu-west-1" in text
    assert "- **Window:** last 30 days, resolved at apply" in text


def test_all_regions_trail_is_shown_as_all_regions() -> None:
    """A trail with all_regions is described as read in all Regions."""
    text = to_markdown(review_plan(plan(change("app", ["create"], after=planned(trails=[trail(all_regions=True)])))))
    assert f"- **Trail:** `{TRAIL}`: all Regions" in text


def test_fixed_window_shows_dates_and_days() -> None:
    """start_time and end_time are shown with the number of days between them."""
    after = planned(lookback_days=None, start_time="2026-09-01T00:00:00Z", end_time="2026-09-15T12:00:00Z")
    generation = review_plan(plan(change("app", ["create"], after=after))).generations[0]
    assert generation.window is not None
    assert generation.window.days == 14.5
    assert generation.window.description == "2026-09-01T00:00:00Z to 2026-09-15T12:00:00Z (14.5 days)"


def test_open_ended_window_counts_days_to_the_plan() -> None:
    """A start_time without end_time ends at apply: its length is counted to the plan's timestamp."""
    after = planned(lookback_days=None, start_time="2026-11-18T00:00:00Z")
    generation = review_plan(plan(change("app", ["create"], after=after))).generations[0]
    assert generation.window is not None
    assert generation.window.days == 10.5
    assert "to the time of apply (10.5 days as of the plan)" in generation.window.description


def test_unknown_principal_is_known_after_apply() -> None:
    """A principal that comes from another resource is shown as (known after apply) and listed as unknown."""
    after = planned()
    del after["principal_arn"]
    unknown = {"principal_arn": True, "job_id": True, "start_time": True}
    review = review_plan(plan(change("app", ["create"], after=after, after_unknown=unknown)))
    assert "- **Principal:** (known after apply)" in to_markdown(review)
    assert review.generations[0].unknown_attributes == ("principal_arn",)


def test_replace_shows_the_job_in_state_and_why() -> None:
    """A replace names the job in state, its status, and the attribute that forces the new job."""
    replaced = change(
        "app",
        ["delete", "create"],
        before=in_state("job-old"),
        after=planned(lookback_days=60),
        replace_paths=[["lookback_days"]],
    )
    text = to_markdown(review_plan(plan(replaced)))
    assert "(replace: starts a new job)" in text
    assert "- **Job in state:** `job-old` (SUCCEEDED)" in text
    assert "- **Replaced because of:** `lookback_days`" in text
    assert "- **Window:** last 60 days, resolved at apply" in text


def test_delete_of_a_running_job_cancels_it() -> None:
    """Deleting a generation whose job is IN_PROGRESS is reported as a cancel, with a warning."""
    review = review_plan(plan(change("app", ["delete"], before=in_state("job-running", "IN_PROGRESS"))))
    assert review.jobs_cancelled == 1
    assert review.jobs_started == 0
    assert "(delete: cancels the job in progress)" in to_markdown(review)
    assert [(w.code, w.address) for w in review.warnings] == [("cancels_running_job", f"{TYPE}.app")]


def test_delete_of_a_finished_job_only_forgets_it() -> None:
    """Deleting a generation whose job has finished cancels nothing and warns about nothing."""
    review = review_plan(plan(change("app", ["delete"], before=in_state("job-done", "SUCCEEDED"))))
    assert review.jobs_cancelled == 0
    assert "(delete: forgets a finished job)" in to_markdown(review)
    assert review.warnings == ()


def test_no_op_and_other_resources_are_left_out() -> None:
    """Unchanged generations and other resource types are not reported."""
    document = plan(
        change("same", ["no-op"], before=in_state(), after=in_state()),
        change("bucket", ["create"], after={"bucket": "b"}, resource_type="aws_s3_bucket"),
    )
    review = review_plan(document)
    assert review.generations == ()
    assert "This plan changes no `accessanalyzer_policy_generation` resources." in to_markdown(review)


# --- warnings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "flagged"), [(79, False), (80, True), (90, True)])
def test_window_near_90_days_is_flagged(days: int, flagged: bool) -> None:
    """A window of 80 days or more gets window_near_limit; 79 does not."""
    assert ("window_near_limit" in codes(plan(change("app", ["create"], after=planned(lookback_days=days))))) is flagged


def test_open_ended_long_window_warns_that_it_grows_until_apply() -> None:
    """A long window without end_time also warns that it keeps growing until the apply."""
    after = planned(lookback_days=None, start_time="2026-09-01T00:00:00Z")
    warning = review_plan(plan(change("app", ["create"], after=after))).warnings[0]
    assert warning.code == "window_near_limit"
    assert "grows until then" in warning.message


@pytest.mark.parametrize(
    ("trail_arn", "reason"),
    [
        ("arn:aws:cloudtrail:us-east-1:999999999999:trail/management", "its account 999999999999"),
        (f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-trail", "its name 'org-trail'"),
        (f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/OrganizationTrail", "its name 'OrganizationTrail'"),
    ],
)
def test_all_regions_on_an_organization_trail_is_flagged(trail_arn: str, reason: str) -> None:
    """all_regions on a trail of another account, or named like an organisation trail, warns of the file limit."""
    after = planned(trails=[trail(trail_arn, all_regions=True)])
    warnings = review_plan(plan(change("app", ["create"], after=after))).warnings
    assert [w.code for w in warnings] == ["organization_trail_all_regions"]
    assert reason in warnings[0].message
    assert "100,000 log files" in warnings[0].message


@pytest.mark.parametrize(
    "trail_value",
    [
        trail(f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/forge-events", all_regions=True),
        trail("arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail", regions=["us-east-1"]),
    ],
)
def test_organization_trail_heuristic_misses(trail_value: dict[str, Any]) -> None:
    """Not flagged: 'org' inside a word of the name, or an organisation trail limited to listed Regions."""
    assert codes(plan(change("app", ["create"], after=planned(trails=[trail_value])))) == []


def test_one_start_has_no_quota_or_sequencing_warning() -> None:
    """A single job started warns about neither the quota nor running one at a time."""
    review = review_plan(plan(*creates(1), region="us-east-1"))
    assert review.warnings == ()
    assert review.estimated_apply_seconds == 0


def test_several_starts_count_against_the_regions_quota() -> None:
    """Three jobs in us-east-1 are reported against its 50 a day."""
    review = review_plan(plan(*creates(3), region="us-east-1"))
    quota = next(w for w in review.warnings if w.code == "daily_quota")
    assert "starts 3 policy generations in us-east-1, of the 50 a day" in quota.message
    assert "exceeds" not in quota.message
    assert [r.to_dict() for r in review.regions] == [
        {
            "region": "us-east-1",
            "jobs_started": 3,
            "daily_quota": 50,
            "estimated_apply_seconds": 300,
            "estimated_ready_seconds": 450,
            "account": None,
            "role_arn": None,
            "fits_daily_quota": True,
            "jobs_per_day": [3],
        }
    ]


def test_starts_beyond_a_low_quota_region_say_the_apply_fails() -> None:
    """Six jobs in af-south-1 (5 a day) are reported as exceeding the quota."""
    quota = next(w for w in review_plan(plan(*creates(6), region="af-south-1")).warnings if w.code == "daily_quota")
    assert "of the 5 a day" in quota.message
    assert "It exceeds the quota: starts after the 5th will fail." in quota.message


def test_unknown_region_is_said_and_the_low_quota_regions_listed() -> None:
    """With no Region in the plan, the quota warning says so and names the 5-a-day Regions."""
    review = review_plan(plan(*creates(6)))
    quota = next(w for w in review.warnings if w.code == "daily_quota")
    assert "in a Region the plan does not name" in quota.message
    assert "af-south-1, ap-east-1, ap-southeast-3, eu-south-1, me-south-1" in quota.message
    assert "In a 5-a-day Region this apply would fail." in quota.message
    assert review.generations[0].region is None


def test_region_from_a_variable_is_read_from_the_plans_variables() -> None:
    """A provider region set from a root variable is the value the plan was made with, naming the variable."""
    document = plan(*creates(1), region={"references": ["var.region"]})
    document["variables"] = {"region": {"value": "eu-west-1"}}
    review = review_plan(document)
    assert review.generations[0].region == "eu-west-1"
    assert review.generations[0].region_note == "from var.region"


def test_region_from_an_expression_the_plan_cannot_evaluate_is_not_known() -> None:
    """A region from a variable the plan holds no value of, or from an expression, is not known; it is named."""
    review = review_plan(plan(*creates(1), region={"references": ["var.region"]}))
    assert review.generations[0].region is None
    assert review.generations[0].region_note == "from var.region, not known in the plan"
    document = plan(*creates(1), region={"references": ["local.regions", "var.index"]})
    document["variables"] = {"index": {"value": "0"}}
    assert review_plan(document).generations[0].region is None


def test_a_job_cancelled_outside_terraform_is_a_warning_with_what_the_next_apply_does() -> None:
    """A kept job CANCELED or FAILED outside Terraform is named: the next apply starts nothing; -replace starts one."""
    document = plan(change("kept", ["no-op"], before=in_state(status="CANCELED"), after=in_state(status="CANCELED")))
    review = review_plan(document)
    (warning,) = review.warnings
    assert warning.code == "ended_outside_terraform"
    assert warning.address == f"{TYPE}.kept"
    assert "job-old ended CANCELED outside Terraform" in warning.message
    assert f"terraform apply -replace={TYPE}.kept" in warning.message
    assert "CANCELED outside Terraform" in to_markdown(review)


def test_region_option_fills_in_only_where_the_plan_has_none() -> None:
    """--region applies to providers without a region; a region in the plan wins."""
    providers = {
        "accessanalyzer": {"name": "accessanalyzer", "expressions": {}},
        "accessanalyzer.west": {"name": "accessanalyzer", "expressions": {"region": {"constant_value": "us-west-2"}}},
    }
    document = plan(*creates(2), providers=providers, provider_of={"g1": "accessanalyzer.west"})
    review = review_plan(document, region="eu-south-1")
    assert [(g.region, g.region_note) for g in review.generations] == [
        ("eu-south-1", "from --region"),
        ("us-west-2", "from the provider configuration"),
    ]
    assert [(r.region, r.daily_quota) for r in review.regions] == [("eu-south-1", 5), ("us-west-2", 50)]
    assert "daily_quota" not in [w.code for w in review.warnings]  # one job per Region


def test_several_starts_run_one_at_a_time_with_an_estimate() -> None:
    """Three jobs: each start waits for the previous job, so apply ~2 jobs and all ready after ~3 jobs."""
    review = review_plan(plan(*creates(3), region="us-east-1"))
    warning = next(w for w in review.warnings if w.code == "one_at_a_time")
    assert (review.estimated_apply_seconds, review.estimated_ready_seconds) == (300, 450)
    assert "expect the apply to take about 5 min and every policy to be ready about 7.5 min" in warning.message


def test_wait_for_completion_adds_the_last_job_to_the_apply() -> None:
    """With wait_for_completion the apply also waits for the last job."""
    review = review_plan(plan(*creates(3, wait_for_completion=True), region="us-east-1"))
    assert review.estimated_apply_seconds == 450


def _two_regions(west: int, east: int, **values: Any) -> dict[str, Any]:
    """A plan creating ``west`` generations through a us-west-2 provider and ``east`` through a us-east-1 one."""
    providers = {
        "accessanalyzer": {"name": "accessanalyzer", "expressions": {"region": {"constant_value": "us-east-1"}}},
        "accessanalyzer.west": {"name": "accessanalyzer", "expressions": {"region": {"constant_value": "us-west-2"}}},
    }
    changes = [change(f"w{i}", ["create"], after=planned(**values)) for i in range(west)]
    changes += [change(f"e{i}", ["create"], after=planned(**values)) for i in range(east)]
    return plan(*changes, providers=providers, provider_of={f"w{i}": "accessanalyzer.west" for i in range(west)})


def test_regions_run_side_by_side_one_at_a_time_in_each() -> None:
    """3 jobs in us-west-2 and 2 in us-east-1: one warning per Region, and the apply lasts as long as the busiest."""
    review = review_plan(_two_regions(3, 2))
    warnings = [w.message for w in review.warnings if w.code == "one_at_a_time"]
    assert len(warnings) == 2
    east, west = warnings  # Regions in name order
    assert "so the 2 jobs in us-east-1 run one after another: expect them to hold the apply about 2.5 min" in east
    assert "so the 3 jobs in us-west-2 run one after another: expect them to hold the apply about 5 min" in west
    assert "while the other Regions' jobs run side by side" in west
    assert (review.estimated_apply_seconds, review.estimated_ready_seconds) == (300, 450)
    assert [(r.region, r.estimated_apply_seconds, r.estimated_ready_seconds) for r in review.regions] == [
        ("us-east-1", 150, 300),
        ("us-west-2", 300, 450),
    ]
    markdown = to_markdown(review)
    assert "2 in us-east-1 (of 50 a day), 3 in us-west-2 (of 50 a day). The 2 Regions run side by side" in markdown
    assert "Expected apply time about **5 min**, every policy ready about **7.5 min**" in markdown


def test_one_job_in_each_of_two_regions_needs_no_wait() -> None:
    """One job per Region: nothing runs one after another, and every policy is ready after one job."""
    review = review_plan(_two_regions(1, 1))
    assert [w.code for w in review.warnings] == []
    assert (review.estimated_apply_seconds, review.estimated_ready_seconds) == (0, 150)
    assert (
        "The 2 Regions run side by side, one job at a time in each. Every policy should be ready about **2.5 min** "
        "after the apply starts; the apply does not wait."
    ) in to_markdown(review)


def test_wait_for_completion_counts_per_region() -> None:
    """With wait_for_completion the apply waits for each Region's last job: 2 jobs in each, side by side."""
    review = review_plan(_two_regions(2, 2, wait_for_completion=True))
    assert (review.estimated_apply_seconds, review.estimated_ready_seconds) == (300, 300)


def test_jobs_of_an_unknown_region_are_counted_as_one_region() -> None:
    """Without a Region in the plan, the one-at-a-time warning says "unknown Region" and counts them together."""
    review = review_plan(plan(*creates(3)))
    (warning,) = [w.message for w in review.warnings if w.code == "one_at_a_time"]
    assert "the 3 jobs in an unknown Region (the plan does not name it; counted as one Region)" in warning
    assert "expect the apply to take about 5 min" in warning
    assert "3 in an unknown Region (the plan does not name it)" in to_markdown(review)


def test_an_unknown_region_beside_a_known_one() -> None:
    """A provider with a Region and one without: two groups, named us-west-2 and the unknown Region."""
    providers = {
        "accessanalyzer": {"name": "accessanalyzer", "expressions": {}},
        "accessanalyzer.west": {"name": "accessanalyzer", "expressions": {"region": {"constant_value": "us-west-2"}}},
    }
    west = {"g0": "accessanalyzer.west", "g1": "accessanalyzer.west"}
    document = plan(*creates(4), providers=providers, provider_of=west)
    review = review_plan(document)
    assert [(r.region, r.jobs_started) for r in review.regions] == [(None, 2), ("us-west-2", 2)]
    messages = [w.message for w in review.warnings if w.code == "one_at_a_time"]
    assert [("unknown Region" in m, "us-west-2" in m) for m in messages] == [(True, False), (False, True)]


# --- the JSON document -----------------------------------------------------------------------------


def test_json_document_has_the_documented_shape() -> None:
    """--format json: the documented keys at every level, and nothing else."""
    document = plan(
        change("app", ["create"], after=planned(lookback_days=85)),
        change("old", ["delete"], before=in_state("job-1", "IN_PROGRESS")),
        region="us-east-1",
    )
    data = review_plan(document).to_dict()
    assert list(data) == [
        "review_format",
        "terraform_version",
        "plan_timestamp",
        "summary",
        "regions",
        "generations",
        "warnings",
    ]
    assert data["review_format"] == 1
    assert data["summary"] == {
        "create": 1,
        "replace": 0,
        "delete": 1,
        "update": 0,
        "forget": 0,
        "jobs_started": 1,
        "jobs_cancelled": 1,
        "seconds_per_job": 150,
        "estimated_apply_seconds": 0,
        "estimated_ready_seconds": 150,
    }
    created, deleted = data["generations"]
    assert list(created) == [
        "address",
        "action",
        "starts_job",
        "cancels_job",
        "region",
        "region_note",
        "principal_arn",
        "access_role",
        "trails",
        "window",
        "previous_job",
        "replaced_attributes",
        "unknown_attributes",
        "client_token",
        "account",
        "role_arn",
    ]
    assert created["window"] == {
        "start_time": None,
        "end_time": None,
        "lookback_days": 85,
        "days": 85.0,
        "resolved_at_apply": True,
        "description": "last 85 days, resolved at apply",
    }
    assert created["trails"] == [
        {"cloud_trail_arn": TRAIL, "regions": ["us-east-1", "eu-west-1"], "all_regions": False}
    ]
    assert deleted["previous_job"] == {"job_id": "job-1", "status": "IN_PROGRESS"}
    assert deleted["window"] is None
    assert [w["code"] for w in data["warnings"]] == ["window_near_limit", "cancels_running_job"]
    assert list(data["warnings"][0]) == ["code", "address", "message"]


# --- reading plans -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Terraform used the selected providers", "is not JSON"),
        ('{"hello": "world"}', "not Terraform's"),
        ('{"format_version": "1.0", "values": {"root_module": {}}}', "is Terraform state, not a plan"),
    ],
)
def test_what_is_not_a_plan_is_refused(text: str, message: str) -> None:
    """Text, foreign JSON and state are refused with a message saying what to pass instead."""
    with pytest.raises(PolicygenError, match=message) as caught:
        load_plan(text, "plan.json")
    assert "terraform show -json" in str(caught.value)


@pytest.mark.parametrize("text", ["", "\n", b"", b"  \r\n"])
def test_empty_input_is_called_empty_and_says_where_to_run_terraform_show(text: str | bytes) -> None:
    """Nothing piped in (terraform show failed elsewhere) is "empty", not "not JSON", and says where to run it."""
    with pytest.raises(PolicygenError) as caught:
        load_plan(text, "standard input")
    message = str(caught.value)
    assert message.startswith("standard input is empty: `terraform show -json PLANFILE` gave nothing")
    assert "the one where `terraform init` ran (for a cdktf app, cdktf.out/stacks/STACK)" in message
    assert "not JSON" not in message


def test_cli_review_of_a_file_prints_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`policygen review FILE` prints the Markdown summary and exits 0, even with warnings."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan(*creates(2))))
    assert main(["review", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### Access Analyzer policy generation: 2 to start\n")
    assert "**Warnings**" in out


def test_cli_review_reads_stdin_and_prints_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`policygen review - --format json --region R` reads the plan from stdin and prints the JSON document."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(plan(*creates(1)))))
    assert main(["review", "-", "--format", "json", "--region", "me-south-1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["regions"] == [
        {
            "region": "me-south-1",
            "jobs_started": 1,
            "daily_quota": 5,
            "estimated_apply_seconds": 0,
            "estimated_ready_seconds": 150,
            "account": None,
            "role_arn": None,
            "fits_daily_quota": True,
            "jobs_per_day": [1],
        }
    ]


def test_cli_review_of_a_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A plan file that cannot be read exits 1 with a message naming it."""
    assert main(["review", str(tmp_path / "nope.json")]) == 1
    assert f"Cannot read the plan {tmp_path / 'nope.json'}" in capsys.readouterr().err


# --- real plans ----------------------------------------------------------------------------------------


@pytest.fixture
def stack(tmp_path: Path, tf_env: dict[str, str]) -> Path:
    """The project's example specs, synthesized into a fresh folder and initialised."""
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    stack_dir = synth(tmp_path, specs, tf_env, tmp_path / "cdktf.out")
    run(["terraform", "init", "-input=false", "-no-color"], stack_dir, tf_env)
    return stack_dir


def show_plan(stack_dir: Path, env: dict[str, str]) -> str:
    """`terraform plan -out` then `terraform show -json` of that plan."""
    run(["terraform", "plan", "-input=false", "-no-color", "-out=review.tfplan"], stack_dir, env)
    return run(["terraform", "show", "-json", "review.tfplan"], stack_dir, env).stdout


@pytest.mark.e2e
@requires_terraform
def test_review_of_a_real_plan_of_the_example_specs(
    stack: Path, tf_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real plan of specs/ is reviewed through the CLI: two jobs to start, as the specs say."""
    (tmp_path / "plan.json").write_text(show_plan(stack, tf_env))
    assert main(["review", str(tmp_path / "plan.json")]) == 0
    text = capsys.readouterr().out
    assert text.startswith("### Access Analyzer policy generation: 2 to start\n")
    assert f"#### `{TYPE}.app_role` (create: starts a job)" in text
    assert f"- **Trail:** `{TRAIL}`: us-east-1, eu-west-1" in text
    # A relative window and a derived token are decided at apply, and review says by which rule (issue 19).
    unknown = {
        c["address"]: c["change"]["after_unknown"]
        for c in json.loads((tmp_path / "plan.json").read_text())["resource_changes"]
    }
    assert unknown[f"{TYPE}.app_role"]["start_time"] is True
    assert unknown[f"{TYPE}.app_role"]["client_token"] is True
    assert "- **Window:** last 30 days, resolved at apply" in text
    assert "- **Client token:** derived at apply from the request, its triggers and instance key" in text
    assert f"- **Principal:** `arn:aws:iam::{ACCOUNT}:user/ci-deployer`" in text
    assert f"- **Trail:** `{TRAIL}`: all Regions" in text
    assert "- **Window:** last 7 days, resolved at apply" in text
    # The stack's provider sets no Region (it comes from AWS_REGION at apply): one unknown Region.
    assert "the 2 jobs in an unknown Region (the plan does not name it; counted as one Region) run one after" in text


@pytest.mark.e2e
@requires_terraform
def test_review_of_a_real_replace_and_delete(
    stack: Path, tf_env: dict[str, str], emulator: Emulator, tmp_path: Path
) -> None:
    """After an apply, a changed spec is a replace of the job in state and a removed one a delete."""
    run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], stack, tf_env)
    old_job = {job.principal_arn: job.job_id for job in emulator.backend.jobs()}[PRINCIPAL]
    specs = tmp_path / "specs"
    (specs / "app-role.yaml").write_text(
        (specs / "app-role.yaml").read_text().replace("lookbackDays: 30", "lookbackDays: 85")
    )
    (specs / "ci-deployer.yaml").unlink()
    synth(tmp_path, specs, tf_env, tmp_path / "cdktf.out")
    review = review_plan(load_plan(show_plan(stack, tf_env)))
    replaced, deleted = review.generations
    assert (replaced.action, replaced.previous_job_id, replaced.replaced_attributes) == (
        "replace",
        old_job,
        ("lookback_days",),
    )
    assert (deleted.action, deleted.previous_status, deleted.cancels_job) == ("delete", "SUCCEEDED", False)
    assert [(w.code, w.address) for w in review.warnings] == [("window_near_limit", f"{TYPE}.app_role")]
