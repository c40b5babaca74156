"""``make bench``: measure synth, plan/apply, one-at-a-time scheduling and import cost; write the results.

Writes ``bench/results.json`` (every sample), ``bench/results.md`` (the tables) and
``bench/scaling.png`` (time against stack size). See bench/README.md for what is measured and how
to read it. ``--quick`` runs small sizes once, to check that the benchmark itself works.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/run.py` from anywhere

from bench import imports, package, report, scheduling, synth, terraform  # needs the path above
from bench.common import ROOT, log

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    """Run every benchmark and write the results next to this file (or into ``--out``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument("--synth-sizes", default="1,10,100,500", help="generations per synth stack")
    parser.add_argument("--terraform-sizes", default="1,10,100,500", help="resources per plan/apply stack")
    parser.add_argument(
        "--scheduling",
        default="8,2",
        help="N generations in one Region (and N/2 in each of two), S seconds per job (default 8,2)",
    )
    parser.add_argument("--quick", action="store_true", help="sizes 1 and 10, one run: a smoke test")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the results (default bench/)")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.synth_sizes, args.terraform_sizes, args.scheduling = 1, "1,10", "1,10", "4,1"
    synth_sizes = [int(n) for n in args.synth_sizes.split(",")]
    terraform_sizes = [int(n) for n in args.terraform_sizes.split(",")]
    sched_size, sched_seconds = args.scheduling.split(",")

    started = time.monotonic()
    results: dict[str, object] = {"meta": _meta(args.runs)}
    with tempfile.TemporaryDirectory(prefix="policygen-bench-") as tmp:
        work = Path(tmp)
        results["imports"] = imports.measure(work / "imports", max(args.runs, 5))
        results["package"] = package.measure(work / "package", max(args.runs, 9))
        results["synth"] = synth.measure(work / "synth", synth_sizes, args.runs)
        results["terraform"] = terraform.measure(work / "terraform", terraform_sizes, args.runs)
        results["scheduling"] = scheduling.measure(
            work / "scheduling", int(sched_size), float(sched_seconds), args.runs
        )
    meta = results["meta"]
    assert isinstance(meta, dict)
    meta["load_after"] = _load()
    meta["seconds"] = round(time.monotonic() - started, 1)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report.markdown(results)
    (args.out / "results.md").write_text(text)
    report.plot(results, args.out / "scaling.png")
    print(text)
    log(f"done in {meta['seconds']:.0f} s: {args.out / 'results.md'}, results.json, scaling.png")


def _meta(runs: int) -> dict[str, object]:
    version = subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True, check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": commit.stdout.strip() or "unknown",
        "cpus": os.cpu_count(),
        "load_before": _load(),
        "terraform": json.loads(version.stdout)["terraform_version"],
        "python": platform.python_version(),
        "runs": runs,
    }


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
