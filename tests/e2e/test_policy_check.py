"""The gate in Terraform: ``data "accessanalyzer_policy_check"`` with the real terraform (issue 16, item 4).

Each test reads the data source at plan time against the embedded endpoint, which answers
ValidatePolicy, CheckNoNewAccess and CheckAccessNotGranted with policygen's own checks.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cdktf
import pytest

from policygen import PolicyCheck
from policygen._names import NO_INSTALL_ENV
from policygen.cli import main
from policygen.distribution.launcher import install_provider, lock_provider
from policygen.emulator import Emulator
from policygen.emulator.samplelogs import write_sample_logs
from tests.conftest import isolated_env, requires_terraform, run
from tests.e2e.test_lifecycle import ACCOUNT, Workdir, generation

pytestmark = [pytest.mark.e2e, requires_terraform]

BUCKET = "arn:aws:s3:::app-data"
READS = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [BUCKET, f"{BUCKET}/*"]}


def document(*statements: dict[str, Any]) -> str:
    """A policy document, as an HCL string literal (JSON quoted for HCL)."""
    return json.dumps(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


def policy_check(policy: str, *, extra: str = "", lifecycle: str = "") -> str:
    """HCL of one ``accessanalyzer_policy_check`` named ``draft``, with outputs of what it exposes."""
    return f"""
data "accessanalyzer_policy_check" "draft" {{
  policy = {policy}
  {extra}
  {lifecycle}
}}
output "result" {{ value = data.accessanalyzer_policy_check.draft.result }}
output "message" {{ value = data.accessanalyzer_policy_check.draft.message }}
output "findings" {{ value = data.accessanalyzer_policy_check.draft.findings }}
output "new_access" {{ value = data.accessanalyzer_policy_check.draft.new_access }}
output "granted_denied_actions" {{ value = data.accessanalyzer_policy_check.draft.granted_denied_actions }}
"""


GATE = """
  lifecycle {
    postcondition {
      condition     = self.result == "PASS"
      error_message = self.message
    }
  }
"""


def outputs(tf: Workdir) -> dict[str, Any]:
    """Apply (the data source is read at plan) and return every output's value."""
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    return {name: o["value"] for name, o in json.loads(tf.tf("output", "-json").stdout).items()}


def test_a_least_privilege_policy_passes(emulator: Emulator, workdir: Callable[..., Workdir]) -> None:
    """A clean policy: PASS, no findings, and new_access / granted_denied_actions null when not asked."""
    tf = workdir(emulator)
    tf.write(policy_check(document(READS)))
    values = outputs(tf)
    assert values["result"] == "PASS"
    assert values["message"] == "The policy passes (0 finding(s), 0 at or above ERROR)."
    assert values["findings"] == []
    assert values.get("new_access") is None
    assert values.get("granted_denied_actions") is None


def test_an_error_finding_fails_with_its_location(emulator: Emulator, workdir: Callable[..., Workdir]) -> None:
    """An unknown action is an ERROR: FAIL, and the message and findings say what and where."""
    tf = workdir(emulator)
    tf.write(policy_check(document({**READS, "Action": ["s3:GetObjekt"]})))
    values = outputs(tf)
    assert values["result"] == "FAIL"
    assert values["message"].startswith("The policy fails the check. ERROR INVALID_ACTION at line 1, column ")
    assert "Did you mean s3:GetObject?" in values["message"]
    invalid = next(f for f in values["findings"] if f["issue_code"] == "INVALID_ACTION")
    assert invalid["finding_type"] == "ERROR"
    assert invalid["location"].startswith("line 1, column ")
    assert invalid["learn_more_link"].startswith("https://docs.aws.amazon.com/")


def test_fail_on_makes_a_suggestion_block(emulator: Emulator, workdir: Callable[..., Workdir]) -> None:
    """A repeated action is only a SUGGESTION: it passes by default, and fails with fail_on = "SUGGESTION"."""
    tf = workdir(emulator)
    broad = document({**READS, "Action": [*READS["Action"], "s3:GetObject"]})
    tf.write(policy_check(broad))
    assert outputs(tf)["result"] == "PASS"
    tf.write(policy_check(broad, extra='fail_on = "SUGGESTION"'))
    values = outputs(tf)
    assert values["result"] == "FAIL"
    assert "SUGGESTION REDUNDANT_ACTION" in values["message"]


def test_new_access_against_a_reference(emulator: Emulator, workdir: Callable[..., Workdir]) -> None:
    """With a reference, new_access says whether the policy grants more; a narrower one passes."""
    tf = workdir(emulator)
    current = document({**READS, "Action": ["s3:Get*", "s3:List*"]})
    tf.write(policy_check(document(READS), extra=f"reference = {current}"))
    values = outputs(tf)
    assert (values["result"], values["new_access"]) == ("PASS", False)
    broader = document({**READS, "Action": ["s3:GetObject", "s3:DeleteObject"], "Sid": "Delete"})
    tf.write(policy_check(broader, extra=f"reference = {current}"))
    values = outputs(tf)
    assert (values["result"], values["new_access"]) == ("FAIL", True)
    assert (
        "It grants access that `reference` does not: New access in the statement with sid: Delete." in values["message"]
    )
    assert "s3:DeleteObject" in values["message"]


