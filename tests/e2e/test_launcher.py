"""The provider launcher with the real terraform binary (issue 11, item 7: "One launcher, safe"; issue 20, item 5).

The launcher's bytes, and so its lock entry, are the same in every environment; it finds its Python
through the ``python.path`` record outside the package folder, whether Terraform links or copies
the package; it imports nothing from Terraform's working directory; and when its environment is
gone, Terraform shows the user the one line that says so.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import policygen
from policygen.distribution.launcher import launcher_path, package_hash, python_record_path
from policygen.emulator import Emulator
from tests.conftest import ROOT, isolated_env, requires_terraform, run, synth

pytestmark = [pytest.mark.e2e, requires_terraform]

ACCOUNT = "123456789012"
CONFIG = f"""
terraform {{
  required_providers {{
    accessanalyzer = {{ source = "terraform.local/policygen/accessanalyzer", version = "0.1.0" }}
  }}
}}
provider "accessanalyzer" {{}}
resource "accessanalyzer_policy_generation" "app" {{
  principal_arn = "arn:aws:iam::{ACCOUNT}:role/app"
  access_role   = "arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
  trails = [{{
    cloud_trail_arn = "arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management"
    regions         = ["us-east-1"]
  }}]
  lookback_days = 7
}}
output "job_id" {{ value = accessanalyzer_policy_generation.app.job_id }}
"""
#: This version's folder, relative to a mirror, a plugin cache or .terraform/providers.
VERSION_DIR = Path("terraform.local/policygen/accessanalyzer/0.1.0")
#: Where Terraform installs the package from an implied or filesystem mirror.
INSTALLED = Path(".terraform/providers") / VERSION_DIR


def make_venv(path: Path) -> Path:
    """A new virtual environment that sees this one's packages (policygen too); its ``bin/python``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, capture_output=True)
    (site_packages,) = path.glob("lib/python*/site-packages")
    ours = [p for p in sys.path if p.endswith("site-packages")] + [str(Path(policygen.__file__).parent.parent)]
    (site_packages / "policygen-under-test.pth").write_text("\n".join(ours) + "\n")
    return path / "bin" / "python"


