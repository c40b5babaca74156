"""Generations through providers of different Regions run side by side (issue 14, item 2).

One embedded endpoint, two aliased provider configurations with different ``region``: Terraform
runs a provider process per configuration, each with its own start queue, and the endpoint keeps
each Region's one-at-a-time slot apart. Everything is asserted on the times the endpoint recorded
for its jobs, never on how long the apply took.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from policygen.emulator import Emulator
from policygen.emulator.models import Job
from tests.conftest import requires_terraform
from tests.e2e.test_lifecycle import ACCOUNT, Workdir, generation

pytestmark = [pytest.mark.e2e, requires_terraform]

REGIONS = {"west": "eu-west-1", "central": "eu-central-1"}

ALIASES = "".join(
    f'provider "accessanalyzer" {{\n  alias  = "{alias}"\n  region = "{region}"\n}}\n'
    for alias, region in REGIONS.items()
)


def _overlap(a: Job, b: Job) -> bool:
    """True when the two jobs were IN_PROGRESS at the same time, by the endpoint's records."""
    assert a.completed_on is not None
    assert b.completed_on is not None
    return a.started_on < b.completed_on and b.started_on < a.completed_on


def test_two_regions_run_side_by_side_and_each_one_at_a_time(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """2 Regions x 2 generations waiting for completion: jobs overlap across Regions, never within one."""
    emu = make_emulator(job_seconds=1.5, concurrency=1)
    tf = workdir(emu)
    blocks = [
        generation(f"{alias}{n}", extra=f"provider = accessanalyzer.{alias}\n  wait_for_completion = true")
        for alias in REGIONS
        for n in range(2)
    ]
    tf.write(ALIASES, *blocks)
    tf.tf("init")
    tf.tf("apply", "-auto-approve")

    for alias, region in REGIONS.items():
        jobs = emu.backend.jobs(region=region)
        assert sorted(job.principal_arn for job in jobs) == [
            f"arn:aws:iam::{ACCOUNT}:role/{alias}{n}" for n in range(2)
        ], f"each job runs in the Region of its provider ({region})"
        assert all(job.status == "SUCCEEDED" for job in jobs)
        for earlier, later in itertools.pairwise(jobs):  # oldest first
            assert earlier.completed_on is not None
            assert later.started_on >= earlier.completed_on, f"two jobs in progress at once in {region}"
    west, central = (emu.backend.jobs(region=region) for region in REGIONS.values())
    assert any(_overlap(a, b) for a in west for b in central), "the Regions' jobs never ran side by side"

    # Each Region's refresh finds its own jobs: the next plan has nothing to do.
    assert tf.tf("plan", "-detailed-exitcode").returncode == 0
    state = tf.state()
    assert {state[name]["job_id"] for name in state} == {job.job_id for job in emu.backend.jobs()}
