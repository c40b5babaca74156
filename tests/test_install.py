"""The provider launcher and its lock entry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from policygen._names import PROVIDER_SOURCE
from policygen.cli import main
from policygen.install import install_provider, launcher_path, lock_provider, os_arch, package_hash


def test_launcher_goes_to_the_unpacked_mirror_layout(tmp_path: Path) -> None:
    """The launcher lands at HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-TYPE_vVERSION."""
    path = install_provider(tmp_path)
    expected = f"terraform.local/policygen/accessanalyzer/0.1.0/{os_arch()}/terraform-provider-accessanalyzer_v0.1.0"
    assert path == tmp_path / expected
    assert os.access(path, os.X_OK)


def test_launcher_runs_this_interpreters_provider(tmp_path: Path) -> None:
    """The launcher execs this Python with -m policygen.provider (the provider of this environment)."""
    text = install_provider(tmp_path).read_text()
    assert text.startswith("#!/bin/sh\n")
    assert f"exec {sys.executable} -m policygen.provider" in text


def test_launcher_prints_the_go_plugin_handshake(tmp_path: Path) -> None:
    """Run as Terraform runs it, the launcher's first stdout line is the go-plugin handshake."""
    path = install_provider(tmp_path)
    env = {**os.environ, "HOME": str(tmp_path), "TF_PLUGIN_MAGIC_COOKIE": "x"}
    with subprocess.Popen([str(path)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        proc.terminate()
    assert line.startswith("1|6|unix|")
    assert "|grpc|" in line


def test_install_is_idempotent(tmp_path: Path) -> None:
    """A second install leaves an up-to-date launcher untouched (same mtime, same checksum)."""
    path = install_provider(tmp_path)
    os.utime(path, (1_000_000, 1_000_000))
    before = package_hash(path)
    assert install_provider(tmp_path) == path
    assert path.stat().st_mtime == 1_000_000
    assert package_hash(path) == before


def test_install_replaces_a_stale_launcher(tmp_path: Path) -> None:
    """A launcher written for another interpreter is rewritten for this one."""
    path = install_provider(tmp_path, python="/old/venv/bin/python")
    install_provider(tmp_path)
    assert "/old/venv" not in path.read_text()


def test_lock_entry_is_added_next_to_other_providers(tmp_path: Path) -> None:
    """lock_provider appends our entry and keeps the entries of other providers."""
    other = 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "6.0.0"\n}\n'
    (tmp_path / ".terraform.lock.hcl").write_text(other)
    launcher = install_provider(tmp_path / "plugins")
    text = lock_provider(tmp_path, launcher).read_text()
    assert text.startswith(other)
    assert f'provider "{PROVIDER_SOURCE}" {{' in text
    assert f'"{package_hash(launcher)}"' in text


def test_lock_entry_is_replaced_not_duplicated(tmp_path: Path) -> None:
    """When the launcher changes, its lock entry is updated in place."""
    launcher = install_provider(tmp_path / "plugins", python="/old/python")
    lock_provider(tmp_path, launcher)
    launcher = install_provider(tmp_path / "plugins")
    text = lock_provider(tmp_path, launcher).read_text()
    assert text.count(f'provider "{PROVIDER_SOURCE}"') == 1
    assert package_hash(launcher) in text


def test_install_provider_command_prints_the_path(tmp_path: Path, capsys: object) -> None:
    """`policygen install-provider --dir DIR` installs under DIR and prints the launcher's path."""
    assert main(["install-provider", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip()  # type: ignore[attr-defined]
    assert out == str(launcher_path(tmp_path))
    assert Path(out).is_file()