def install_with(python: Path, mirror: Path, cwd: Path) -> Path:
    """``policygen install-provider --dir mirror`` run by ``python``; the launcher's path it prints."""
    result = subprocess.run(
        [str(python), "-m", "policygen.cli", "install-provider", "--dir", str(mirror)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(result.stdout.strip())


def workdir(path: Path, emulator: Emulator) -> tuple[Path, dict[str, str]]:
    """A Terraform working directory with the test configuration and its isolated environment."""
    path.mkdir(parents=True)
    (path / "main.tf").write_text(CONFIG)
    return path, isolated_env(path.parent / f"{path.name}-home", emulator.url)


def tf(workdir: Path, env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``terraform ARGS -no-color -input=false`` in ``workdir``."""
    return run(["terraform", *args, "-no-color", "-input=false"], workdir, env, check=check)


def one_line(text: str) -> str:
    """Terraform wraps its diagnostics at spaces: undo that, so a message can be searched whole."""
    return " ".join(text.split())


def test_lock_file_is_shared_between_environments(tmp_path: Path, emulator: Emulator) -> None:
    """A lock file written with one environment works unchanged with another, on another path."""
    python_a, python_b = make_venv(tmp_path / "venv-a"), make_venv(tmp_path / "venv-b")
    first, env_a = workdir(tmp_path / "first", emulator)
    launcher_a = install_with(python_a, first / "terraform.d" / "plugins", first)
    init = tf(first, env_a, "init")
    assert "python.path" not in init.stdout + init.stderr  # Terraform ignores the record
    lock = (first / ".terraform.lock.hcl").read_text()
    assert f'"{package_hash(launcher_a)}"' in lock  # Terraform's own h1: leaves the record out

    second, env_b = workdir(tmp_path / "second", emulator)
    launcher_b = install_with(python_b, second / "terraform.d" / "plugins", second)
    assert launcher_b.read_bytes() == launcher_a.read_bytes()
    (second / ".terraform.lock.hcl").write_text(lock)  # as if committed with the configuration
    env_b["TF_PLUGIN_CACHE_DIR"] = str(tmp_path / "plugin-cache")  # .terraform -> cache -> mirror
    (tmp_path / "plugin-cache").mkdir()
    tf(second, env_b, "init")
    assert (second / ".terraform.lock.hcl").read_text() == lock
    assert (tmp_path / "plugin-cache" / VERSION_DIR / launcher_b.parent.name).is_symlink()
    tf(second, env_b, "apply", "-auto-approve")
    assert len(emulator.backend.jobs()) == 1


def test_gone_environment_is_one_line_terraform_shows(tmp_path: Path, emulator: Emulator) -> None:
    """With the recorded environment removed, plan fails with the line that names it and the fix."""
    python = make_venv(tmp_path / "venv")
    config, env = workdir(tmp_path / "config", emulator)
    mirror = config / "terraform.d" / "plugins"
    install_with(python, mirror, config)
    tf(config, env, "init")
    shutil.rmtree(tmp_path / "venv")

    result = tf(config, env, "plan", check=False)
    assert result.returncode == 1
    shown = one_line(result.stdout + result.stderr)
    record = python_record_path(mirror).resolve()
    assert (
        f"policygen provider: the Python environment {python} is gone (recorded in {record}); "
        f"run '<venv>/bin/policygen install-provider --dir {mirror.resolve()}' (or synthesize again), "
        "or set POLICYGEN_PYTHON."
    ) in shown

    # The fix the line offers: POLICYGEN_PYTHON, which Terraform passes on to the provider.
    tf(config, {**env, "POLICYGEN_PYTHON": sys.executable}, "plan")


def test_modules_in_the_working_directory_are_never_imported(tmp_path: Path, emulator: Emulator) -> None:
    """json.py, base64.py, policygen.py... in Terraform's working directory (and on PYTHONPATH) stay unused."""
    config, env = workdir(tmp_path / "config", emulator)
    install_with(Path(sys.executable), config / "terraform.d" / "plugins", config)
    for module in ("json", "base64", "logging", "policygen", "tf", "grpc", "boto3"):
        (config / f"{module}.py").write_text(f'raise SystemExit("{module}.py was imported from the workdir")\n')
    env["PYTHONPATH"] = "."
    tf(config, env, "init")
    applied = tf(config, env, "apply", "-auto-approve")
    assert "imported from the workdir" not in applied.stdout + applied.stderr
    (job,) = emulator.backend.jobs()
    assert job.principal_arn == f"arn:aws:iam::{ACCOUNT}:role/app"


def test_copied_package_finds_its_python_from_the_working_directory(tmp_path: Path, emulator: Emulator) -> None:
    """Where Terraform copies the package instead of linking it, the record next to the config is used."""
    config, env = workdir(tmp_path / "config", emulator)
    launcher = install_with(make_venv(tmp_path / "venv"), config / "terraform.d" / "plugins", config)
    tf(config, env, "init")
    package = config / INSTALLED / launcher.parent.name
    assert package.is_symlink()  # what Terraform does where it can
    package.unlink()
    shutil.copytree(launcher.parent, package)  # what it does where it cannot
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run(["terraform", f"-chdir={config}", "plan", "-no-color", "-input=false"], elsewhere, env)


def test_synth_and_install_provider_write_the_same_package(tmp_path: Path, emulator: Emulator) -> None:
    """Synth (this interpreter) and install-provider (another environment's) agree on the lock entry."""
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    stack = synth(tmp_path, specs, isolated_env(tmp_path / "home", emulator.url), tmp_path / "cdktf.out")
    synthesized = launcher_path(stack / "terraform.d" / "plugins")
    installed = install_with(make_venv(tmp_path / "venv"), tmp_path / "mirror", tmp_path)
    assert python_record_path(stack / "terraform.d" / "plugins").read_text() != (
        python_record_path(tmp_path / "mirror").read_text()
    )
    assert package_hash(synthesized) == package_hash(installed)
    assert f'"{package_hash(installed)}"' in (stack / ".terraform.lock.hcl").read_text()


def test_shared_plugin_cache_never_runs_another_apps_environment(tmp_path: Path, emulator: Emulator) -> None:
    """Two apps, the cdktf/cdktn CLIs' default shared cache: the second runs its own venv, the first's gone."""
    home = tmp_path / "home"
    env = isolated_env(home, emulator.url)
    env["TF_PLUGIN_CACHE_DIR"] = str(home / ".terraform.d" / "plugin-cache")  # what the CLIs set by default
    (home / ".terraform.d" / "plugin-cache").mkdir(parents=True)
    stacks = {}
    for app in ("first", "second"):
        python = make_venv(tmp_path / f"venv-{app}")
        specs = tmp_path / app / "specs"
        shutil.copytree(ROOT / "specs", specs)
        outdir = tmp_path / app / "cdktf.out"
        synth_env = {**env, "POLICYGEN_SPECS": str(specs), "CDKTF_OUTDIR": str(outdir)}
        run([str(python), str(ROOT / "main.py")], tmp_path / app, synth_env)
        stacks[app] = outdir / "stacks" / "policygen"
        tf(stacks[app], env, "init")
    cached = home / ".terraform.d" / "plugin-cache" / VERSION_DIR / "linux_amd64"
    assert cached.resolve().is_relative_to(tmp_path / "first")  # the cache points into the first app
    shutil.rmtree(tmp_path / "venv-first")

    planned = tf(stacks["second"], env, "plan")
    assert "is gone" not in planned.stdout + planned.stderr
