"""What every benchmark shares: repeated timing, summaries, the least-squares line, an isolated environment.

Figures are wall-clock seconds of whole commands (``time.perf_counter`` around ``subprocess.run``),
summarised as the median of the runs with their min and max. Absolute seconds depend on the
machine and its load; the reports therefore put every figure next to a baseline measured in the
same run, and compare ratios and slopes.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from policygen.testing.sandbox import sandbox_env

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ACCOUNT = "123456789012"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management"


def summary(samples: Sequence[float]) -> dict[str, Any]:
    """Median, min and max of ``samples`` (seconds), with the samples themselves."""
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "runs": len(samples),
        "samples": [round(s, 4) for s in samples],
    }


def repeat(runs: int, once: Callable[[], float], *, prepare: Callable[[], None] | None = None) -> dict[str, Any]:
    """Call ``prepare`` (untimed) and then ``once`` (returns seconds) ``runs`` times; summarise."""
    samples = []
    for _ in range(runs):
        if prepare:
            prepare()
        samples.append(once())
    return summary(samples)


def interleaved(
    runs: int, timers: dict[str, Callable[[], float]], *, prepare: Callable[[], None] | None = None
) -> dict[str, dict[str, Any]]:
    """Like :func:`repeat` for several timers, run in turns (a, b, a, b, ...) so that a change of the
    machine's load during the benchmark falls on all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in timers}
    for _ in range(runs):
        for name, once in timers.items():
            if prepare:
                prepare()
            samples[name].append(once())
    return {name: summary(values) for name, values in samples.items()}


def timed(args: Sequence[str], cwd: Path, env: dict[str, str], *, ok: Sequence[int] = (0,)) -> float:
    """Run a command, fail loudly when its exit status is not in ``ok``; return its wall time."""
    started = time.perf_counter()
    result = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=900)
    elapsed = time.perf_counter() - started
    if result.returncode not in ok:
        raise RuntimeError(f"{' '.join(args)} exited {result.returncode} in {cwd}\n{result.stdout}\n{result.stderr}")
    return elapsed


def fit(sizes: Sequence[float], seconds: Sequence[float]) -> dict[str, float]:
    """Least-squares line ``seconds = fixed + slope * size``."""
    slope, intercept = statistics.linear_regression(sizes, seconds)
    return {"fixed": intercept, "slope": slope}


def isolated_env(home: Path, endpoint: str | None = None) -> dict[str, str]:
    """The sandbox of the tests and the demo (:func:`policygen.testing.sandbox.sandbox_env`), no POLICYGEN_*."""
    return {k: v for k, v in sandbox_env(home, endpoint).items() if not k.startswith("POLICYGEN_")}


def endpoint(job_seconds: float, concurrency: int, daily_quota: int) -> Any:
    """The embedded Access Analyzer endpoint, in this process."""
    from policygen.emulator import Emulator

    return Emulator(job_seconds=job_seconds, concurrency=concurrency, daily_quota=daily_quota)


def log(message: str) -> None:
    """Progress on stderr, so that a 10-minute run shows where it is."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
