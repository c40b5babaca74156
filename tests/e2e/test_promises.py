"""Terraform's promises, with the real terraform against the embedded endpoint (issue 11).

A replaced resource gets a new job, identical requests never share one, time never blocks the plan
or destroy of an existing resource, imports keep the rules, and the plan shows what is sent.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from policygen.emulator import Emulator
from policygen.emulator.models import World
from policygen.provider.clock import NOW_ENV
from tests.e2e.test_lifecycle import ACCOUNT, TRAIL, Workdir, generation
from tests.emulator.helpers import FakeClock

pytestmark = [pytest.mark.e2e]

ADDRESS = "accessanalyzer_policy_generation"


def job_ids(emu: Emulator) -> list[str]:
    return [job.job_id for job in sorted(emu.backend.jobs(), key=lambda j: j.started_on)]


def status_of(emu: Emulator, job_id: str) -> str:
    (job,) = [j for j in emu.backend.jobs() if j.job_id == job_id]
    return str(job.status)


def planned_create(tf: Workdir, name: str) -> dict[str, object]:
    """The `after` values of the planned create of `name`, from `terraform show -json` of a saved plan."""
    tf.tf("plan", "-out=plan.bin")
    shown = json.loads(tf.tf("show", "-json", "plan.bin").stdout)
    (change,) = [c["change"] for c in shown["resource_changes"] if c["name"] == name]
    assert "create" in change["actions"]
    return {**change["after"], "_unknown": change["after_unknown"]}


@pytest.mark.parametrize("job_seconds", [300.0, 0.0], ids=["running", "finished"])
def test_replace_starts_a_new_job_on_the_same_day(
    job_seconds: float, make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """`-replace` starts a new job, for an identical request on the same day, whether the old one runs or ended."""
    emu = make_emulator(job_seconds=job_seconds, clock=FakeClock())  # the clock never reaches a running job's end
    tf = workdir(emu)
    tf.write(generation("r1"))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    (old,) = job_ids(emu)
    tf.tf("apply", "-auto-approve", f"-replace={ADDRESS}.r1")
    assert len(job_ids(emu)) == 2
    new = tf.state()["r1"]["job_id"]
    assert new != old
    assert status_of(emu, new) == ("IN_PROGRESS" if job_seconds else "SUCCEEDED")
    if job_seconds:
        assert status_of(emu, old) == "CANCELED"
    tf.tf("apply", "-auto-approve", f"-replace={ADDRESS}.r1")  # and again: a third job, never an old one
    assert len(set(job_ids(emu))) == 3
    assert tf.state()["r1"]["job_id"] not in (old, new)


def test_a_failed_wait_is_replaced_by_a_new_job(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """A job that ends FAILED taints the resource; the next apply starts a new job instead of the failed one."""
    denied = World(access_roles=frozenset({f"arn:aws:iam::{ACCOUNT}:role/other"}))
    emu = make_emulator(job_seconds=0.0, world=denied)
    tf = workdir(emu)
    tf.write(generation("denied", extra="wait_for_completion = true"))
    tf.tf("init")
    first = tf.tf("apply", "-auto-approve", check=False)
    assert first.returncode == 1
    assert "ended FAILED" in first.stderr
    (failed,) = job_ids(emu)
    second = tf.tf("apply", "-auto-approve", check=False)
    assert "ended FAILED" in second.stderr  # the new job fails too (the role is still denied) ...
    assert len(job_ids(emu)) == 2  # ... but it is a new job, not the old one handed back
    assert tf.state()["denied"]["job_id"] != failed


def test_a_trigger_change_and_back_starts_a_new_job_each_time(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Changing triggers a -> b -> a on one day starts three jobs; the third is not the first one back."""
    emu = make_emulator(job_seconds=300.0, clock=FakeClock())
    tf = workdir(emu)
    seen = []
    for value in ("a", "b", "a"):
        tf.write(generation("t", extra=f'triggers = {{ rev = "{value}" }}'))
        if not seen:
            tf.tf("init")
        tf.tf("apply", "-auto-approve")
        seen.append(tf.state()["t"]["job_id"])
    assert len(set(seen)) == 3
    assert [status_of(emu, j) for j in seen] == ["CANCELED", "CANCELED", "IN_PROGRESS"]


