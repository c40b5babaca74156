"""The resource's lifecycle with the real terraform binary against the embedded endpoint (issue 5).

Plain HCL (no cdktf) so that each test is a handful of terraform commands.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from policygen.distribution.launcher import install_provider, lock_provider
from policygen.emulator import Emulator
from policygen.emulator.faults import FaultPlan
from policygen.emulator.models import World
from policygen.emulator.samplelogs import write_sample_logs
from policygen.provider.clock import NOW_ENV
from tests.conftest import isolated_env, requires_terraform, run
from tests.emulator.helpers import FakeClock

pytestmark = [pytest.mark.e2e, requires_terraform]

ACCOUNT = "123456789012"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management"

PROVIDER = """
terraform {
  required_providers {
    accessanalyzer = { source = "terraform.local/policygen/accessanalyzer", version = "0.1.0" }
  }
}
provider "accessanalyzer" {}
"""


def generation(name: str, *, extra: str = "", role: str | None = None) -> str:
    """HCL of one generation for the role `role` (default: `name`), with an output of its job id."""
    return f"""
resource "accessanalyzer_policy_generation" "{name}" {{
  principal_arn = "arn:aws:iam::{ACCOUNT}:role/{role or name}"
  access_role   = "{ACCESS_ROLE}"
  trails        = [{{ cloud_trail_arn = "{TRAIL}", regions = ["us-east-1"] }}]
  lookback_days = 7
  {extra}
}}
output "{name}" {{ value = accessanalyzer_policy_generation.{name}.job_id }}
"""


class Workdir:
    """A Terraform working directory with the provider installed, pointed at one endpoint."""

    def __init__(self, path: Path, emulator: Emulator) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        lock_provider(path, install_provider(path / "terraform.d" / "plugins"))
        self.env = isolated_env(path / ".home", emulator.url)

    def write(self, *blocks: str) -> None:
        (self.path / "main.tf").write_text(PROVIDER + "".join(blocks))

    def tf(self, command: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        flags = ["-no-color", *(["-input=false"] if command in _INPUT else [])]
        return run(["terraform", command, *flags, *args], self.path, self.env, check=check)

    def state(self) -> dict[str, dict[str, object]]:
        shown = json.loads(self.tf("show", "-json").stdout)
        resources = shown.get("values", {}).get("root_module", {}).get("resources", [])
        return {r["name"]: r["values"] for r in resources}


_INPUT = {"init", "plan", "apply", "destroy", "import", "refresh"}


def jobs_per_principal(emulator: Emulator) -> Counter[str]:
    return Counter(job.principal_arn for job in emulator.backend.jobs())


def test_five_generations_run_one_at_a_time(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Five generations in one apply: all start, none twice, one after another, and the apply waits."""
    emu = make_emulator(job_seconds=0.5, concurrency=1)
    tf = workdir(emu)
    names = [f"role{i}" for i in range(5)]
    tf.write(*(generation(n) for n in names))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    assert jobs_per_principal(emu) == Counter({f"arn:aws:iam::{ACCOUNT}:role/{n}": 1 for n in names})
    jobs = sorted(emu.backend.jobs(), key=lambda j: j.started_on)
    for earlier, later in itertools.pairwise(jobs):
        assert later.started_on >= earlier.completed_on  # never two in progress at once
    outputs = json.loads(tf.tf("output", "-json").stdout)
    assert {o["value"] for o in outputs.values()} == {j.job_id for j in jobs}


