"""Terraform's promises where Terraform really runs (issue 19), with the real terraform.

Plan in one folder and apply the saved plan in another after a fresh init, days later and over
midnight; replacements planned elsewhere; workspaces; aliased providers; Ctrl-C mid-wait; a job the
endpoint does not know; settings judged at plan; a job cancelled outside Terraform.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from policygen.cli import main
from policygen.emulator import Emulator
from policygen.provider.clock import NOW_ENV
from tests.conftest import run
from tests.e2e.background import background_apply, until
from tests.e2e.test_lifecycle import ACCOUNT, Workdir, generation
from tests.e2e.test_promises import ADDRESS, job_ids, status_of
from tests.emulator.helpers import FakeClock

pytestmark = [pytest.mark.e2e]

#: The day the plans of these tests are made, a minute before midnight UTC.
EVENING = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)


def client_of(emu: Emulator) -> Any:
    """A boto3 client of the endpoint, as someone outside Terraform (the console, a script) would use it."""
    return boto3.client(
        "accessanalyzer",
        endpoint_url=emu.url,
        region_name="us-east-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
    )


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def carry(source: Workdir, target: Workdir, *files: str) -> None:
    """Copy the configuration and ``files`` (a saved plan, a state) to another folder, as a pipeline's artefacts are."""
    for name in ("main.tf", *files):
        if (source.path / name).exists():
            shutil.copy2(source.path / name, target.path / name)


def plan_json(tf: Workdir, plan: str = "plan.bin") -> dict[str, object]:
    shown: dict[str, object] = json.loads(tf.tf("show", "-json", plan).stdout)
    return shown


@pytest.mark.parametrize("days", [7, 90])
@pytest.mark.parametrize("later", [timedelta(minutes=2), timedelta(days=3)], ids=["after-midnight", "3-days"])
def test_a_saved_plan_applies_in_a_fresh_folder_later(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir], days: int, later: timedelta
) -> None:
    """plan -out in X before midnight, then init and apply of it in Y later: one job, with the apply's window."""
    clock = FakeClock(EVENING)
    emu = make_emulator(job_seconds=300.0, clock=clock)
    planner, applier = workdir(emu, "x"), workdir(emu, "y")
    planner.write(generation("saved").replace("lookback_days = 7", f"lookback_days = {days}"))
    planner.tf("init")
    planner.env[NOW_ENV] = stamp(EVENING)
    planner.tf("plan", "-out=plan.bin")
    (change,) = plan_json(planner)["resource_changes"]  # type: ignore[misc]
    assert change["change"]["after"]["lookback_days"] == days
    assert change["change"]["after_unknown"]["start_time"] is True
    assert change["change"]["after_unknown"]["client_token"] is True
    carry(planner, applier, "plan.bin")
    applier.tf("init")
    clock.advance(seconds=later.total_seconds())
    applier.env[NOW_ENV] = stamp(EVENING + later)
    applier.tf("apply", "plan.bin")
    (job,) = emu.backend.jobs()
    midnight = (EVENING + later).replace(hour=0, minute=0)
    assert job.request["cloudTrailDetails"]["startTime"] == stamp(midnight - timedelta(days=days - 1))
    state = applier.state()["saved"]
    assert state["job_id"] == job.job_id
    assert state["client_token"] == job.client_token
    assert not (planner.path / ".terraform" / "policygen").exists()
    assert not (applier.path / ".terraform" / "policygen").exists()


