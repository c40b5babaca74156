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
from policygen.testing.sandbox import sandbox_env

# cdktf.Testing.app() leaves a cdktf.outdir.* folder in the temporary folder of the Node process
# behind jsii, which reads TMPDIR when cdktf is first imported (by a test module, after this file).
# Give this session a temporary folder of its own, removed at the end, so that nothing is left
# behind and concurrent sessions never clean up each other's folders.
_SESSION_TMP = tempfile.mkdtemp(prefix="policygen-tests-")
os.environ["TMPDIR"] = _SESSION_TMP
tempfile.tempdir = None  # Python's own temporary files go there too

ROOT = Path(__file__).resolve().parent.parent
#: The project's Node.js 22 (package.json pins the npm package `node`) and the CLIs. First on PATH for
#: jsii in this process too, which starts `node` from PATH when cdktf is first used; `make test` does
#: the same, this covers a bare `pytest`.
NODE_BIN = ROOT / "node_modules" / ".bin"
os.environ["PATH"] = os.pathsep.join([str(NODE_BIN), os.environ.get("PATH", "")])
TERRAFORM = shutil.which("terraform")

requires_terraform = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")
#: The CDK CLIs that package.json pins; a test that runs one carries the ``cdk_cli`` marker too.
CDKTF = NODE_BIN / "cdktf"
CDKTN = NODE_BIN / "cdktn"
requires_cdktf = pytest.mark.skipif(not CDKTF.exists(), reason="cdktf-cli is not in node_modules (run `make setup`)")
requires_cdktn = pytest.mark.skipif(not CDKTN.exists(), reason="cdktn-cli is not in node_modules (run `make setup`)")

#: In CI (``CI=true``) nothing is skipped for want of a tool: see :func:`pytest_runtest_setup`.
IN_CI = os.environ.get("CI") == "true"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under ``CI=true``, fail (rather than skip) a test whose ``skipif`` condition holds.

    Every ``skipif`` of this suite stands for a tool the project's own set-up installs (terraform,
    the cdktf CLI in node_modules, the AWS CLI of the dev extras): in CI its absence is a broken
    set-up, and a green run without those tests would hide it. Runs before pytest's own skip check.
    Only conditions given as values are read (the suite has no string conditions).
    """
    if not IN_CI:
        return
    for mark in item.iter_markers(name="skipif"):
        conditions = mark.args or ((mark.kwargs["condition"],) if "condition" in mark.kwargs else ())
        if any(not isinstance(condition, str) and condition for condition in conditions):
            reason = mark.kwargs.get("reason", "a skipif condition holds")
            message = f"CI=true, and {reason}: in CI this test must run, so the set-up must install it."
            pytest.fail(message, pytrace=False)


def set_up_by_make(path: Path, stamp: Path) -> Path:
    """``path``, an environment that ``make setup`` builds (``stamp`` marks it complete), for a test to use.

    Tests never build environments themselves. When it is missing or older than pyproject.toml, the
    test is skipped with the command that builds it; under ``CI=true`` it fails instead, as a missing
    tool does (:func:`pytest_runtest_setup`).
    """
    if stamp.is_file() and stamp.stat().st_mtime >= (ROOT / "pyproject.toml").stat().st_mtime:
        return path
    message = f"{path} is missing or older than pyproject.toml: run `make setup`, which builds it."
    if IN_CI:
        pytest.fail(f"CI=true, and {message}", pytrace=False)
    pytest.skip(message)


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
    """An environment for terraform/cdktf/boto3 that sees only ``home`` and the given endpoint (and our Node)."""
    return sandbox_env(home, endpoint, node_bin=NODE_BIN)


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