def test_denied_actions(emulator: Emulator, workdir: Callable[..., Workdir]) -> None:
    """granted_denied_actions is true when a wildcard covers a denied action, false when none is granted."""
    tf = workdir(emulator)
    iam = document(READS, {"Sid": "Iam", "Effect": "Allow", "Action": "iam:Put*", "Resource": "*"})
    tf.write(policy_check(iam, extra='denied_actions = ["iam:PutRolePolicy", "iam:PassRole"]'))
    values = outputs(tf)
    assert (values["result"], values["granted_denied_actions"]) == ("FAIL", True)
    assert (
        "It grants one or more of `denied_actions`: One or more of the listed actions in the statement"
        in values["message"]
    )
    tf.write(policy_check(document(READS), extra='denied_actions = ["iam:PutRolePolicy"]'))
    values = outputs(tf)
    assert (values["result"], values["granted_denied_actions"]) == ("PASS", False)


def test_a_broken_policy_fails_without_the_custom_checks(emulator: Emulator, workdir: Callable[..., Workdir]) -> None:
    """Broken JSON fails on its JSON_SYNTAX_ERROR; the charged checks are not called for it."""
    tf = workdir(emulator)
    tf.write(policy_check(json.dumps('{"Statement": ['), extra='denied_actions = ["iam:PassRole"]'))
    values = outputs(tf)
    assert values["result"] == "FAIL"
    assert "JSON_SYNTAX_ERROR" in values["message"]
    assert "CheckAccessNotGranted was not run: the policy is not valid." in values["message"]
    assert values.get("granted_denied_actions") is None


def test_a_postcondition_stops_the_plan_with_the_message(emulator: Emulator, workdir: Callable[..., Workdir]) -> None:
    """lifecycle.postcondition on result == "PASS" stops `terraform plan` with the readable message."""
    tf = workdir(emulator)
    tf.write(policy_check(document({**READS, "Action": ["s3:GetObjekt"]}), lifecycle=GATE))
    tf.tf("init")
    plan = tf.tf("plan", check=False)
    assert plan.returncode == 1
    assert "Resource postcondition failed" in plan.stderr
    assert "The policy fails the check. ERROR INVALID_ACTION at line 1" in " ".join(plan.stderr.split())
    tf.write(policy_check(document(READS), lifecycle=GATE))
    assert tf.tf("plan").returncode == 0


def test_an_invalid_fail_on_is_a_configuration_error(emulator: Emulator, workdir: Callable[..., Workdir]) -> None:
    """fail_on must be a finding type: `terraform validate` says which values it takes."""
    tf = workdir(emulator)
    tf.write(policy_check(document(READS), extra='fail_on = "FATAL"'))
    tf.tf("init")
    result = tf.tf("validate", check=False)
    assert result.returncode == 1
    assert "fail_on must be one of ERROR, SECURITY_WARNING, WARNING, SUGGESTION" in " ".join(result.stderr.split())


def test_review_of_the_plan_shows_the_findings_and_the_diff(
    emulator: Emulator, workdir: Callable[..., Workdir], capsys: pytest.CaptureFixture[str]
) -> None:
    """`policygen review` of a plan that reads a check shows its result, findings and the diff against reference."""
    tf = workdir(emulator)
    current = document({**READS, "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:GetBucketTagging"]})
    tf.write(
        policy_check(document({**READS, "Action": ["s3:GetObjekt", "s3:ListBucket"]}), extra=f"reference = {current}")
    )
    tf.tf("init")
    tf.tf("plan", "-out=plan")
    (tf.path / "plan.json").write_text(tf.tf("show", "-json", "plan").stdout)
    assert main(["review", str(tf.path / "plan.json")]) == 0
    comment = capsys.readouterr().out
    assert "#### Policies read at plan time" in comment
    assert "- `data.accessanalyzer_policy_check.draft`: **FAIL**. The policy fails the check." in comment
    assert "  - ERROR `INVALID_ACTION` (line 1, column " in comment
    assert (
        "  - Against its `reference`: 1 action(s) granted and used, 1 granted but not used (candidates to remove: "
        "`s3:GetBucketTagging`), 1 used but not granted, 2 not visible in CloudTrail" in comment
    )
    assert main(["review", str(tf.path / "plan.json"), "--format", "json"]) == 0
    (read,) = json.loads(capsys.readouterr().out)["policy_reads"]
    assert (read["address"], read["known"], read["result"]) == ("data.accessanalyzer_policy_check.draft", True, "FAIL")
    assert read["diff"]["grantedNotUsed"] == ["s3:GetBucketTagging"]


