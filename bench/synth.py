"""Synth: ``python main.py`` on N generations against the baseline app on N ``terraform_data`` resources."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench.common import ACCESS_ROLE, ACCOUNT, PYTHON, ROOT, TRAIL, fit, interleaved, isolated_env, log, timed


def write_spec(folder: Path, size: int) -> Path:
    """One spec file of ``size`` generations that share their trail, role and window through ``defaults``."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "version: 1",
        "defaults:",
        "  cloudTrailDetails:",
        "    trails:",
        f"      - cloudTrailArn: {TRAIL}",
        "        regions: [us-east-1]",
        f"    accessRole: {ACCESS_ROLE}",
        "    lookbackDays: 7",
        "generations:",
    ]
    for index in range(size):
        lines += [f"  - name: role-{index:04d}", f"    principalArn: arn:aws:iam::{ACCOUNT}:role/role-{index:04d}"]
    path = folder / "generations.yaml"
    path.write_text("\n".join(lines) + "\n")
    return folder


def synth_policygen(outdir: Path, specs: Path, env: dict[str, str]) -> float:
    """Run the project's ``main.py`` once on ``specs`` into ``outdir``; return its wall time."""
    # 100 and 500 generations of one account are beyond its daily quota: synth cost is what is measured.
    env = {**env, "CDKTF_OUTDIR": str(outdir), "POLICYGEN_SPECS": str(specs), "POLICYGEN_ALLOW_LATER_DAYS": "1"}
    return timed([PYTHON, str(ROOT / "main.py")], ROOT, env)


def synth_baseline(outdir: Path, size: int, env: dict[str, str]) -> float:
    """Run the baseline app once for ``size`` resources into ``outdir``; return its wall time."""
    env = {**env, "CDKTF_OUTDIR": str(outdir), "BENCH_SIZE": str(size)}
    return timed([PYTHON, str(ROOT / "bench" / "baseline_app.py")], ROOT, env)


def measure(work: Path, sizes: list[int], runs: int) -> dict[str, Any]:
    """Synth time of both apps at every size, their ratio, and the least-squares slope of each."""
    env = isolated_env(work / "home")
    ours_out, base_out = work / "synth-policygen", work / "synth-baseline"

    def clean() -> None:
        # Every run starts from an empty output folder, as a fresh checkout would.
        shutil.rmtree(ours_out, ignore_errors=True)
        shutil.rmtree(base_out, ignore_errors=True)

    rows = []
    for size in sizes:
        specs = write_spec(work / f"specs-{size}", size)
        log(f"synth: {size} generations vs {size} terraform_data, {runs} runs each")
        timers = {
            "policygen": lambda specs=specs: synth_policygen(ours_out, specs, env),
            "baseline": lambda size=size: synth_baseline(base_out, size, env),
        }
        row = interleaved(runs, timers, prepare=clean)
        rows.append({"size": size, **row, "ratio": row["policygen"]["median"] / row["baseline"]["median"]})
    return {
        "rows": rows,
        "policygen_fit": fit(sizes, [r["policygen"]["median"] for r in rows]),
        "baseline_fit": fit(sizes, [r["baseline"]["median"] for r in rows]),
    }
