"""examples/two-phase with the real terraform: start, wait, read the draft for review, and gate its adoption.

Phase 2 (adopt.tf.example) needs the hashicorp/aws provider, which cannot be installed offline: its
tie to the gate is checked in its text, and the gate itself (main.tf) runs end to end.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from policygen.distribution.launcher import install_provider, lock_provider
from policygen.emulator import Emulator
from policygen.emulator.samplelogs import SampleLogs, write_sample_logs
from tests.conftest import ROOT, isolated_env, requires_terraform, run

pytestmark = [pytest.mark.e2e, requires_terraform]

PRINCIPAL = "arn:aws:iam::123456789012:role/app"
EXAMPLE = ROOT / "examples" / "two-phase"


@dataclass
class Example:
    """A copy of the example, initialised against one endpoint, after phase 1's apply."""

    path: Path
    env: dict[str, str]
    emulator: Emulator
    logs: SampleLogs

    def terraform(self, *args: str, check: bool = True) -> Any:
        return run(["terraform", *args, "-input=false", "-no-color"], self.path, self.env, check=check)

    def outputs(self) -> dict[str, Any]:
        shown = run(["terraform", "output", "-json"], self.path, self.env).stdout
        return {name: o["value"] for name, o in json.loads(shown).items()}

    def plan_with(self, **variables: Any) -> Any:
        """`terraform plan` with these variables (from a tfvars JSON file), not failing the test."""
        (self.path / "gate.tfvars.json").write_text(json.dumps(variables))
        return self.terraform("plan", "-var-file=gate.tfvars.json", check=False)


@pytest.fixture
def example(tmp_path: Path, make_emulator: Callable[..., Emulator]) -> Example:
    """Phase 1 applied: the job started and waited for, its draft read and gated."""
    logs = write_sample_logs(tmp_path / "trail", principal_arns=[PRINCIPAL], account_id="123456789012")
    emu = make_emulator(job_seconds=0.5, cloudtrail_dir=tmp_path / "trail")
    workdir = tmp_path / "two-phase"
    shutil.copytree(EXAMPLE, workdir)
    lock_provider(workdir, install_provider(workdir / "terraform.d" / "plugins"))
    copy = Example(workdir, isolated_env(tmp_path / "home", emu.url), emu, logs)
    copy.terraform("init")
    copy.terraform("apply", "-auto-approve")
    return copy


def draft_actions(outputs: dict[str, Any]) -> set[str]:
    drafts = [json.loads(p) for p in outputs["draft_policies"]]
    statements = [s for d in drafts for s in d["Statement"]]
    return {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def test_phase_one_outputs_the_generated_draft(example: Example) -> None:
    """apply of the example waits for the job and outputs the generated policy built from the logs."""
    outputs = example.outputs()
    (job,) = example.emulator.backend.jobs()
    assert outputs["job_id"] == job.job_id
    assert draft_actions(outputs) == set(example.logs.actions[PRINCIPAL])
    assert outputs["draft_is_complete"] is True


def test_phase_one_gates_the_draft(example: Example) -> None:
    """The draft passes the gate with its defaults (no sensitive action), and a plan shows nothing to do."""
    gate = example.outputs()["gate"]
    assert gate["result"] == "PASS"
    assert gate["message"].startswith("The policy passes (")
    plan = example.terraform("plan", "-detailed-exitcode", check=False)
    assert plan.returncode == 0, plan.stderr


def test_the_gate_stops_a_plan_whose_draft_grants_a_denied_action(example: Example) -> None:
    """Denying an action the draft grants stops the plan with the gate's readable message."""
    granted = sorted(example.logs.actions[PRINCIPAL])[0]
    plan = example.plan_with(denied_actions=[granted])
    assert plan.returncode == 1
    message = " ".join(plan.stderr.split())
    assert "Resource postcondition failed" in message
    assert "The generated draft does not pass the adoption gate. The policy fails the check." in message
    assert f"It allows the action {granted}" in message


def test_the_gate_compares_the_draft_with_the_policy_in_force(example: Example) -> None:
    """current_policy: a broader policy in force passes; one lacking an action of the draft stops the plan."""
    actions = sorted(example.logs.actions[PRINCIPAL])
    services = sorted({a.split(":")[0] for a in actions})
    broader = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": [f"{s}:*" for s in services], "Resource": "*"}],
    }
    assert example.plan_with(current_policy=json.dumps(broader)).returncode == 0
    narrower = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions[1:], "Resource": "*"}]}
    plan = example.plan_with(current_policy=json.dumps(narrower))
    assert plan.returncode == 1
    message = " ".join(plan.stderr.split())
    assert "It grants access that `reference` does not: New access in the statement" in message
    assert actions[0] in message


def test_adoption_waits_for_the_gate() -> None:
    """adopt.tf.example creates policies only from a draft whose check says PASS, one per document."""
    adopt = (EXAMPLE / "adopt.tf.example").read_text()
    assert 'data.accessanalyzer_policy_check.app_role.result == "PASS"' in adopt
    assert "length(data.accessanalyzer_generated_policy.app_role.policies)" in adopt
    main = (EXAMPLE / "main.tf").read_text()
    assert 'condition     = self.result == "PASS"' in main
