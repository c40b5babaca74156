"""`make demo`: deploy specs/ with the real cdktf CLI against the embedded Access Analyzer endpoint.

Writes synthetic CloudTrail logs of the specs' principals (the last seven days, in the Regions the
specs name), starts the endpoint on a free loopback port in this process with those logs, runs
`cdktf deploy`, prints the stack outputs (one jobId per spec) and checks them against the jobs the
endpoint recorded. Then, as a user would, it runs `policygen wait` and `policygen fetch` for each
jobId and prints the generated policy, and ends by checking each draft (`policygen check`, against
the deliberately broader policy in force of specs/current-policies/<name>.json) and diffing it with
that policy (`policygen diff`), printing both; then it runs `cdktf destroy` and stops the endpoint.
Everything it writes goes to a temporary folder: it never touches a real deployment's state or
cdktf.out. Exit status 0 only when every step worked (and every draft passed its check).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from policygen.emulator import Emulator
from policygen.emulator.samplelogs import write_sample_logs
from policygen.spec import Spec, load_paths
from policygen.testing.sandbox import sandbox_env

ROOT = Path(__file__).resolve().parent.parent
JOB_SECONDS = float(os.environ.get("POLICYGEN_DEMO_JOB_SECONDS", "2"))
POLICYGEN = Path(sys.executable).parent / "policygen"
#: The project's Node.js (package.json pins it) and CLIs.
NODE_BIN = ROOT / "node_modules" / ".bin"
#: The policies in force the drafts are compared with, one per spec name (a subfolder: not read as specs).
CURRENT_POLICIES = ROOT / "specs" / "current-policies"


def demo_env(workdir: Path, endpoint: str) -> dict[str, str]:
    """The environment of the cdktf and terraform runs: the embedded endpoint only, state in ``workdir``.

    The project's own Node.js comes first on PATH, for the cdktf CLI and for jsii in ``main.py``.
    """
    env = sandbox_env(workdir / "home", endpoint, node_bin=NODE_BIN)
    return {**env, "POLICYGEN_STATE": str(workdir / "demo.tfstate")}


def cdktf(*args: str, env: dict[str, str]) -> None:
    """Run the project's own cdktf CLI; stop the demo if it fails."""
    command = [str(NODE_BIN / "cdktf"), *args]
    print(f"\n$ cdktf {' '.join(args)}", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"demo: `cdktf {' '.join(args)}` failed with exit status {result.returncode}")


def policygen(*args: str, env: dict[str, str]) -> bool:
    """Run the installed `policygen` command as a user would; True when it exits 0."""
    print(f"\n$ policygen {' '.join(args)}", flush=True)
    result = subprocess.run([str(POLICYGEN), *args], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        print(f"demo: `policygen {' '.join(args)}` failed with exit status {result.returncode}")
    return result.returncode == 0


def write_demo_logs(directory: Path, specs: list[Spec]) -> None:
    """Seven days of synthetic CloudTrail logs of every spec's principal, in the Regions the specs name."""
    regions = sorted({region for spec in specs for trail in spec.trails for region in trail.regions}) or ["us-east-1"]
    accounts: dict[str, list[str]] = {}
    for spec in specs:
        accounts.setdefault(spec.principal_arn.split(":")[4], []).append(spec.principal_arn)
    for account_id, principals in sorted(accounts.items()):
        write_sample_logs(directory, principal_arns=principals, account_id=account_id, regions=regions, days=7)


def check_and_diff(job_ids: dict[str, str], policies: Path, env: dict[str, str]) -> bool:
    """`policygen check` each draft and `policygen diff` it with its spec's policy in force; True when all passed."""
    ok = True
    for name, job_id in sorted(job_ids.items()):
        current = CURRENT_POLICIES / f"{name}.json"
        drafts = [str(path) for path in sorted(policies.glob(f"{job_id}-*.json"))]
        ok = policygen("check", job_id, "--deny-actions", "--current", str(current), env=env) and ok
        ok = policygen("diff", str(current), *drafts, env=env) and ok
    return ok


def show_policies(job_ids: dict[str, str], policies: Path, env: dict[str, str]) -> bool:
    """`policygen wait` and `policygen fetch` each job, and print its policies; True when all worked."""
    ok = True
    for name, job_id in sorted(job_ids.items()):
        if not (policygen("wait", job_id, env=env) and policygen("fetch", job_id, "--out", str(policies), env=env)):
            ok = False
            continue
        for path in sorted(policies.glob(f"{job_id}-*.json")):
            print(f"\nPolicy generated for {name} ({path.name}):\n{path.read_text()}", end="")
    return ok


def main() -> int:
    """Run the demo; return the exit status."""
    specs = load_paths([ROOT / "specs"])
    with tempfile.TemporaryDirectory(prefix="policygen-demo-") as tmp:
        workdir = Path(tmp)
        write_demo_logs(workdir / "cloudtrail", specs)
        state = workdir / "emulator-state"
        with Emulator(job_seconds=JOB_SECONDS, cloudtrail_dir=workdir / "cloudtrail", state_dir=state) as emu:
            env = demo_env(workdir, emu.url)
            outdir = str(workdir / "cdktf.out")
            outputs_file = workdir / "outputs.json"
            print(f"Embedded Access Analyzer endpoint: {emu.url} (jobs take {JOB_SECONDS:g} s)")
            print(f"Sample CloudTrail logs of {len(specs)} principal(s) in {workdir / 'cloudtrail'}")
            cdktf("deploy", "--auto-approve", "--output", outdir, "--outputs-file", str(outputs_file), env=env)
            outputs = json.loads(outputs_file.read_text())["policygen"]
            # One `<name>_job_id` output per spec, nested under the spec's construct id (other outputs,
            # such as the `policy_generation_job_ids` map, are left out).
            job_ids = {
                name: job_id
                for name, values in outputs.items()
                if isinstance(values, dict)
                for output, job_id in values.items()
                if output.endswith("_job_id")
            }
            recorded = {job.job_id for job in emu.backend.jobs()}
            # The jobs are in the state folder: a restarted endpoint still serves and destroys them.
            emu.restart()
            print(f"Restarted the endpoint; it read {len(emu.backend.jobs())} job(s) back from {state}")
            print("\nStack outputs (jobId per spec):")
            for name, job_id in sorted(job_ids.items()):
                print(f"  {name}: {job_id}")
            fetched = show_policies(job_ids, workdir / "policies", env)
            checked = fetched and check_and_diff(job_ids, workdir / "policies", env)
            cdktf("destroy", "--auto-approve", "--output", outdir, env=env)
    if set(job_ids.values()) != recorded or len(recorded) != len(job_ids):
        print(f"demo: outputs {sorted(job_ids.values())} differ from the endpoint's jobs {sorted(recorded)}")
        return 1
    if not (fetched and checked):
        return 1
    print(f"\nDemo complete: {len(job_ids)} policy generation(s) started, one job each; all destroyed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
