"""The provider launcher, the interpreter it records, and its lock entry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policygen._names import PROVIDER_SOURCE
from policygen.cli import main
from policygen.distribution.launcher import (
    install_provider,
    launcher_path,
    launcher_text,
    lock_provider,
    os_arch,
    package_hash,
    python_record_path,
)

#: What tf's runner expects in TF_PLUGIN_MAGIC_COOKIE; Terraform sets it for every plugin it runs.
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
#: An environment that is not there.
GONE = "/gone/venv/bin/python"


def launcher_env(home: Path, *, terraform: bool = True, **extra: str) -> dict[str, str]:
    """This environment, homed in ``home``, without POLICYGEN_PYTHON; as Terraform runs plugins if ``terraform``."""
    env = {k: v for k, v in os.environ.items() if k not in {"POLICYGEN_PYTHON", "PYTHONSAFEPATH"}}
    env["HOME"] = str(home)
    if terraform:
        env["TF_PLUGIN_MAGIC_COOKIE"] = MAGIC_COOKIE
    return {**env, **extra}


def handshake(launcher: Path, cwd: Path, env: dict[str, str]) -> str:
    """The launcher's first stdout line (the go-plugin handshake when it works); the process is then stopped."""
    with subprocess.Popen(
        [str(launcher)], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        proc.terminate()
        proc.communicate(timeout=60)
    return line


def failure(launcher: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a launcher that is expected to give up; its exit status and output."""
    result = subprocess.run([str(launcher)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1, result
    return result


def test_launcher_goes_to_the_unpacked_mirror_layout(tmp_path: Path) -> None:
    """The launcher lands at HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-TYPE_vVERSION."""
    path = install_provider(tmp_path)
    expected = f"terraform.local/policygen/accessanalyzer/0.1.0/{os_arch()}/terraform-provider-accessanalyzer_v0.1.0"
    assert path == tmp_path / expected
    assert os.access(path, os.X_OK)


def test_interpreter_is_recorded_outside_the_package_as_given(tmp_path: Path) -> None:
    """sys.executable goes, unresolved, to VERSION/python.path; the package folder holds the launcher alone."""
    path = install_provider(tmp_path)
    record = python_record_path(tmp_path)
    assert record == path.parent.parent / "python.path"
    assert record.read_text() == sys.executable + "\n"  # a venv's bin/python, not the base interpreter
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_launcher_bytes_do_not_depend_on_the_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two interpreters in two environments: identical launcher bytes, identical package hash."""
    monkeypatch.setattr(sys, "executable", "/home/a/project/.venv/bin/python")
    first = install_provider(tmp_path / "a")
    monkeypatch.setattr(sys, "executable", "/opt/b/venv/bin/python3")
    second = install_provider(tmp_path / "b")
    third = install_provider(tmp_path / "c", python="/usr/local/bin/python3.13")
    assert first.read_bytes() == second.read_bytes() == third.read_bytes() == launcher_text().encode()
    assert package_hash(first) == package_hash(second) == package_hash(third)
    assert b"/home/a" not in first.read_bytes()
    assert python_record_path(tmp_path / "a").read_text() == "/home/a/project/.venv/bin/python\n"
    assert python_record_path(tmp_path / "c").read_text() == "/usr/local/bin/python3.13\n"


def test_install_provider_run_by_python3_matches_python(tmp_path: Path) -> None:
    """`install-provider` run as .venv/bin/python3 and as .venv/bin/python writes one package hash."""
    python3 = Path(sys.executable).with_name("python3")
    if not python3.exists() or python3 == Path(sys.executable):
        pytest.skip("this environment has no second name for its interpreter")
    command = "from policygen.cli import main; main(['install-provider', '--dir', 'mirror'])"
    subprocess.run([str(python3), "-c", command], cwd=tmp_path, check=True, capture_output=True)
    assert main(["install-provider", "--dir", str(tmp_path / "own")]) == 0
    assert python_record_path(tmp_path / "mirror").read_text() == f"{python3}\n"
    assert package_hash(launcher_path(tmp_path / "mirror")) == package_hash(launcher_path(tmp_path / "own"))


def test_launcher_is_a_valid_shell_script() -> None:
    """sh parses the launcher; the Python code it single-quotes holds no single quote of its own."""
    text = launcher_text()
    assert text.startswith("#!/bin/sh\n")
    subprocess.run(["sh", "-n", "-c", text], check=True)
    bootstrap = text.split("-c '", 1)[1].rsplit("' ", 1)[0]
    compile(bootstrap, "<launcher bootstrap>", "exec")


def test_launcher_prints_the_go_plugin_handshake(tmp_path: Path) -> None:
    """Run as Terraform runs it, the launcher's first stdout line is the go-plugin handshake."""
    line = handshake(install_provider(tmp_path / "mirror"), tmp_path, launcher_env(tmp_path))
    assert line.startswith("1|6|unix|")
    assert "|grpc|" in line


def test_modules_in_the_working_directory_are_never_imported(tmp_path: Path) -> None:
    """json.py, base64.py, policygen.py in the working directory, even on PYTHONPATH, are not imported."""
    launcher = install_provider(tmp_path / "mirror")
    cwd = tmp_path / "config"
    cwd.mkdir()
    for module in ("json", "base64", "logging", "policygen", "tf"):
        (cwd / f"{module}.py").write_text(f'print("{module}.py was imported"); raise SystemExit(3)\n')
    line = handshake(launcher, cwd, launcher_env(tmp_path, PYTHONPATH="."))
    assert line.startswith("1|6|unix|"), line


def test_install_is_idempotent(tmp_path: Path) -> None:
    """A second install leaves an up-to-date launcher and record untouched (same mtime, same checksum)."""
    path = install_provider(tmp_path)
    record = python_record_path(tmp_path)
    for file in (path, record):
        os.utime(file, (1_000_000, 1_000_000))
    before = package_hash(path)
    assert install_provider(tmp_path) == path
    assert path.stat().st_mtime == record.stat().st_mtime == 1_000_000
    assert package_hash(path) == before
    assert sorted(p.name for p in record.parent.iterdir()) == sorted([path.parent.name, record.name])  # no temp left


def test_install_for_another_interpreter_rewrites_only_the_record(tmp_path: Path) -> None:
    """Installing from another environment changes python.path; the launcher and its hash stay."""
    path = install_provider(tmp_path, python="/old/venv/bin/python")
    os.utime(path, (1_000_000, 1_000_000))
    before = package_hash(path)
    install_provider(tmp_path)
    assert python_record_path(tmp_path).read_text() == sys.executable + "\n"
    assert path.stat().st_mtime == 1_000_000
    assert package_hash(path) == before


def test_install_replaces_a_launcher_that_embeds_an_interpreter(tmp_path: Path) -> None:
    """The launcher of earlier releases (one absolute interpreter path inside) is rewritten."""
    path = launcher_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('#!/bin/sh\nexec /old/venv/bin/python -m policygen.provider "$@"\n')
    install_provider(tmp_path)
    assert path.read_text() == launcher_text()
    assert os.access(path, os.X_OK)


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
    """When the launcher changes (here: from an earlier release's), its lock entry is updated in place."""
    launcher = launcher_path(tmp_path / "plugins")
    launcher.parent.mkdir(parents=True)
    launcher.write_text('#!/bin/sh\nexec /old/python -m policygen.provider "$@"\n')
    old = package_hash(launcher)
    lock_provider(tmp_path, launcher)
    launcher = install_provider(tmp_path / "plugins")
    text = lock_provider(tmp_path, launcher).read_text()
    assert text.count(f'provider "{PROVIDER_SOURCE}"') == 1
    assert package_hash(launcher) in text
    assert old not in text


def test_lock_entry_is_the_same_for_every_environment(tmp_path: Path) -> None:
    """Two stacks installed from two environments get byte-identical lock files."""
    for name, python in (("a", "/a/.venv/bin/python"), ("b", "/b/env/bin/python3")):
        (tmp_path / name).mkdir()
        lock_provider(tmp_path / name, install_provider(tmp_path / name / "terraform.d" / "plugins", python=python))
    locks = [(tmp_path / name / ".terraform.lock.hcl").read_bytes() for name in ("a", "b")]
    assert locks[0] == locks[1]


def test_install_provider_command_prints_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`policygen install-provider --dir DIR` installs under DIR and prints the launcher's path."""
    assert main(["install-provider", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip()
    assert out == str(launcher_path(tmp_path))
    assert Path(out).is_file()


# How the launcher finds its Python: POLICYGEN_PYTHON, the record (through symlinks, else next to
# the working directory or in ~/.terraform.d/plugins), python3 on PATH; and what it says when none works.


def test_record_is_found_through_a_linked_package_folder(tmp_path: Path) -> None:
    """As in .terraform/providers/...: a symlink to the mirror's package folder finds the mirror's record."""
    launcher = install_provider(tmp_path / "mirror")
    linked = tmp_path / "config" / ".terraform" / "providers" / "linux"
    linked.parent.mkdir(parents=True)
    linked.symlink_to(launcher.parent)
    assert handshake(linked / launcher.name, tmp_path / "config", launcher_env(tmp_path)).startswith("1|6|")


def test_copied_package_finds_the_record_in_the_working_directory(tmp_path: Path) -> None:
    """A copied package (no link back to its mirror) uses terraform.d/plugins of the working directory."""
    config = tmp_path / "config"
    launcher = install_provider(config / "terraform.d" / "plugins")
    copy = Path(shutil.copytree(launcher.parent, tmp_path / "copy" / os_arch())) / launcher.name
    assert handshake(copy, config, launcher_env(tmp_path)).startswith("1|6|")
    python_record_path(config / "terraform.d" / "plugins").write_text(GONE + "\n")
    assert GONE in failure(copy, config, launcher_env(tmp_path)).stdout  # it is that record that is read


def test_copied_package_finds_the_record_in_the_home_mirror(tmp_path: Path) -> None:
    """Failing that, ~/.terraform.d/plugins (where `policygen install-provider` installs by default)."""
    launcher = install_provider(tmp_path / "home" / ".terraform.d" / "plugins")
    copy = Path(shutil.copytree(launcher.parent, tmp_path / "copy" / os_arch())) / launcher.name
    assert handshake(copy, tmp_path, launcher_env(tmp_path / "home")).startswith("1|6|")


def test_policygen_python_comes_first(tmp_path: Path) -> None:
    """POLICYGEN_PYTHON is used even where the recorded environment is gone."""
    launcher = install_provider(tmp_path / "mirror", python=GONE)
    env = launcher_env(tmp_path, POLICYGEN_PYTHON=sys.executable)
    assert handshake(launcher, tmp_path, env).startswith("1|6|")


def test_without_a_record_python3_on_path_is_used(tmp_path: Path) -> None:
    """A launcher with no record anywhere runs python3 from PATH."""
    if not (Path(sys.executable).parent / "python3").exists():
        pytest.skip("this environment has no bin/python3")
    launcher = install_provider(tmp_path / "mirror")
    python_record_path(tmp_path / "mirror").unlink()
    env = launcher_env(tmp_path, PATH=f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin")
    assert handshake(launcher, tmp_path, env).startswith("1|6|")


def test_gone_environment_is_one_line_on_stderr(tmp_path: Path) -> None:
    """Run by hand, a launcher whose environment is gone prints one line on stderr and exits 1."""
    mirror = tmp_path / "mirror"
    launcher = install_provider(mirror, python=GONE)
    result = failure(launcher, tmp_path, launcher_env(tmp_path, terraform=False))
    assert result.stdout == ""
    assert result.stderr == (
        f"policygen provider: the Python environment {GONE} is gone "
        f"(recorded in {python_record_path(mirror).resolve()}); "
        f"run '<venv>/bin/policygen install-provider --dir {mirror.resolve()}' (or synthesize again), "
        "or set POLICYGEN_PYTHON.\n"
    )


def test_under_terraform_the_line_goes_to_stdout(tmp_path: Path) -> None:
    """Terraform shows a failing plugin's first stdout line, never its stderr: there the line goes to stdout."""
    launcher = install_provider(tmp_path / "mirror", python=GONE)
    result = failure(launcher, tmp_path, launcher_env(tmp_path))
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith(f"policygen provider: the Python environment {GONE} is gone")


def test_environment_without_policygen_is_one_line(tmp_path: Path) -> None:
    """A recorded Python that exists but has no policygen: one line, no traceback."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    bare = tmp_path / "bare" / "bin" / "python"
    launcher = install_provider(tmp_path / "mirror", python=str(bare))
    result = failure(launcher, tmp_path, launcher_env(tmp_path, terraform=False))
    assert result.stderr == (
        f"policygen provider: the Python environment {bare} has no policygen 0.1.0; "
        f"run '<venv>/bin/policygen install-provider --dir {(tmp_path / 'mirror').resolve()}' "
        "(or synthesize again), or set POLICYGEN_PYTHON.\n"
    )


def test_policygen_python_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    """POLICYGEN_PYTHON naming no executable file is reported, not skipped."""
    launcher = install_provider(tmp_path / "mirror")
    result = failure(launcher, tmp_path, launcher_env(tmp_path, terraform=False, POLICYGEN_PYTHON=GONE))
    assert result.stderr == (
        f"policygen provider: POLICYGEN_PYTHON is {GONE}, which is not an executable file; "
        "set POLICYGEN_PYTHON to the Python of an environment that has policygen 0.1.0, or unset it.\n"
    )


def test_no_python_anywhere_is_one_line(tmp_path: Path) -> None:
    """No record, no POLICYGEN_PYTHON, no python3 on PATH: one line that says all three."""
    launcher = install_provider(tmp_path / "mirror")
    python_record_path(tmp_path / "mirror").unlink()
    (tmp_path / "empty").mkdir()
    result = failure(launcher, tmp_path, launcher_env(tmp_path, terraform=False, PATH=str(tmp_path / "empty")))
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("policygen provider: no Python to run the provider: POLICYGEN_PYTHON is not set")
    assert "python3 is not on PATH" in result.stderr
