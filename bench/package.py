"""The self-contained provider package (``policygen package``) next to the development launcher.

Built once (timed, with its size). Then, in turns so that load changes fall on both: launch to
handshake of the package and of the launcher (as Terraform starts a provider); and ``terraform
plan`` of 10 generations with the package (from a filesystem mirror) against 10 ``terraform_data``
resources, both applied once beforehand (not timed), so that each plan refreshes and finds nothing
to change. Reported as ratios: package / launcher, and package plan / terraform_data plan.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import endpoint, interleaved, isolated_env, log, timed
from bench.terraform import APPLY, PLAN, baseline_hcl, generations_hcl, handshake_seconds

from policygen.distribution.freeze import EXECUTABLE
from policygen.distribution.launcher import install_provider
from policygen.distribution.release import MIRROR_DIR, PLATFORM, write_package

#: Resources in the plan that is compared with terraform_data's.
PLAN_SIZE = 10


def measure(work: Path, runs: int) -> dict[str, Any]:
    """Build the package; its handshake against the launcher's; plan of 10 against terraform_data's."""
    log("package: building it with `policygen package`")
    started = time.perf_counter()
    package = write_package(work / "dist")
    build_seconds = time.perf_counter() - started
    unpacked = package.filesystem_mirror / MIRROR_DIR / "0.1.0" / PLATFORM
    executable = unpacked / EXECUTABLE
    launcher = install_provider(work / "launcher-mirror")
    env = isolated_env(work / "home")
    for program in (executable, launcher):  # the first launch creates the cached TLS certificate: not counted
        handshake_seconds(program, env)
    log(f"package: launch to handshake, package and launcher in turns, {runs} runs each")
    programs = {"package": executable, "launcher": launcher}
    timers = {kind: lambda p=program: handshake_seconds(p, env) for kind, program in programs.items()}
    handshake = interleaved(runs, timers)

    log(f"package: plan of {PLAN_SIZE} generations with the package vs {PLAN_SIZE} terraform_data, {runs} runs each")
    with endpoint(job_seconds=0.0, concurrency=1_000_000, daily_quota=1_000_000_000) as emulator:
        folders = {"package": work / "plan-package", "baseline": work / "plan-baseline"}
        envs = {}
        for kind, hcl in (("package", generations_hcl(PLAN_SIZE)), ("baseline", baseline_hcl(PLAN_SIZE))):
            folders[kind].mkdir(parents=True)
            (folders[kind] / "main.tf").write_text(hcl)
            envs[kind] = isolated_env(folders[kind] / ".home", emulator.url)
        Path(envs["package"]["TF_CLI_CONFIG_FILE"]).write_text(
            f'provider_installation {{\n  filesystem_mirror {{\n    path = "{package.filesystem_mirror}"\n'
            '    include = ["terraform.local/policygen/*"]\n  }\n'
            '  direct {\n    exclude = ["terraform.local/policygen/*"]\n  }\n}\n'
        )
        for kind, folder in folders.items():
            timed(["terraform", "init", "-input=false", "-no-color"], folder, envs[kind])
            timed(APPLY, folder, envs[kind])
        plan = interleaved(runs, {kind: lambda kind=kind: timed(PLAN, folders[kind], envs[kind]) for kind in folders})
    return {
        "build_seconds": round(build_seconds, 1),
        "zip_bytes": package.zip.stat().st_size,
        "unpacked_bytes": sum(p.stat().st_size for p in unpacked.rglob("*") if p.is_file()),
        "handshake": handshake,
        "handshake_ratio": handshake["package"]["median"] / handshake["launcher"]["median"],
        "plan_size": PLAN_SIZE,
        "plan": plan,
        "plan_ratio": plan["package"]["median"] / plan["baseline"]["median"],
    }