def test_identical_requests_in_one_configuration_are_refused_at_plan(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Two resources with the same request fail the plan with a diagnostic naming the fix; no job starts."""
    emu = make_emulator(job_seconds=300.0, clock=FakeClock())
    tf = workdir(emu)
    tf.write(generation("one", role="shared"), generation("two", role="shared"))
    tf.tf("init")
    plan = tf.tf("plan", check=False)
    assert plan.returncode == 1
    assert "Two policy generations would share one job" in plan.stderr
    assert "instance_key" in plan.stderr
    assert "each.key" in plan.stderr
    assert f"{ADDRESS}.one" in plan.stderr or f"{ADDRESS}.two" in plan.stderr
    assert emu.backend.jobs() == []


def test_instance_keys_and_for_each_triggers_keep_identical_requests_apart(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """With instance_key (or for_each with triggers) each resource gets its own job; destroying one keeps the other."""
    emu = make_emulator(job_seconds=300.0, concurrency=4, clock=FakeClock())
    tf = workdir(emu)
    tf.write(
        generation("one", role="shared", extra='instance_key = "one"'),
        generation("two", role="shared", extra='instance_key = "two"'),
        f"""
resource "{ADDRESS}" "each" {{
  for_each      = toset(["x", "y"])
  principal_arn = "arn:aws:iam::{ACCOUNT}:role/shared"
  access_role   = "arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
  trails        = [{{ cloud_trail_arn = "{TRAIL}", regions = ["us-east-1"] }}]
  lookback_days = 7
  triggers      = {{ key = each.key }}
}}
""",
    )
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    assert len(set(job_ids(emu))) == 4
    tf.tf("destroy", "-auto-approve", f"-target={ADDRESS}.one")
    statuses = sorted(j.status for j in emu.backend.jobs())
    assert statuses == ["CANCELED", "IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS"]
    assert status_of(emu, tf.state()["two"]["job_id"]) == "IN_PROGRESS"


def test_time_never_blocks_the_plan_or_destroy_of_an_existing_resource(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """A fixed start_time without end_time, 100 days later: plan shows no changes and destroy succeeds."""
    clock = FakeClock()
    emu = make_emulator(job_seconds=0.0, clock=clock)
    tf = workdir(emu)
    start = (clock.now - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    tf.write(generation("fixed").replace("lookback_days = 7", f'start_time = "{start}"'))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    clock.advance(days=100)
    tf.env[NOW_ENV] = clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    plan = tf.tf("plan", "-detailed-exitcode", check=False)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert tf.state()["fixed"]["expired"] is False  # a plan does not write state; the refresh below does
    tf.tf("apply", "-refresh-only", "-auto-approve")
    assert tf.state()["fixed"]["expired"] is True
    # The same request as a new resource is judged now, at the plan of its create: 110 days.
    tf.write(
        generation("fixed").replace("lookback_days = 7", f'start_time = "{start}"'),
        generation("again").replace("lookback_days = 7", f'start_time = "{start}"'),
    )
    refused = tf.tf("plan", check=False)
    assert refused.returncode == 1
    assert "the window is 110 days" in refused.stderr
    assert f"{ADDRESS}.again" in refused.stderr
    tf.write(generation("fixed").replace("lookback_days = 7", f'start_time = "{start}"'))
    tf.tf("destroy", "-auto-approve")
    assert len(emu.backend.jobs()) == 1


def test_an_unknown_job_that_cannot_have_expired_is_named_with_where_it_asked(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Pointed at another endpoint (say, the wrong Region), refresh warns where it asked and never marks it expired."""
    first = make_emulator(job_seconds=0.0)
    other = make_emulator(job_seconds=0.0)
    tf = workdir(first)
    tf.write(generation("here"))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    tf.env["AWS_ENDPOINT_URL_ACCESSANALYZER"] = other.url
    plan = tf.tf("plan", check=False)
    said = " ".join((plan.stdout + plan.stderr).split())
    assert "is unknown to Access Analyzer" in said
    assert other.url in said
    assert ACCOUNT in said
    tf.env["AWS_ENDPOINT_URL_ACCESSANALYZER"] = first.url
    assert tf.state()["here"]["expired"] is False


def test_an_imported_job_keeps_the_rules_after_its_first_apply(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """After the reconciling apply, adding triggers to an imported resource plans a replacement and a new job."""
    emu = make_emulator(job_seconds=300.0, clock=FakeClock())
    first = workdir(emu, "first")
    first.write(generation("adopted", extra='end_time = "2026-11-20T00:00:00Z"'))
    first.tf("init")
    first.tf("apply", "-auto-approve")
    job_id = first.state()["adopted"]["job_id"]
    second = workdir(emu, "second")
    second.write(generation("adopted", extra='end_time = "2026-11-20T00:00:00Z"\n  instance_key = "second"'))
    second.tf("init")
    second.tf("import", f"{ADDRESS}.adopted", job_id)
    reconcile = second.tf("plan").stdout
    assert "must be replaced" not in reconcile
    assert "1 to change" in reconcile
    second.tf("apply", "-auto-approve")
    assert second.tf("plan", "-detailed-exitcode", check=False).returncode == 0
    second.write(
        generation(
            "adopted", extra='end_time = "2026-11-20T00:00:00Z"\n  instance_key = "second"\n  triggers = { rev = "2" }'
        )
    )
    replan = second.tf("plan").stdout
    assert "must be replaced" in replan
    second.tf("apply", "-auto-approve")
    assert second.state()["adopted"]["job_id"] != job_id
    assert len(emu.backend.jobs()) == 2


def test_a_given_client_token_of_a_cancelled_job_is_refused(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """A create never ends holding a job that was CANCELED before it began, even when the user's token names it."""
    emu = make_emulator(job_seconds=300.0, clock=FakeClock())
    tf = workdir(emu)
    tf.write(generation("pinned", extra='client_token = "pinned-1"'))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    (job_id,) = job_ids(emu)
    tf.tf("destroy", "-auto-approve")
    assert status_of(emu, job_id) == "CANCELED"
    again = tf.tf("apply", "-auto-approve", check=False)
    assert again.returncode == 1
    message = " ".join(again.stderr.split())
    assert f"The client token pinned-1 belongs to policy generation {job_id} (CANCELED)" in message
    assert "Give this resource a new client_token" in message
    assert tf.state() == {}
    assert job_ids(emu) == [job_id]


def kill_apply_once(tf: Workdir, emu: Emulator, *args: str, jobs: int) -> None:
    """Run `terraform apply -auto-approve ARGS` and SIGKILL it once the endpoint holds `jobs` jobs."""
    proc = subprocess.Popen(
        ["terraform", "apply", "-auto-approve", "-input=false", "-no-color", *args],
        cwd=tf.path,
        env=tf.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # a bound on a hang, not a timing assumption
        while len(emu.backend.jobs()) < jobs and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(emu.backend.jobs()) >= jobs, "the apply never started the job"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def test_a_replacement_killed_after_its_start_ends_with_one_new_job(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """SIGKILL of a `-replace` apply once the new job exists, then a re-apply: one new job, the old one cancelled."""
    emu = make_emulator(job_seconds=300.0, concurrency=2, clock=FakeClock())
    tf = workdir(emu)
    tf.write(generation("r"))
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    (old,) = job_ids(emu)
    # Waiting for completion keeps the replacing apply busy after its start, where it is killed.
    tf.write(generation("r", extra='wait_for_completion = true\n  wait_timeout = "10m"'))
    kill_apply_once(tf, emu, f"-replace={ADDRESS}.r", jobs=2)
    tf.write(generation("r"))
    result = tf.tf("apply", "-auto-approve")
    if "No changes" in result.stdout:
        # Terraform had not recorded the destroy: the state still holds the old, cancelled job. The
        # documented way out starts no third job: the replacement's planned token is reused.
        tf.tf("apply", "-auto-approve", f"-replace={ADDRESS}.r")
    ids = job_ids(emu)
    assert len(ids) == 2, ids
    assert status_of(emu, old) == "CANCELED"
    assert tf.state()["r"]["job_id"] == ids[1]
