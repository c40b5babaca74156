"""Shared fixtures: the embedded endpoint in a thread, and an isolated environment for Terraform runs.

Nothing here reaches the network: the endpoint binds 127.0.0.1 on a free port, credentials are fake,
and every Terraform run gets its own CLI configuration, HOME and AWS config paths.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from policygen.emulator import Emulator
from policygen.sandbox import sandbox_env

# cdktf.Testing.app() leaves a cdktf.outdir.* folder in the temporary folder of the Node process
# behind jsii, which reads TMPDIR when cdktf is first imported (by a test module, after this file).
# Give this session a temporary folder of its own, removed at the end, so that nothing is left
# behind and concurrent sessions never clean up each other's folders.
_SESSION_TMP = tempfile.mkdtemp(prefix="policygen-tests-")
os.environ["TMPDIR"] = _SESSION_TMP
tempfile.tempdir = None  # Python's own temporary files go there too

ROOT = Path(__file__).resolve().parent.parent
TERRAFORM = shutil.which("terraform")

requires_terraform = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """An embedded endpoint whose jobs finish at once."""
    with Emulator(job_seconds=0.0) as emu:
        yield emu


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Emulator]]:
    """A factory for endpoints with other settings; all of them are stopped after the test."""
    started: list[Emulator] = []

    def make(**options: Any) -> Emulator:
        emu = Emulator(**options)
        emu.start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


def isolated_env(home: Path, endpoint: str | None = None) -> dict[str, str]:
    """An environment for terraform/cdktf/boto3 that sees only ``home`` and the given endpoint."""
    return sandbox_env(home, endpoint)


@pytest.fixture
def tf_env(tmp_path: Path, emulator: Emulator) -> dict[str, str]:
    """The isolated environment, pointed at the ``emulator`` fixture."""
    return isolated_env(tmp_path / "home", emulator.url)


def run(args: list[str], cwd: Path, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command, capture its output, and fail the test with that output when it fails."""
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def synth(app_dir: Path, specs: Path, env: dict[str, str], outdir: Path) -> Path:
    """Run the project's ``main.py`` on ``specs``; return the stack folder."""
    run(
        [sys.executable, str(ROOT / "main.py")],
        cwd=app_dir,
        env={
            **env,
            "POLICYGEN_SPECS": str(specs),
            "CDKTF_OUTDIR": str(outdir),
            "POLICYGEN_STATE": str(outdir / "terraform.tfstate"),
        },
    )
    return outdir / "stacks" / "policygen"


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's temporary folder (cdktf.outdir.* and pytest's own tmp_path folders)."""
    shutil.rmtree(_SESSION_TMP, ignore_errors=True)
