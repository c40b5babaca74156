"""`make demo`: deploy specs/ with the real cdktf CLI against the embedded Access Analyzer endpoint.

Starts the endpoint on a free loopback port in this process, runs `cdktf deploy`, prints the stack
outputs (one jobId per spec) and checks them against the jobs the endpoint recorded, then runs
`cdktf destroy` and stops the endpoint. Everything it writes goes to a temporary folder: it never
touches a real deployment's state or cdktf.out. Exit status 0 only when every step worked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from policygen.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
JOB_SECONDS = float(os.environ.get("POLICYGEN_DEMO_JOB_SECONDS", "2"))


def demo_env(workdir: Path, endpoint: str) -> dict[str, str]:
    """The environment of the cdktf and terraform runs: the embedded endpoint, fake credentials."""
    cli_config = workdir / "terraformrc"
    cli_config.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "TF_CLI_CONFIG_FILE"}
    env.update(
        AWS_ENDPOINT_URL_ACCESSANALYZER=endpoint,
        AWS_ACCESS_KEY_ID="AKIDEMOEMBEDDEDENDPOINT",
        AWS_SECRET_ACCESS_KEY="demo-secret-not-used-by-aws",  # noqa: S106  # the embedded endpoint accepts any
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE=str(workdir / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(workdir / "aws-credentials"),
        TF_CLI_CONFIG_FILE=str(cli_config),
        POLICYGEN_STATE=str(workdir / "demo.tfstate"),
        CHECKPOINT_DISABLE="1",
        DISABLE_VERSION_CHECK="true",
        CDKTF_DISABLE_PLUGIN_CACHE_ENV="true",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        CI="1",  # plain, line-by-line output from the cdktf CLI
        FORCE_COLOR="0",
    )
    return env


def cdktf(*args: str, env: dict[str, str]) -> None:
    """Run the project's own cdktf CLI; stop the demo if it fails."""
    command = [str(ROOT / "node_modules" / ".bin" / "cdktf"), *args]
    print(f"\n$ cdktf {' '.join(args)}", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"demo: `cdktf {' '.join(args)}` failed with exit status {result.returncode}")


def main() -> int:
    """Run the demo; return the exit status."""
    with tempfile.TemporaryDirectory(prefix="policygen-demo-") as tmp, Emulator(job_seconds=JOB_SECONDS) as emu:
        workdir = Path(tmp)
        env = demo_env(workdir, emu.url)
        outdir = str(workdir / "cdktf.out")
        outputs_file = workdir / "outputs.json"
        print(f"Embedded Access Analyzer endpoint: {emu.url} (jobs take {JOB_SECONDS:g} s)")
        cdktf("deploy", "--auto-approve", "--output", outdir, "--outputs-file", str(outputs_file), env=env)
        outputs = json.loads(outputs_file.read_text())["policygen"]
        job_ids = {name: next(iter(values.values())) for name, values in outputs.items()}
        recorded = {job.job_id for job in emu.backend.jobs()}
        print("\nStack outputs (jobId per spec):")
        for name, job_id in sorted(job_ids.items()):
            print(f"  {name}: {job_id}")
        cdktf("destroy", "--auto-approve", "--output", outdir, env=env)
    if set(job_ids.values()) != recorded or len(recorded) != len(job_ids):
        print(f"demo: outputs {sorted(job_ids.values())} differ from the endpoint's jobs {sorted(recorded)}")
        return 1
    print(f"\nDemo complete: {len(job_ids)} policy generation(s) started, one job each; all destroyed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
