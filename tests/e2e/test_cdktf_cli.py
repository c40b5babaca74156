"""The cdktf CLI path, as `make demo` and a user run it: `cdktf diff`, `cdktf deploy`, `cdktf destroy`.

The scenario every framework's CLI runs on the project's app (synth, deploy, outputs, a diff with
no change, destroy) is defined here, with its checks; tests/e2e/test_cdktn_cli.py runs it with
cdktn-cli and ``policygen[cdktn]``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from policygen.emulator import Emulator
from policygen.emulator.actions import actions_for
from policygen.emulator.samplelogs import CATALOG
from tests.conftest import CDKTF, NODE_BIN, ROOT, isolated_env, requires_cdktf, requires_terraform, run

#: What jsii prints on a Node.js it no longer supports (the first line of its banner).
END_OF_LIFE = "is end-of-life and not supported anymore"

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
    pytest.mark.cdk_cli,
    requires_cdktf,
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


def test_demo_ends_by_checking_and_diffing_each_draft(demo: subprocess.CompletedProcess[str]) -> None:
    """`make demo` checks each draft against its broader policy in force (PASS) and prints their diff."""
    assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
    for name in ("app-role", "ci-deployer"):
        current = f"specs/current-policies/{name}.json"
        check = rf"^\$ policygen check [0-9a-f-]{{36}} --deny-actions --current \S+/{current}$"
        assert re.search(check, demo.stdout, re.MULTILINE)
        assert re.search(rf"^\$ policygen diff \S+/{current} \S+-1\.json$", demo.stdout, re.MULTILINE)
    assert len(re.findall(r"^Policy check of [0-9a-f-]{36}: PASS$", demo.stdout, re.MULTILINE)) == 2
    assert demo.stdout.count("CheckNoNewAccess against ") == 2
    assert demo.stdout.count("Granted but not used: candidates to remove (") == 2
    assert "    iam (1): PassRole\n" in demo.stdout  # kept apart: CloudTrail does not record it


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


# ---- the scenario of every framework: synth, deploy, outputs, no-change diff, destroy -------------


@dataclass
class CliScenario:
    """What one CDK CLI did with the project's app (``main.py`` and ``specs/``) against an endpoint."""

    stack: dict[str, Any]  # cdk.tf.json of `synth`
    deployed: dict[str, Any]  # the outputs file of `deploy`
    output: dict[str, Any]  # the outputs file of `output`
    jobs: dict[str, str]  # principal -> job id, as the endpoint recorded them after deploy
    diff: subprocess.CompletedProcess[str]
    jobs_after_diff: int
    destroy: subprocess.CompletedProcess[str]
    state_file: Path  # the Terraform state (POLICYGEN_STATE)
    state: dict[str, Any]  # its content after destroy
    printed: str  # everything the CLIs printed, stdout and stderr


def run_cli_scenario(cli: Path, app: Path, tmp: Path) -> Iterator[CliScenario]:
    """Run ``cli`` (cdktf or cdktn) on the app in ``app`` against a fresh endpoint; yield what it did."""
    with Emulator(job_seconds=0.0) as emulator:
        state = tmp / "state.tfstate"
        env = {**isolated_env(tmp / "home", emulator.url), "POLICYGEN_STATE": str(state)}
        out = ["--output", str(tmp / "cdktf.out")]
        runs = [run([str(cli), "synth", *out], app, env)]
        stack = json.loads((tmp / "cdktf.out" / "stacks" / "policygen" / "cdk.tf.json").read_text())
        deploy = [str(cli), "deploy", "--auto-approve", *out, "--outputs-file", str(tmp / "deploy.json")]
        runs.append(run(deploy, app, env))
        runs.append(run([str(cli), "output", *out, "--outputs-file", str(tmp / "output.json")], app, env))
        jobs = {job.principal_arn: job.job_id for job in emulator.backend.jobs()}
        diff = run([str(cli), "diff", *out], app, env)
        jobs_after_diff = len(emulator.backend.jobs())
        destroy = run([str(cli), "destroy", "--auto-approve", *out], app, env)
        runs += [diff, destroy]
        yield CliScenario(
            stack=stack,
            deployed=json.loads((tmp / "deploy.json").read_text()),
            output=json.loads((tmp / "output.json").read_text()),
            jobs=jobs,
            diff=diff,
            jobs_after_diff=jobs_after_diff,
            destroy=destroy,
            state_file=state,
            state=json.loads(state.read_text()),
            printed="".join(r.stdout + r.stderr for r in runs),
        )


def check_synth(scenario: CliScenario) -> None:
    """One resource and one `<name>_job_id` output per spec, the map output, and the provider block."""
    assert set(scenario.stack["resource"]["accessanalyzer_policy_generation"]) == {"app_role", "ci_deployer"}
    assert {"app_role_job_id", "ci_deployer_job_id", "policy_generation_job_ids"} <= set(scenario.stack["output"])
    assert scenario.stack["provider"]["accessanalyzer"] == [{}]