def test_a_replacement_planned_in_one_folder_applies_in_another(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """-replace planned in X, applied from a fresh Y a day later: exactly one new job, the old one cancelled."""
    clock = FakeClock(EVENING)
    emu = make_emulator(job_seconds=3 * 86400.0, clock=clock)
    planner, applier = workdir(emu, "x"), workdir(emu, "y")
    planner.write(generation("r"))
    planner.tf("init")
    planner.env[NOW_ENV] = stamp(EVENING)
    planner.tf("apply", "-auto-approve")
    (old,) = job_ids(emu)
    planner.tf("plan", f"-replace={ADDRESS}.r", "-out=plan.bin")
    carry(planner, applier, "plan.bin", "terraform.tfstate")
    applier.tf("init")
    clock.advance(days=1)
    applier.env[NOW_ENV] = stamp(EVENING + timedelta(days=1))
    applier.tf("apply", "plan.bin")
    ids = job_ids(emu)
    assert len(ids) == 2
    assert status_of(emu, old) == "CANCELED"
    assert applier.state()["r"]["job_id"] == ids[1]


def test_a_replacement_on_the_same_day_in_a_fresh_folder_starts_a_new_job(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Same day, same window: the derived token of the replacement differs, so the old job is not handed back."""
    clock = FakeClock(EVENING - timedelta(hours=12))
    emu = make_emulator(job_seconds=0.0, clock=clock)
    first, second = workdir(emu, "x"), workdir(emu, "y")
    first.env[NOW_ENV] = second.env[NOW_ENV] = stamp(clock.now)
    first.write(generation("r"))
    first.tf("init")
    first.tf("apply", "-auto-approve")
    (old,) = job_ids(emu)
    first.tf("plan", f"-replace={ADDRESS}.r", "-out=plan.bin")
    carry(first, second, "plan.bin", "terraform.tfstate")
    second.tf("init")
    second.tf("apply", "plan.bin")
    assert len(job_ids(emu)) == 2
    assert second.state()["r"]["job_id"] != old


def test_a_spent_token_never_locks_the_resource(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """A destroyed (cancelled) job whose token a new create derives again is stepped past, with a warning."""
    clock = FakeClock(EVENING - timedelta(hours=12))
    emu = make_emulator(job_seconds=300.0, clock=clock)
    tf = workdir(emu)
    tf.env[NOW_ENV] = stamp(clock.now)
    tf.write(generation("again"))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    (old,) = job_ids(emu)
    tf.tf("destroy", "-auto-approve")
    assert status_of(emu, old) == "CANCELED"
    result = tf.tf("apply", "-auto-approve")
    assert "Stepped past a job of an earlier creation" in result.stdout + result.stderr
    ids = job_ids(emu)
    assert len(ids) == 2
    assert tf.state()["again"]["job_id"] == ids[1]
    assert tf.tf("plan", "-detailed-exitcode", check=False).returncode == 0


WORKSPACE_GENERATION = generation("ws").replace(
    "lookback_days = 7", 'lookback_days = 7\n  instance_key  = "${terraform.workspace}/ws"'
)


def test_workspaces_get_jobs_of_their_own(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """One configuration in workspaces default and w2: two jobs; destroying one leaves the other's running."""
    emu = make_emulator(job_seconds=300.0, concurrency=2, clock=FakeClock(EVENING))  # both run at once
    tf = workdir(emu)
    tf.env[NOW_ENV] = stamp(EVENING)
    tf.write(WORKSPACE_GENERATION)
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    run(["terraform", "workspace", "new", "w2"], tf.path, tf.env)
    tf.tf("apply", "-auto-approve")
    w2_job = tf.state()["ws"]["job_id"]
    assert len(set(job_ids(emu))) == 2
    run(["terraform", "workspace", "select", "default"], tf.path, tf.env)
    tf.tf("destroy", "-auto-approve")
    run(["terraform", "workspace", "select", "w2"], tf.path, tf.env)
    assert status_of(emu, str(w2_job)) == "IN_PROGRESS"
    assert tf.tf("plan", "-detailed-exitcode", check=False).returncode == 0


def test_two_aliased_providers_decide_apart(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Two aliases (two provider processes) in one apply, each with generations: one job each, none lost or mixed."""
    emu = make_emulator(job_seconds=0.0, clock=FakeClock(EVENING))
    tf = workdir(emu)
    tf.env[NOW_ENV] = stamp(EVENING)
    aliased = 'provider "accessanalyzer" {\n  alias = "second"\n}\n'
    blocks = [generation(f"a{i}") for i in range(3)]
    blocks += [generation(f"b{i}", extra="provider = accessanalyzer.second") for i in range(3)]
    tf.write(aliased, *blocks)
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    state = tf.state()
    assert sorted(job_ids(emu)) == sorted(str(v["job_id"]) for v in state.values())
    assert len(set(job_ids(emu))) == 6
    assert tf.tf("plan", "-detailed-exitcode", check=False).returncode == 0


def test_two_applies_at_once_in_two_workspaces_start_one_job_each(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Two terraform applies at the same moment (two folders, one account and Region): one job each, neither lost."""
    emu = make_emulator(job_seconds=0.3, concurrency=1)
    folders = [workdir(emu, name) for name in ("one", "two")]
    for tf in folders:
        tf.write(generation("same", extra=f'instance_key = "{tf.path.name}"'))
        tf.tf("init")
    procs = [
        subprocess.Popen(
            ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"],
            cwd=tf.path,
            env=tf.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for tf in folders
    ]
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out
    assert len(set(job_ids(emu))) == 2
    assert {str(tf.state()["same"]["job_id"]) for tf in folders} == set(job_ids(emu))


def interrupt_once(tf: Workdir, ready: Callable[[], bool]) -> subprocess.CompletedProcess[str]:
    """Start `terraform apply` in its own process group, and send the group SIGINT (Ctrl-C) once ``ready()``."""
    proc = background_apply(tf, own_session=True)
    until(ready, proc)
    assert proc.poll() is None, "the apply ended before it was interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_ctrl_c_during_the_wait_keeps_the_job_and_the_next_apply_carries_on(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """SIGINT mid-wait: the apply ends holding the job (tainted); the next apply waits for that same job."""
    clock = FakeClock(EVENING)
    emu = make_emulator(job_seconds=600.0, clock=clock)
    tf = workdir(emu)
    tf.env[NOW_ENV] = stamp(EVENING)
    tf.write(generation("waited", extra='wait_for_completion = true\n  wait_timeout = "1h"'))
    tf.tf("init")
    # Ready once the create polls its job: a GetGeneratedPolicy after the start.
    result = interrupt_once(tf, lambda: emu.requests.counts()["GetGeneratedPolicy"] >= 1)
    assert result.returncode != 0
    (job_id,) = job_ids(emu)
    assert f"Interrupted while waiting for policy generation {job_id}" in " ".join(result.stderr.split())
    assert "Plugin did not respond" not in result.stderr
    shown = json.loads(tf.tf("show", "-json").stdout)
    (resource,) = shown["values"]["root_module"]["resources"]
    assert resource["values"]["job_id"] == job_id
    assert resource.get("tainted") is True
    clock.advance(seconds=601)
    tf.tf("apply", "-auto-approve")
    assert job_ids(emu) == [job_id]
    assert status_of(emu, job_id) == "SUCCEEDED"
    state = tf.state()["waited"]
    assert state["job_id"] == job_id
    assert state["status"] == "SUCCEEDED"
    (job,) = emu.backend.jobs()
    assert state["client_token"] == job.client_token  # the window and token it was started with
    assert state["start_time"] == job.request["cloudTrailDetails"]["startTime"]
    assert state["interrupted"] is False


def test_ctrl_c_in_the_queue_starts_nothing(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """SIGINT while the create waits for another generation's slot: the apply ends, nothing started, state empty."""
    clock = FakeClock(EVENING)
    emu = make_emulator(job_seconds=600.0, concurrency=1, clock=clock)
    other = client_of(emu)
    other.start_policy_generation(
        policyGenerationDetails={"principalArn": f"arn:aws:iam::{ACCOUNT}:role/someone"},
        cloudTrailDetails={
            "trails": [
                {"cloudTrailArn": f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management", "allRegions": True}
            ],
            "accessRole": f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole",
            "startTime": stamp(EVENING - timedelta(days=2)),
        },
    )
    tf = workdir(emu)
    tf.env[NOW_ENV] = stamp(EVENING)
    tf.write(generation("queued"))
    tf.tf("init")
    # Ready once the create waits in the queue: its start was refused and it follows the job ahead.
    counts = emu.requests.counts
    result = interrupt_once(tf, lambda: counts()["StartPolicyGeneration"] >= 2 and counts()["GetGeneratedPolicy"] >= 1)
    assert result.returncode != 0
    assert len(job_ids(emu)) == 1
    assert tf.state() == {}


def test_a_job_the_endpoint_does_not_know_names_the_ways_out_and_destroy_completes(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Pointed at an endpoint that never saw the job: plan warns naming every way out; destroy completes, warning."""
    first = make_emulator(job_seconds=0.0, clock=FakeClock(EVENING))
    other = make_emulator(job_seconds=0.0, clock=FakeClock(EVENING))
    tf = workdir(first)
    tf.env[NOW_ENV] = stamp(EVENING)
    tf.write(generation("here"))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    tf.env["AWS_ENDPOINT_URL_ACCESSANALYZER"] = other.url
    plan = tf.tf("plan", "-detailed-exitcode", check=False)
    assert plan.returncode == 0  # nothing to change, nothing started: a warning says why
    message = " ".join((plan.stdout + plan.stderr).split())
    assert "is unknown to Access Analyzer" in message
    assert other.url in message
    for way in ("`region`", "terraform destroy -refresh=false", "terraform state rm", "terraform import"):
        assert way in message, way
    destroy = tf.tf("destroy", "-auto-approve")
    said = " ".join((destroy.stdout + destroy.stderr).split())
    assert "Forgot policy generation" in said
    assert tf.state() == {}


def test_settings_that_cannot_work_fail_the_plan(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """No credentials, an empty Region, a profile that does not exist: each an error of `terraform plan`, named."""
    emu = make_emulator(job_seconds=0.0)
    tf = workdir(emu)
    tf.write(generation("s"))
    tf.tf("init")
    good = dict(tf.env)
    cases = {
        "No AWS credentials were found": {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
        "No AWS Region is configured": {"AWS_REGION": "", "AWS_DEFAULT_REGION": None},
        "The AWS profile 'nowhere' (from AWS_PROFILE)": {"AWS_PROFILE": "nowhere"},
    }
    for expected, changes in cases.items():
        tf.env = {k: v for k, v in good.items() if k not in changes or changes[k] is not None}
        tf.env.update({k: v for k, v in changes.items() if v is not None})
        plan = tf.tf("plan", check=False)
        assert plan.returncode == 1, expected
        assert expected in " ".join(plan.stderr.split()), plan.stderr
    assert emu.backend.jobs() == []


def test_a_job_cancelled_outside_terraform_is_named_by_the_plan_and_review(
    make_emulator: Callable[..., Emulator],
    workdir: Callable[..., Workdir],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """policygen cancel of a job in state: the plan warns and says the next apply starts nothing; review says so."""
    emu = make_emulator(job_seconds=300.0, clock=FakeClock(EVENING))
    tf = workdir(emu)
    tf.env[NOW_ENV] = stamp(EVENING)
    tf.write(generation("c"))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    (job_id,) = job_ids(emu)
    client = client_of(emu)
    client.cancel_policy_generation(jobId=job_id)
    plan = tf.tf("plan", "-out=plan.bin")
    said = " ".join((plan.stdout + plan.stderr).split())
    assert f"Policy generation {job_id} ended CANCELED outside Terraform" in said
    assert "-replace" in said
    (tmp_path / "plan.json").write_text(tf.tf("show", "-json", "plan.bin").stdout)
    assert main(["review", str(tmp_path / "plan.json")]) == 0
    review = capsys.readouterr()
    assert job_id in review.out, review.out + review.err
    assert "CANCELED outside Terraform" in " ".join(review.out.split())
    tf.tf("apply", "plan.bin")
    assert job_ids(emu) == [job_id]


def test_nothing_is_written_beside_terraform(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir], tmp_path: Path
) -> None:
    """plan and apply write no file of policygen's in the working folder, and follow no link out of it."""
    emu = make_emulator(job_seconds=0.0, clock=FakeClock(EVENING))
    tf = workdir(emu)
    tf.env[NOW_ENV] = stamp(EVENING)
    tf.write(generation("quiet"))
    tf.tf("init")
    outside = tmp_path / "outside"
    outside.mkdir()
    (tf.path / ".terraform" / "policygen").symlink_to(outside)
    tf.tf("plan", "-out=plan.bin")
    tf.tf("apply", "plan.bin")
    assert list(outside.iterdir()) == []
    assert len(job_ids(emu)) == 1


def test_an_endpoint_restart_during_the_wait_is_ridden_out(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir], tmp_path: Path
) -> None:
    """The endpoint (with --state-dir) stopped and started again mid-wait: the create finishes with its one job."""
    clock = FakeClock(EVENING)
    emu = make_emulator(job_seconds=600.0, clock=clock, state_dir=tmp_path / "endpoint-state")
    tf = workdir(emu)
    tf.env[NOW_ENV] = stamp(EVENING)
    tf.write(generation("steady", extra='wait_for_completion = true\n  wait_timeout = "1h"'))
    tf.tf("init")
    proc = background_apply(tf)
    until(lambda: emu.requests.counts()["GetGeneratedPolicy"] >= 1, proc)
    emu.stop()
    time.sleep(1.0)  # down for a moment: the provider's polls are refused meanwhile
    clock.advance(seconds=601)
    emu.start()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    (job_id,) = job_ids(emu)
    assert tf.state()["steady"]["job_id"] == job_id
    assert tf.state()["steady"]["status"] == "SUCCEEDED"
