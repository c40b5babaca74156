"""examples/hcl with plain terraform: the provider from a filesystem mirror, against the embedded endpoint.

As examples/hcl/README.md tells a Terraform user: `policygen install-provider --dir MIRROR`, a CLI
configuration naming MIRROR, then init, apply, plan (no changes) and destroy. The configuration is
applied once per module; the tests read what that left behind, and the last one destroys it.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from policygen.emulator import Emulator
from policygen.emulator.samplelogs import write_sample_logs
from tests.conftest import ROOT, isolated_env, requires_terraform, run

pytestmark = [pytest.mark.e2e, requires_terraform]

POLICYGEN = Path(sys.executable).parent / "policygen"
TFVARS = "-var-file=example.tfvars"


@dataclass
class Example:
    """The example's working copy after apply, its environment, endpoint and command outputs."""

    workdir: Path
    env: dict[str, str]
    emulator: Emulator
    mirror: Path
    installed: str
    init: str
    outputs: dict[str, Any]


def cli_config(mirror: Path) -> str:
    """The CLI configuration examples/hcl/README.md shows: our provider from the mirror, nothing else."""
    return (
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["terraform.local/policygen/*"]\n  }}\n'
        '  direct {\n    exclude = ["terraform.local/policygen/*"]\n  }\n'
        "}\n"
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Example]:
    """examples/hcl copied, its provider installed with --dir, initialised and applied once."""
    tmp = tmp_path_factory.mktemp("hcl-example")
    workdir = Path(shutil.copytree(ROOT / "examples" / "hcl", tmp / "config"))
    write_sample_logs(tmp / "logs", principal_arns=["arn:aws:iam::123456789012:role/app"], account_id="123456789012")
    with Emulator(job_seconds=0.0, cloudtrail_dir=tmp / "logs") as emulator:
        env = isolated_env(tmp / "home", emulator.url)
        mirror = tmp / "mirror"
        installed = run([str(POLICYGEN), "install-provider", "--dir", str(mirror)], tmp, env).stdout.strip()
        Path(env["TF_CLI_CONFIG_FILE"]).write_text(cli_config(mirror))
        init = run(["terraform", "init", "-input=false", "-no-color"], workdir, env).stdout
        run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color", TFVARS], workdir, env)
        outputs = json.loads(run(["terraform", "output", "-json"], workdir, env).stdout)
        yield Example(
            workdir, env, emulator, mirror, installed, init, {name: o["value"] for name, o in outputs.items()}
        )


def test_install_provider_writes_into_the_mirror(example: Example) -> None:
    """`policygen install-provider --dir` prints the launcher's path in the mirror's unpacked layout."""
    assert Path(example.installed).is_file()
    assert Path(example.installed).relative_to(example.mirror).parts[:4] == (
        "terraform.local",
        "policygen",
        "accessanalyzer",
        "0.1.0",
    )


def test_init_installs_the_provider_from_the_mirror(example: Example) -> None:
    """terraform init finds the provider in the filesystem mirror and records it in the lock file."""
    assert "Installed terraform.local/policygen/accessanalyzer v0.1.0" in example.init
    assert (
        'provider "terraform.local/policygen/accessanalyzer"' in (example.workdir / ".terraform.lock.hcl").read_text()
    )


def test_apply_outputs_the_job_the_endpoint_started(example: Example) -> None:
    """The job id output (and the map output) is the one job the endpoint recorded."""
    (job,) = example.emulator.backend.jobs()
    assert example.outputs["app_role_job_id"] == job.job_id
    assert example.outputs["policy_generation_job_ids"] == {"app-role": job.job_id}


def test_data_source_returns_the_generated_policy(example: Example) -> None:
    """With wait_for_completion the same apply reads the finished job's policy documents."""
    policies = example.outputs["app_role_policies"]
    assert policies
    assert all(json.loads(policy)["Statement"] for policy in policies)


def test_plan_after_apply_shows_no_changes(example: Example) -> None:
    """A second plan proposes nothing and starts nothing."""
    result = run(
        ["terraform", "plan", "-detailed-exitcode", "-input=false", "-no-color", TFVARS],
        example.workdir,
        example.env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(example.emulator.backend.jobs()) == 1


def test_destroy_leaves_an_empty_state(example: Example) -> None:
    """destroy (run last: it ends the shared deployment) forgets the finished job."""
    run(["terraform", "destroy", "-auto-approve", "-input=false", "-no-color", TFVARS], example.workdir, example.env)
    assert run(["terraform", "state", "list"], example.workdir, example.env).stdout.strip() == ""
