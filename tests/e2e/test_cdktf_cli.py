"""The cdktf CLI path, as `make demo` and a user run it: `cdktf diff`, `cdktf deploy`, `cdktf destroy`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from policygen.emulator import Emulator
from policygen.emulator.actions import actions_for
from policygen.emulator.samplelogs import CATALOG
from tests.conftest import ROOT, isolated_env, requires_terraform, run

CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"

#: Every IAM action the sample CloudTrail logs can lead to.
SAMPLE_ACTIONS = {action for call in CATALOG for action in actions_for(call.event_source, call.event_name)}


def printed_actions(stdout: str, name: str) -> set[str]:
    """The actions of the policy the demo printed for the spec ``name``."""
    match = re.search(rf"^Policy generated for {re.escape(name)} \(.*\):\n", stdout, re.MULTILINE)
    assert match, f"the demo printed no policy for {name}"
    policy, _ = json.JSONDecoder().raw_decode(stdout, match.end())
    actions: set[str] = set()
    for statement in policy["Statement"]:
        actions.update([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    return actions


pytestmark = [
    pytest.mark.e2e,
    requires_terraform,
    pytest.mark.skipif(not CDKTF.exists(), reason="cdktf-cli is not installed in node_modules (run `make setup`)"),
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """One run of `make demo`'s script, shared by the tests that read its output."""
    env = isolated_env(tmp_path_factory.mktemp("demo") / "home")
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py")],
        cwd=ROOT,
        env={**env, "POLICYGEN_DEMO_JOB_SECONDS": "0.5"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_demo_deploys_outputs_and_destroys(demo: subprocess.CompletedProcess[str]) -> None:
    """`make demo`'s script deploys every spec, prints one jobId per spec, destroys, and exits 0."""
    assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
    assert "app-role: " in demo.stdout
    assert "ci-deployer: " in demo.stdout
    assert demo.stdout.rstrip().endswith("Demo complete: 2 policy generation(s) started, one job each; all destroyed.")


def test_demo_prints_each_generated_policy(demo: subprocess.CompletedProcess[str]) -> None:
    """`make demo` runs `policygen wait` and `fetch` per job and prints a policy of actions from the sample logs."""
    assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
    assert len(re.findall(r"^\$ policygen wait [0-9a-f-]{36}$", demo.stdout, re.MULTILINE)) == 2
    assert len(re.findall(r"^\$ policygen fetch [0-9a-f-]{36} --out ", demo.stdout, re.MULTILINE)) == 2
    for name in ("app-role", "ci-deployer"):
        actions = printed_actions(demo.stdout, name)
        assert actions, f"no actions printed for {name}"
        assert actions <= SAMPLE_ACTIONS, f"{name}: actions not in the sample logs"


def test_cdktf_diff_shows_the_request(tmp_path: Path, emulator: Emulator) -> None:
    """`cdktf diff` prints principal, access role, trails, Regions, window, and an unknown job_id."""
    env = isolated_env(tmp_path / "home", emulator.url)
    env["POLICYGEN_STATE"] = str(tmp_path / "state.tfstate")
    result = run([str(CDKTF), "diff", "--output", str(tmp_path / "cdktf.out")], ROOT, env)
    plan = result.stdout
    assert 'principal_arn = "arn:aws:iam::123456789012:role/app"' in plan
    assert 'access_role   = "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole"' in plan
    assert 'cloud_trail_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/management"' in plan
    assert '"us-east-1"' in plan
    assert "all_regions     = true" in plan
    assert "lookback_days = 7" in plan
    assert "job_id        = (known after apply)" in plan
    assert emulator.backend.jobs() == []
