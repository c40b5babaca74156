"""One-at-a-time scheduling, per Region: N generations of S-second jobs in one Region, and N/2 in each of two.

Access Analyzer runs one generation at a time per account and Region, so N jobs in one Region
cannot end before N x S seconds, and N/2 jobs in each of two Regions, run side by side, not before
N/2 x S. The resources wait for their job (``wait_for_completion = true``), so the apply ends when
the last job has finished. Each configuration is also applied with jobs that finish at once, in
the same run and in turns with the timed one: that apply's wall time is the **fixed cost** (Terraform
and provider start-up, the calls), which the efficiency leaves out:

* one Region: efficiency = N x S / (wall - fixed), at most 1;
* two Regions: (wall - fixed) / (N/2 x S), at least 1; 1 means the Regions ran fully side by side.

The two Regions are two aliased provider configurations (``region = ...``) against one endpoint,
which keeps each Region's jobs and slot apart. Every run checks, on the times the endpoint
recorded, that no Region ever had two jobs in progress at once.
"""

from __future__ import annotations

import itertools
import statistics
from pathlib import Path
from typing import Any

from bench.common import endpoint, log, summary, timed
from bench.terraform import APPLY, PROVIDER_BLOCK, REQUEST, Workdir

REGIONS = ("eu-west-1", "eu-central-1")


def regional_hcl(regions: tuple[str, ...], per_region: int) -> str:
    """``per_region`` generations waiting for completion through an aliased provider of each Region."""
    blocks = [PROVIDER_BLOCK]
    index = 0
    for alias, region in enumerate(regions):
        blocks.append(f'provider "accessanalyzer" {{\n  alias  = "r{alias}"\n  region = "{region}"\n}}\n')
        for _ in range(per_region):
            blocks.append(
                f'resource "accessanalyzer_policy_generation" "role_{index:04d}" {{\n'
                f"  provider = accessanalyzer.r{alias}\n"
                + REQUEST % {"index": index}
                + "  wait_for_completion = true\n}\n"
            )
            index += 1
    return "".join(blocks)


def _apply(work: Path, hcl: str, job_seconds: float, expected: int, regions: tuple[str, ...]) -> float:
    """Wall time of one apply against a fresh endpoint; checks one job per generation, one at a time per Region."""
    # A fresh endpoint per run: no job of an earlier run is known, every generation starts anew.
    with endpoint(job_seconds=job_seconds, concurrency=1, daily_quota=1_000_000) as emulator:
        workdir = Workdir(work, hcl, emulator.url, provider=True)
        seconds = timed(APPLY, workdir.path, workdir.env)
        jobs = emulator.backend.jobs()
        if len(jobs) != expected:
            raise RuntimeError(f"expected {expected} jobs, the endpoint recorded {len(jobs)}")
        for region in regions:
            for earlier, later in itertools.pairwise(emulator.backend.jobs(region=region)):
                if earlier.completed_on is None or later.started_on < earlier.completed_on:
                    raise RuntimeError(f"two jobs were in progress at once in {region}")
    return seconds


def _scenario(work: Path, regions: tuple[str, ...], per_region: int, job_seconds: float, runs: int) -> dict[str, Any]:
    """Wall and fixed cost of one configuration, ``runs`` times in turns."""
    hcl = regional_hcl(regions, per_region)
    expected = len(regions) * per_region
    walls, fixed = [], []
    for run in range(runs):
        walls.append(_apply(work / f"timed-{run}", hcl, job_seconds, expected, regions))
        fixed.append(_apply(work / f"fixed-{run}", hcl, 0.0, expected, regions))
    limit = per_region * job_seconds
    # Each run's own fixed cost is the closest to its conditions; the medians summarise the runs.
    scheduled = [wall - base for wall, base in zip(walls, fixed, strict=True)]
    return {
        "regions": list(regions),
        "per_region": per_region,
        "job_seconds": job_seconds,
        "limit": limit,
        "wall": summary(walls),
        "fixed": summary(fixed),
        "scheduled": summary(scheduled),
        "efficiency": limit / statistics.median(scheduled),
        "ratio": statistics.median(scheduled) / limit,
    }


def measure(work: Path, size: int, job_seconds: float, runs: int) -> dict[str, Any]:
    """``size`` generations of ``job_seconds`` in one Region, and ``size // 2`` in each of two Regions."""
    log(f"scheduling: {size} generations of {job_seconds:g} s in one Region, {runs} runs (and as many with 0 s)")
    one = _scenario(work / "one", REGIONS[:1], size, job_seconds, runs)
    log(f"scheduling: {size // 2} generations of {job_seconds:g} s in each of two Regions, {runs} runs")
    two = _scenario(work / "two", REGIONS, size // 2, job_seconds, runs)
    return {"one_region": one, "two_regions": two}
