"""One-at-a-time scheduling: N generations whose jobs take S seconds each, one in progress at a time.

Access Analyzer runs one generation at a time per account and Region, so an apply of N generations
cannot end before N x S seconds. The resources wait for their job (``wait_for_completion = true``),
so the apply ends when the last job has finished and the physical limit is exactly N x S. The
efficiency is limit / wall: what is lost to Terraform and provider start-up and to polling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import endpoint, log, summary, timed
from bench.terraform import APPLY, Workdir, generations_hcl


def measure(work: Path, size: int, job_seconds: float, runs: int) -> dict[str, Any]:
    """Apply wall time of ``size`` generations of ``job_seconds`` each, concurrency 1, ``runs`` times."""
    log(f"scheduling: {size} generations of {job_seconds:g} s, one at a time, {runs} runs")
    hcl = generations_hcl(size, extra="  wait_for_completion = true\n")
    samples = []
    for run in range(runs):
        # A fresh endpoint per run: no job of an earlier run is known, every generation starts anew.
        with endpoint(job_seconds=job_seconds, concurrency=1, daily_quota=1_000_000) as emulator:
            workdir = Workdir(work / f"scheduling-{run}", hcl, emulator.url, provider=True)
            samples.append(timed(APPLY, workdir.path, workdir.env))
            jobs = sorted(emulator.backend.jobs(), key=lambda job: job.started_on)
            if len(jobs) != size:
                raise RuntimeError(f"expected {size} jobs, the endpoint recorded {len(jobs)}")
    limit = size * job_seconds
    wall = summary(samples)
    return {
        "size": size,
        "job_seconds": job_seconds,
        "limit": limit,
        "wall": wall,
        "efficiency": {"median": limit / wall["median"], "min": limit / wall["max"], "max": limit / wall["min"]},
    }