def test_review_shows_a_generated_policy_once_its_job_has_run(
    make_emulator: Callable[..., Emulator],
    workdir: Callable[..., Workdir],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before the job exists the draft is read at apply; after it, the plan knows the job, its documents and actions."""
    logs = write_sample_logs(
        tmp_path / "trail", principal_arns=[f"arn:aws:iam::{ACCOUNT}:role/app"], account_id=ACCOUNT
    )
    tf = workdir(make_emulator(cloudtrail_dir=tmp_path / "trail"))
    tf.write(
        generation("app", extra="wait_for_completion = true"),
        'data "accessanalyzer_generated_policy" "app" { job_id = accessanalyzer_policy_generation.app.job_id }\n',
    )
    tf.tf("init")

    def review() -> str:
        tf.tf("plan", "-out=plan")
        (tf.path / "plan.json").write_text(tf.tf("show", "-json", "plan").stdout)
        assert main(["review", str(tf.path / "plan.json")]) == 0
        return capsys.readouterr().out

    assert "- `data.accessanalyzer_generated_policy.app`: read at apply, when its inputs are known." in review()
    tf.tf("apply", "-auto-approve")
    job_id = tf.state()["app"]["job_id"]
    actions = len(logs.actions[f"arn:aws:iam::{ACCOUNT}:role/app"])
    assert (
        f"- `data.accessanalyzer_generated_policy.app`: job `{job_id}` SUCCEEDED, 1 document(s) allowing "
        f"{actions} action(s)." in review()
    )


def test_every_plan_calls_the_checks_once(emulator: Emulator, workdir: Callable[..., Workdir]) -> None:
    """The README on cost: each check is called once per plan, -refresh=false too; applying a saved plan, never."""
    tf = workdir(emulator)
    tf.write(policy_check(document(READS), extra='denied_actions = ["iam:PassRole"]'))
    tf.tf("init")
    tf.tf("plan", "-out=plan")
    assert emulator.requests.counts() == {"ValidatePolicy": 1, "CheckAccessNotGranted": 1}
    tf.tf("apply", "plan")
    assert emulator.requests.counts() == {"ValidatePolicy": 1, "CheckAccessNotGranted": 1}
    tf.tf("plan", "-refresh=false")
    assert emulator.requests.counts() == {"ValidatePolicy": 2, "CheckAccessNotGranted": 2}


def test_an_unreadable_reference_is_an_error_naming_it(emulator: Emulator, workdir: Callable[..., Workdir]) -> None:
    """A reference that is not a policy stops the plan with the service's ValidationException, located."""
    tf = workdir(emulator)
    tf.write(policy_check(document(READS), extra=f"reference = {json.dumps('{not json')}"))
    tf.tf("init")
    plan = tf.tf("plan", check=False)
    assert plan.returncode == 1
    message = " ".join(plan.stderr.split())
    assert "Could not refresh accessanalyzer_policy_check" in message
    assert "CheckNoNewAccess failed with ValidationException: Invalid existingPolicyDocument:" in message


def test_the_construct_gates_a_plan(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PolicyCheck from a cdktf stack, planned by terraform: a failing policy stops the plan with its message."""

    def synth(policy: dict[str, Any], name: str) -> Path:
        stack = cdktf.TerraformStack(cdktf.Testing.app(), "gate")
        gate = PolicyCheck(stack, "gate", policy=json.dumps(policy), denied_actions=["iam:PutRolePolicy"])
        gate.add_override(
            "lifecycle.postcondition", [{"condition": '${self.result == "PASS"}', "error_message": "${self.message}"}]
        )
        cdktf.TerraformOutput(stack, "result", value=gate.result)
        monkeypatch.setenv(NO_INSTALL_ENV, "1")  # the launcher goes into the copy below
        folder = Path(shutil.copytree(Path(cdktf.Testing.full_synth(stack)) / "stacks" / "gate", tmp_path / name))
        lock_provider(folder, install_provider(folder / "terraform.d" / "plugins"))
        return folder

    env = isolated_env(tmp_path / "home", emulator.url)
    passing = synth({"Version": "2012-10-17", "Statement": [READS]}, "passing")
    run(["terraform", "init", "-input=false", "-no-color"], passing, env)
    run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], passing, env)
    assert json.loads(run(["terraform", "output", "-json"], passing, env).stdout)["result"]["value"] == "PASS"
    iam = {"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*"}
    failing = synth({"Version": "2012-10-17", "Statement": [READS, iam]}, "failing")
    run(["terraform", "init", "-input=false", "-no-color"], failing, env)
    plan = run(["terraform", "plan", "-input=false", "-no-color"], failing, env, check=False)
    assert plan.returncode == 1
    assert "It grants one or more of `denied_actions`" in " ".join(plan.stderr.split())
