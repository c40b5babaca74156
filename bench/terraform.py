"""Plan and apply: the provider against the embedded endpoint, next to ``terraform_data`` of the same size.

Both stacks are plain HCL in their own working folder, initialised once (not timed). Each run
removes the state, times ``terraform apply`` (every resource created), then ``terraform plan``
(a refresh of every resource that finds nothing to change: exit status 0 with
``-detailed-exitcode``). The provider is installed through a launcher whose interpreter is a small
wrapper that counts its invocations, so each command's provider start-ups are counted, not guessed.
The endpoint counts the requests it answers (``Emulator.requests``), so each command's service
calls are counted too, by operation; it forgets its jobs before each run's apply, so that a plan
lists exactly the stack's jobs, as an account's Region that runs only this stack would.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from bench.common import ACCESS_ROLE, ACCOUNT, PYTHON, TRAIL, endpoint, fit, isolated_env, log, summary, timed

from policygen.distribution.launcher import install_provider, lock_provider

#: ``allow_later_days``: the embedded endpoint's daily quota is set out of the way, but the
#: provider's plan refuses creates beyond AWS's 50 a day (README, "Many generations"), which the
#: stacks of 100 and 500 are.
PROVIDER_BLOCK = """
terraform {
  required_providers {
    accessanalyzer = { source = "terraform.local/policygen/accessanalyzer", version = "0.1.0" }
  }
}
provider "accessanalyzer" {
  allow_later_days = true
}
"""

#: The request every resource carries (the baseline carries the same value as its input).
REQUEST = f"""  principal_arn = "arn:aws:iam::{ACCOUNT}:role/role-%(index)04d"
  access_role   = "{ACCESS_ROLE}"
  trails        = [{{ cloud_trail_arn = "{TRAIL}", regions = ["us-east-1"] }}]
  lookback_days = 7
"""

APPLY = ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"]
PLAN = ["terraform", "plan", "-detailed-exitcode", "-input=false", "-no-color"]


def generations_hcl(size: int, extra: str = "") -> str:
    """``size`` policy generations, each with an output of its job id."""
    blocks = [PROVIDER_BLOCK]
    for index in range(size):
        blocks.append(
            f'resource "accessanalyzer_policy_generation" "role_{index:04d}" {{\n'
            + REQUEST % {"index": index}
            + extra
            + f'}}\noutput "role_{index:04d}" {{ value = accessanalyzer_policy_generation.role_{index:04d}.job_id }}\n'
        )
    return "".join(blocks)


def baseline_hcl(size: int) -> str:
    """``size`` ``terraform_data`` resources carrying the same request, each with an output of its id."""
    blocks = []
    for index in range(size):
        fields = REQUEST % {"index": index}
        blocks.append(
            f'resource "terraform_data" "role_{index:04d}" {{\n  input = {{\n{fields}  }}\n}}\n'
            f'output "role_{index:04d}" {{ value = terraform_data.role_{index:04d}.id }}\n'
        )
    return "".join(blocks)


class Workdir:
    """A Terraform working folder with its own HOME and CLI configuration, initialised once."""

    def __init__(self, path: Path, hcl: str, endpoint_url: str | None = None, *, provider: bool = False) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        (path / "main.tf").write_text(hcl)
        self.env = isolated_env(path / ".home", endpoint_url)
        self.launches = path / "launches.log"
        if provider:
            self.env["BENCH_LAUNCH_LOG"] = str(self.launches)
            lock_provider(path, install_provider(path / "terraform.d" / "plugins", python=str(counting_python(path))))
        timed(["terraform", "init", "-input=false", "-no-color"], path, self.env)

    def reset(self) -> None:
        """Forget every resource (the next apply creates them all) and the launch count."""
        for name in ("terraform.tfstate", "terraform.tfstate.backup"):
            (self.path / name).unlink(missing_ok=True)
        self.launches.unlink(missing_ok=True)

    def launch_count(self) -> int:
        """Provider start-ups since the last :meth:`reset` or :meth:`launch_count`; resets the count."""
        if not self.launches.exists():
            return 0
        count = len(self.launches.read_text().splitlines())
        self.launches.unlink()
        return count


def counting_python(folder: Path) -> Path:
    """An interpreter wrapper that notes each provider start-up in ``$BENCH_LAUNCH_LOG``, then runs Python."""
    wrapper = folder / "counting-python"
    wrapper.write_text(f'#!/bin/sh\necho launch >> "$BENCH_LAUNCH_LOG"\nexec {PYTHON} "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def measure(work: Path, sizes: list[int], runs: int) -> dict[str, Any]:
    """Apply and plan time of both stacks at every size, the provider's start-ups per command, the fits."""
    rows = []
    with endpoint(job_seconds=0.0, concurrency=1_000_000, daily_quota=1_000_000_000) as emulator:
        for size in sizes:
            log(f"terraform: apply and plan of {size} generations vs {size} terraform_data, {runs} runs each")
            workdirs = {
                "policygen": Workdir(work / f"policygen-{size}", generations_hcl(size), emulator.url, provider=True),
                "baseline": Workdir(work / f"baseline-{size}", baseline_hcl(size)),
            }
            samples = {kind: {"apply": [], "plan": []} for kind in workdirs}
            launches: dict[str, list[int]] = {"apply": [], "plan": []}
            calls: dict[str, list[dict[str, int]]] = {"apply": [], "plan": []}
            for _ in range(runs):
                for kind, workdir in workdirs.items():  # in turns, so that load changes fall on both
                    workdir.reset()
                    emulator.backend.reset()
                    for command, args in (("apply", APPLY), ("plan", PLAN)):
                        before = emulator.requests.counts()
                        samples[kind][command].append(timed(args, workdir.path, workdir.env))
                        if kind == "policygen":
                            launches[command].append(workdir.launch_count())
                            made = emulator.requests.counts() - before
                            calls[command].append({operation or "-": n for operation, n in made.items()})
            rows.append(
                {
                    "size": size,
                    **{command: {kind: summary(samples[kind][command]) for kind in workdirs} for command in launches},
                    "provider_launches": {command: sorted(set(counts)) for command, counts in launches.items()},
                    # The calls of the last run (every run makes the same ones; retries would show here).
                    "service_calls": {command: made[-1] for command, made in calls.items()},
                }
            )
            for workdir in workdirs.values():
                shutil.rmtree(workdir.path, ignore_errors=True)
    fits = {
        command: {kind: fit(sizes, [r[command][kind]["median"] for r in rows]) for kind in ("policygen", "baseline")}
        for command in ("apply", "plan")
    }
    return {"rows": rows, "fits": fits}


#: go-plugin's handshake cookie for Terraform providers: a provider started without it refuses to run.
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def handshake_seconds(launcher: Path, env: dict[str, str]) -> float:
    """Start the launcher as Terraform does and time until the first stdout line, the handshake."""
    import time

    env = {**env, "TF_PLUGIN_MAGIC_COOKIE": MAGIC_COOKIE, "PLUGIN_PROTOCOL_VERSIONS": "6"}
    started = time.perf_counter()
    proc = subprocess.Popen([str(launcher)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - started
    proc.kill()
    proc.wait()
    if not line.startswith(b"1|6|"):
        raise RuntimeError(f"the provider did not hand shake: {line!r}")
    return elapsed