def test_faults_and_lost_responses_start_exactly_one_job_each(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """With 20% injected faults, some after the job was created, each generation still gets one job."""
    emu = make_emulator(job_seconds=0.2, faults=FaultPlan(rate=0.2, seed=7))
    tf = workdir(emu)
    names = [f"faulty{i}" for i in range(4)]
    tf.write(*(generation(n) for n in names))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    assert emu.faults.injected, "the plan should have injected faults"
    assert jobs_per_principal(emu) == Counter({f"arn:aws:iam::{ACCOUNT}:role/{n}": 1 for n in names})
    state = tf.state()
    assert {v["job_id"] for v in state.values()} == {j.job_id for j in emu.backend.jobs()}


def kill_apply_after_first_start(tf: Workdir, emu: Emulator) -> list[int]:
    """Start `terraform apply`, SIGKILL it once the endpoint has a job; return its provider pids then."""
    proc = subprocess.Popen(
        ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"],
        cwd=tf.path,
        env=tf.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not emu.backend.jobs() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert emu.backend.jobs(), "apply never started a job"
    providers = _provider_pids(tf.path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return providers


def test_apply_killed_then_applied_again_starts_no_second_job(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """SIGKILL of terraform after the first start, then a new apply: still one job per generation."""
    emu = make_emulator(job_seconds=1.5, concurrency=1)
    tf = workdir(emu)
    names = [f"killed{i}" for i in range(3)]
    tf.write(*(generation(n) for n in names))
    tf.tf("init")
    providers = kill_apply_after_first_start(tf, emu)
    assert providers, "no provider process found"
    # The orphaned provider notices its parent is gone and exits: wait for that (the bound only stops a hang).
    deadline = time.monotonic() + 120
    while any(_alive(pid) for pid in providers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in providers), "the orphaned provider is still running"
    tf.tf("apply", "-auto-approve")
    assert jobs_per_principal(emu) == Counter({f"arn:aws:iam::{ACCOUNT}:role/{n}": 1 for n in names})
    assert {v["job_id"] for v in tf.state().values()} == {j.job_id for j in emu.backend.jobs()}


def test_orphaned_provider_exits_after_sigkill(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """When terraform is killed, its provider process does not linger."""
    emu = make_emulator(job_seconds=30, concurrency=1)
    tf = workdir(emu)
    tf.write(generation("first"), generation("second"))  # the second waits for the first: a long call
    tf.tf("init")
    providers = kill_apply_after_first_start(tf, emu)
    assert providers, "no provider process found"
    deadline = time.monotonic() + 120  # a bound on a hang: the provider polls its parent every 0.5 s
    while any(_alive(pid) for pid in providers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in providers)


def _provider_pids(workdir: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
                cwd = os.readlink(entry / "cwd")
            except OSError:
                continue
            if b"policygen.provider" in cmd and cwd == str(workdir):
                pids.append(int(entry.name))
    return pids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


def test_destroy_cancels_running_jobs(make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]) -> None:
    """destroy with jobs still IN_PROGRESS cancels every one of them."""
    emu = make_emulator(job_seconds=300, concurrency=3)
    tf = workdir(emu)
    tf.write(*(generation(f"running{i}") for i in range(3)))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    assert {j.status for j in emu.backend.jobs()} == {"IN_PROGRESS"}
    tf.tf("destroy", "-auto-approve")
    assert [j.status for j in emu.backend.jobs()] == ["CANCELED"] * 3


def test_refresh_after_expiry_keeps_the_job_and_plans_nothing(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """When the service forgets a job (after seven days) it stays in state, marked expired; no new job."""
    clock = FakeClock()
    emu = make_emulator(job_seconds=0, clock=clock)
    tf = workdir(emu)
    tf.write(generation("old"))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    job_id = tf.state()["old"]["job_id"]
    clock.advance(days=8)
    tf.env[NOW_ENV] = clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")  # the provider's clock moves too
    plan = tf.tf("plan", "-detailed-exitcode", check=False)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    tf.tf("apply", "-refresh-only", "-auto-approve")
    state = tf.state()["old"]
    assert state["expired"] is True
    assert state["job_id"] == job_id
    assert state["status"] == "SUCCEEDED"
    tf.tf("destroy", "-auto-approve")  # a destroy never fails because a job expired
    assert len(emu.backend.jobs()) == 1


def test_import_adopts_a_job_without_replacing_it(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """`terraform import` adopts a job by id; plans never replace it, and after one apply show no changes."""
    emu = make_emulator(job_seconds=0)
    first = workdir(emu, "first")
    first.write(generation("adopted", extra='end_time = "2026-11-20T00:00:00Z"'))
    first.tf("init")
    first.tf("apply", "-auto-approve")
    job_id = first.state()["adopted"]["job_id"]
    second = workdir(emu, "second")
    second.write(generation("adopted", extra='end_time = "2026-11-20T00:00:00Z"'))
    second.tf("init")
    second.tf("import", "accessanalyzer_policy_generation.adopted", job_id)
    imported = second.state()["adopted"]
    assert imported["job_id"] == job_id
    assert imported["principal_arn"] == f"arn:aws:iam::{ACCOUNT}:role/adopted"
    plan = second.tf("plan").stdout
    assert "must be replaced" not in plan
    assert "0 to add" in plan
    second.tf("apply", "-auto-approve")
    again = second.tf("plan", "-detailed-exitcode", check=False)
    assert again.returncode == 0, again.stdout
    assert len(emu.backend.jobs()) == 1


def test_import_block_adopts_a_job(make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]) -> None:
    """An `import` block adopts the job in the same plan, with no new job started."""
    emu = make_emulator(job_seconds=0)
    first = workdir(emu, "first")
    first.write(generation("adopted"))
    first.tf("init")
    first.tf("apply", "-auto-approve")
    job_id = first.state()["adopted"]["job_id"]
    second = workdir(emu, "second")
    second.write(
        generation("adopted"), f'import {{\n  to = accessanalyzer_policy_generation.adopted\n  id = "{job_id}"\n}}\n'
    )
    second.tf("init")
    plan = second.tf("plan").stdout
    assert "1 to import, 0 to add" in plan
    second.tf("apply", "-auto-approve")
    assert second.state()["adopted"]["job_id"] == job_id
    assert len(emu.backend.jobs()) == 1


def test_wait_for_completion_and_the_generated_policy_data_source(
    tmp_path: Path, make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """wait_for_completion returns when SUCCEEDED; the data source then holds the generated policy."""
    principal = f"arn:aws:iam::{ACCOUNT}:role/drafted"
    logs = write_sample_logs(tmp_path / "trail", principal_arns=[principal], account_id=ACCOUNT, regions=["us-east-1"])
    emu = make_emulator(job_seconds=1.0, cloudtrail_dir=tmp_path / "trail")
    tf = workdir(emu)
    tf.write(
        generation("drafted", extra='wait_for_completion = true\n  wait_timeout = "2m"'),
        """
data "accessanalyzer_generated_policy" "drafted" {
  job_id = accessanalyzer_policy_generation.drafted.job_id
}
output "policy" { value = data.accessanalyzer_generated_policy.drafted.policies[0] }
output "complete" { value = data.accessanalyzer_generated_policy.drafted.is_complete }
""",
    )
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    assert tf.state()["drafted"]["status"] == "SUCCEEDED"
    outputs = json.loads(tf.tf("output", "-json").stdout)
    policy = json.loads(outputs["policy"]["value"])
    actions = {a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == set(logs.actions[principal])


def test_wait_for_completion_fails_the_apply_when_the_job_fails(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """A job that ends FAILED fails the apply with its error and stays in state, tainted."""
    emu = make_emulator(job_seconds=0.2, world=World(access_roles=frozenset({"arn:aws:iam::123456789012:role/other"})))
    tf = workdir(emu)
    tf.write(generation("denied", extra="wait_for_completion = true"))
    tf.tf("init")
    result = tf.tf("apply", "-auto-approve", check=False)
    assert result.returncode == 1
    assert "ended FAILED" in result.stderr
    assert "AUTHORIZATION_ERROR" in result.stderr
    shown = json.loads(tf.tf("show", "-json").stdout)
    (resource,) = shown["values"]["root_module"]["resources"]
    assert resource.get("tainted") is True
    assert len(emu.backend.jobs()) == 1