def check_outputs(scenario: CliScenario) -> None:
    """`deploy --outputs-file` and `output` hold each `<name>_job_id` and the map, all the endpoint's jobs."""
    app_role = scenario.jobs["arn:aws:iam::123456789012:role/app"]
    ci_deployer = scenario.jobs["arn:aws:iam::123456789012:user/ci-deployer"]
    for outputs in (scenario.deployed["policygen"], scenario.output["policygen"]):
        assert outputs["policy_generation_job_ids"] == {"app-role": app_role, "ci-deployer": ci_deployer}
        assert job_id_outputs(outputs) == {"app_role_job_id": app_role, "ci_deployer_job_id": ci_deployer}


def job_id_outputs(outputs: dict[str, Any]) -> dict[str, str]:
    """The `<name>_job_id` outputs: `deploy --outputs-file` nests them under the construct id, `output` does not."""
    found: dict[str, str] = {}
    for name, value in outputs.items():
        if isinstance(value, dict) and name != "policy_generation_job_ids":
            found.update(job_id_outputs(value))
        elif name.endswith("_job_id"):
            found[name] = value
    return found


def check_no_change_diff(scenario: CliScenario) -> None:
    """A diff right after deploy plans no change and starts no job."""
    assert "No changes." in scenario.diff.stdout, scenario.diff.stdout
    assert scenario.jobs_after_diff == len(scenario.jobs) == 2


def check_destroy(scenario: CliScenario) -> None:
    """Destroy removes both generations from the state."""
    assert re.search(r"Destroy complete! Resources: 2 destroyed\.", scenario.destroy.stdout), scenario.destroy.stdout
    assert scenario.state["resources"] == []


def check_supported_node(scenario: CliScenario) -> None:
    """Neither the CLI nor jsii (in the app) printed Node's end-of-life banner."""
    assert END_OF_LIFE not in scenario.printed


@pytest.fixture(scope="module")
def cdktf_scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliScenario]:
    """The scenario, run once by cdktf-cli on the project itself (cdktf.json, main.py, specs/)."""
    yield from run_cli_scenario(CDKTF, ROOT, tmp_path_factory.mktemp("cdktf-scenario"))


def test_cdktf_synth_declares_every_spec(cdktf_scenario: CliScenario) -> None:
    """`cdktf synth` writes one generation and one job-id output per spec, and the map output."""
    check_synth(cdktf_scenario)


def test_cdktf_deploy_and_output_give_the_job_ids(cdktf_scenario: CliScenario) -> None:
    """`cdktf deploy --outputs-file` and `cdktf output` give `<name>_job_id` and the map, the endpoint's jobs."""
    check_outputs(cdktf_scenario)


def test_cdktf_diff_after_deploy_shows_no_change(cdktf_scenario: CliScenario) -> None:
    """`cdktf diff` after the deploy plans nothing and starts no job."""
    check_no_change_diff(cdktf_scenario)


def test_cdktf_destroy_empties_the_state(cdktf_scenario: CliScenario) -> None:
    """`cdktf destroy` removes both generations."""
    check_destroy(cdktf_scenario)


def test_cdktf_runs_on_a_supported_node(cdktf_scenario: CliScenario) -> None:
    """The CLI and jsii run on the Node.js of node_modules: no end-of-life banner anywhere."""
    check_supported_node(cdktf_scenario)


def test_node_modules_node_is_22_or_newer(tmp_path: Path) -> None:
    """package.json's `node` puts Node.js 22 LTS or newer in node_modules/.bin, and the sandbox finds it first."""
    env = isolated_env(tmp_path / "home")
    version = run([str(NODE_BIN / "node"), "--version"], tmp_path, env).stdout
    assert int(version.strip().lstrip("v").split(".")[0]) >= 22
    assert run(["node", "--version"], tmp_path, env).stdout == version


#: Starts jsii (through cdktf) and prints the executables of this process's children: jsii's Node.
JSII_NODE_PROBE = """
import os, cdktf
cdktf.App(outdir="out")
def parent(pid):
    try:  # a process may end between the listing and the read (seen under load)
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[1]
    except OSError:
        return None
children = [pid for pid in os.listdir("/proc") if pid.isdigit() and parent(pid) == str(os.getpid())]
print(sorted(os.path.realpath(f"/proc/{pid}/exe") for pid in children))
"""


@pytest.mark.skipif(not Path("/proc/self/exe").exists(), reason="needs Linux's /proc to see jsii's Node")
def test_jsii_runs_the_node_of_node_modules(tmp_path: Path) -> None:
    """jsii, started from the venv's Python with the sandbox's PATH, runs node_modules' Node, without a banner."""
    result = run([sys.executable, "-c", JSII_NODE_PROBE], tmp_path, isolated_env(tmp_path / "home"))
    assert result.stdout.strip() == repr([str((NODE_BIN / "node").resolve())])
    assert END_OF_LIFE not in result.stdout + result.stderr


def test_the_sandbox_puts_our_node_first_and_silences_no_jsii_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests' and the demo's environment has node_modules/.bin first and no JSII_SILENCE_* variable."""
    monkeypatch.setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env = isolated_env(tmp_path / "home")
    assert env["PATH"].split(os.pathsep)[0] == str(NODE_BIN)
    assert not [name for name in env if name.startswith("JSII_SILENCE_")]
