"""The results as a short Markdown report and a plot of time against stack size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The issue's targets: (label, how to read the measurement from the results, the limit, True if lower is better).
TARGETS = (
    ("synth at the largest size, ratio to terraform_data", lambda r: r["synth"]["rows"][-1]["ratio"], 1.5, True),
    ("apply per-resource slope, ratio to terraform_data", lambda r: _slope_ratio(r, "apply"), 2.0, True),
    ("plan per-resource slope, ratio to terraform_data", lambda r: _slope_ratio(r, "plan"), 1.5, True),
    (
        "provider launch to handshake (s)",
        lambda r: r["imports"]["times"]["provider launch to handshake"]["median"],
        0.150,
        True,
    ),
    (
        # "No slower": side-by-side runs of the same program differ by up to about 5%.
        "package launch to handshake, ratio to the launcher's (side by side; no slower, within 5%)",
        lambda r: r["package"]["handshake_ratio"],
        1.05,
        True,
    ),
    (
        "plan of 10 with the package, ratio to terraform_data's",
        lambda r: r["package"]["plan_ratio"],
        10.0,
        True,
    ),
    (
        "one Region: scheduling efficiency, N x job / (wall - fixed)",
        lambda r: r["scheduling"]["one_region"]["efficiency"],
        0.95,
        False,
    ),
    (
        "two Regions side by side: (wall - fixed) / (N/2 x job)",
        lambda r: r["scheduling"]["two_regions"]["ratio"],
        1.15,
        True,
    ),
)


def _slope_ratio(results: dict[str, Any], command: str) -> float:
    fits = results["terraform"]["fits"][command]
    return float(fits["policygen"]["slope"] / fits["baseline"]["slope"])


def _s(figure: dict[str, Any]) -> str:
    """``1.23 (1.20-1.31)`` (with an en dash): the median and the range of the runs, in seconds."""
    return f"{figure['median']:.2f} ({figure['min']:.2f}–{figure['max']:.2f})"


def markdown(results: dict[str, Any]) -> str:
    """The report: one table per measurement, then the targets."""
    meta = results["meta"]
    synth, terraform, sched, imports = (results[k] for k in ("synth", "terraform", "scheduling", "imports"))
    out = [
        "# policygen benchmarks",
        "",
        f"{meta['date']} · commit `{meta['commit']}` · {meta['cpus']} CPUs, load average {meta['load_before']} "
        f"before, {meta['load_after']} after · Terraform {meta['terraform']} · Python {meta['python']} · "
        f"{meta['runs']} runs per figure: median (min–max), seconds of wall-clock time.",
        "",
        "## Synth: `python main.py` against `terraform_data` built with `cdktf.TerraformResource`",
        "",
        "| generations | policygen | terraform_data | ratio |",
        "|---:|---:|---:|---:|",
    ]
    out += [f"| {r['size']} | {_s(r['policygen'])} | {_s(r['baseline'])} | {r['ratio']:.2f} |" for r in synth["rows"]]
    ours, base = synth["policygen_fit"], synth["baseline_fit"]
    out += [
        "",
        f"Per generation (least-squares slope): policygen {1000 * ours['slope']:.1f} ms, terraform_data "
        f"{1000 * base['slope']:.1f} ms ({ours['slope'] / base['slope']:.2f}×); fixed: {ours['fixed']:.2f} s "
        f"and {base['fixed']:.2f} s.",
        "",
        "## Plan and apply: the provider against the embedded endpoint, against `terraform_data`",
        "",
        "| resources | apply policygen | apply terraform_data | plan policygen | plan terraform_data |",
        "|---:|---:|---:|---:|---:|",
    ]
    out += [
        f"| {r['size']} | {_s(r['apply']['policygen'])} | {_s(r['apply']['baseline'])} "
        f"| {_s(r['plan']['policygen'])} | {_s(r['plan']['baseline'])} |"
        for r in terraform["rows"]
    ]
    launches = terraform["rows"][0]["provider_launches"]
    handshake = imports["times"]["provider launch to handshake"]
    out += [
        "",
        "| command | fixed policygen | fixed terraform_data | per resource policygen | per resource terraform_data "
        "| slope ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for command in ("apply", "plan"):
        fit = terraform["fits"][command]
        out.append(
            f"| {command} | {fit['policygen']['fixed']:.2f} s | {fit['baseline']['fixed']:.2f} s "
            f"| {1000 * fit['policygen']['slope']:.1f} ms | {1000 * fit['baseline']['slope']:.1f} ms "
            f"| {_slope_ratio(results, command):.2f} |"
        )
    out += [
        "",
        f"Provider start-ups per command (counted at every size): apply {_counts(terraform, 'apply')}, plan "
        f"{_counts(terraform, 'plan')}. Launch to handshake: {_s(handshake)} s, so the start-ups alone account "
        f"for about {launches['apply'][0] * handshake['median']:.2f} s of apply's fixed cost and "
        f"{launches['plan'][0] * handshake['median']:.2f} s of plan's.",
        "",
        "Service calls per command, counted by the endpoint (ListPolicyGenerations pages hold 100 jobs):",
        "",
        "| resources | apply | plan |",
        "|---:|---|---|",
    ]
    out += [
        f"| {r['size']} | {_calls(r['service_calls']['apply'])} | {_calls(r['service_calls']['plan'])} |"
        for r in terraform["rows"]
    ]
    one, two = sched["one_region"], sched["two_regions"]
    out += [
        "",
        f"## One at a time per Region: generations of {one['job_seconds']:g} s waiting for completion, concurrency 1",
        "",
        "The fixed cost is the same apply with jobs that finish at once, measured in the same run.",
        "",
        "| Regions × generations | limit (per Region × job) | apply wall | fixed cost | wall − fixed | figure |",
        "|---|---:|---:|---:|---:|---:|",
        f"| 1 × {one['per_region']} | {one['limit']:.1f} | {_s(one['wall'])} | {_s(one['fixed'])} "
        f"| {_s(one['scheduled'])} | efficiency {one['efficiency']:.3f} |",
        f"| 2 × {two['per_region']} | {two['limit']:.1f} | {_s(two['wall'])} | {_s(two['fixed'])} "
        f"| {_s(two['scheduled'])} | {two['ratio']:.3f} × limit |",
        "",
        "## Import cost",
        "",
        "| what | seconds |",
        "|---|---:|",
    ]
    out += [f"| {name} | {_s(figure)} |" for name, figure in imports["times"].items()]
    out += ["", "What dominates (`-X importtime`, cumulative ms of the direct imports):", ""]
    for name, tops in imports["importtime"].items():
        entries = ", ".join(f"`{e['module']}` {e['cumulative_ms']:.0f}" for e in tops["by_cumulative"][:5])
        out.append(f"- {name}: {entries}")
    pkg = results["package"]
    out += [
        "",
        "## The provider package (`policygen package`) next to the development launcher",
        "",
        f"Built in {pkg['build_seconds']:.0f} s; {pkg['zip_bytes'] / 1e6:.0f} MB zipped, "
        f"{pkg['unpacked_bytes'] / 1e6:.0f} MB unpacked. Measured in turns:",
        "",
        "| what | package | launcher or terraform_data | ratio |",
        "|---|---:|---:|---:|",
        f"| launch to handshake | {_s(pkg['handshake']['package'])} | {_s(pkg['handshake']['launcher'])} "
        f"| {pkg['handshake_ratio']:.2f} |",
        f"| plan of {pkg['plan_size']} (no changes) | {_s(pkg['plan']['package'])} | {_s(pkg['plan']['baseline'])} "
        f"| {pkg['plan_ratio']:.2f} |",
    ]
    out += ["", "## Targets", "", "| target | measured | limit | met |", "|---|---:|---:|:---:|"]
    for label, read, limit, lower in TARGETS:
        value = read(results)
        met = value <= limit if lower else value >= limit
        out.append(f"| {label} | {value:.2f} | {'≤' if lower else '≥'} {limit:g} | {'yes' if met else 'no'} |")
    out += ["", "![time against stack size](scaling.png)", ""]
    return "\n".join(out)


def _calls(calls: dict[str, int]) -> str:
    """``ListPolicyGenerations 1, GetGeneratedPolicy 2`` (total 3), or ``none``."""
    if not calls:
        return "none"
    parts = ", ".join(f"{operation} {n}" for operation, n in sorted(calls.items()))
    return f"{parts} (total {sum(calls.values())})"


def _counts(terraform: dict[str, Any], command: str) -> str:
    counts = sorted({n for r in terraform["rows"] for n in r["provider_launches"][command]})
    return " or ".join(map(str, counts))


def plot(results: dict[str, Any], path: Path) -> None:
    """Synth, apply and plan time against the number of resources, policygen next to terraform_data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("synth (python main.py)", results["synth"]["rows"], lambda r, kind: r[kind]),
        ("terraform apply", results["terraform"]["rows"], lambda r, kind: r["apply"][kind]),
        ("terraform plan (refresh, no changes)", results["terraform"]["rows"], lambda r, kind: r["plan"][kind]),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), constrained_layout=True)
    for ax, (title, rows, figure) in zip(axes, panels, strict=True):
        sizes = [r["size"] for r in rows]
        for kind, label, marker in (("policygen", "policygen", "o"), ("baseline", "terraform_data", "s")):
            medians = [figure(r, kind)["median"] for r in rows]
            spread = [
                [m - figure(r, kind)["min"] for r, m in zip(rows, medians, strict=True)],
                [figure(r, kind)["max"] - m for r, m in zip(rows, medians, strict=True)],
            ]
            ax.errorbar(sizes, medians, yerr=spread, marker=marker, capsize=3, label=label)
        ax.set_title(title)
        ax.set_xlabel("resources (generations)")
        ax.set_ylabel("seconds (median, min–max)")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("policygen: time against stack size, next to Terraform's built-in terraform_data")
    fig.savefig(path, dpi=100)
    plt.close(fig)
