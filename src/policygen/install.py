"""Putting the provider where Terraform finds it without a registry.

Terraform looks for providers that no registry serves in *local mirrors*: the implied ones
(``terraform.d/plugins`` in the working directory, ``~/.terraform.d/plugins``) or a
``filesystem_mirror`` named in the CLI configuration. Each holds, in the unpacked layout,
``HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-TYPE_vVERSION``. We put there a two-line
launcher that runs this interpreter's ``policygen.provider``: the provider is always the code of
the environment that wrote the launcher.
"""

from __future__ import annotations

import base64
import hashlib
import os
import platform
import re
import shlex
import sys
import tempfile
from pathlib import Path

from policygen._names import PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_SOURCE, PROVIDER_TYPE, PROVIDER_VERSION
from policygen.errors import ProviderInstallError

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i686": "386"}


def os_arch() -> str:
    """Terraform's name for this platform, e.g. ``linux_amd64``."""
    machine = platform.machine().lower()
    return f"{sys.platform.removesuffix('32')}_{_ARCH.get(machine, machine)}"


def launcher_path(mirror: Path) -> Path:
    """Where the launcher goes under the root of a local mirror."""
    return (
        mirror
        / PROVIDER_HOST
        / PROVIDER_NAMESPACE
        / PROVIDER_TYPE
        / PROVIDER_VERSION
        / os_arch()
        / f"terraform-provider-{PROVIDER_TYPE}_v{PROVIDER_VERSION}"
    )


def launcher_text(python: str | None = None) -> str:
    """The launcher script: run ``python -m policygen.provider`` with Terraform's arguments."""
    interpreter = python or sys.executable
    return (
        "#!/bin/sh\n"
        f"# The policygen Terraform provider {PROVIDER_VERSION}, run by this Python environment.\n"
        f'exec {shlex.quote(interpreter)} -m policygen.provider "$@"\n'
    )


def install_provider(mirror: str | Path, python: str | None = None) -> Path:
    """Write the launcher under the local mirror ``mirror``; return its path.

    Idempotent: an up-to-date launcher is left untouched (so its modification time and Terraform's
    lock-file checksum stay the same). The file is replaced atomically, so a Terraform run that is
    reading it never sees half a script.
    """
    path = launcher_path(Path(mirror))
    text = launcher_text(python)
    try:
        if path.is_file() and path.read_text() == text and os.access(path, os.X_OK):
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".launcher-")
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, 0o755)  # noqa: S103  # Terraform executes the launcher; it holds no secret
        os.replace(tmp, path)
    except OSError as exc:
        raise ProviderInstallError(
            f"Could not write the provider launcher to {path}: {exc.strerror}. "
            "Choose a writable folder with `policygen install-provider --dir DIR`."
        ) from exc
    return path


def package_hash(launcher: Path) -> str:
    """Terraform's ``h1:`` checksum of the unpacked package that holds ``launcher``.

    It is Go's dirhash "Hash1": SHA-256 over the sorted lines ``<sha256 hex>  <relative path>``
    of every file in the package folder, base64-encoded.
    """
    folder = launcher.parent
    lines = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(folder).as_posix()}\n"
        for p in sorted(q for q in folder.rglob("*") if q.is_file())
    )
    return "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()


_LOCK_BLOCK = re.compile(r'provider "' + re.escape(PROVIDER_SOURCE) + r'" \{.*?\n\}\n', re.DOTALL)


def lock_provider(workdir: Path, launcher: Path) -> Path:
    """Record the launcher in ``workdir/.terraform.lock.hcl``, keeping every other provider's entry.

    Terraform cannot compute this entry offline the way the cdktf CLI asks it to
    (``terraform providers lock`` consults the origin registry, and ``terraform.local`` is none), so
    we write what ``terraform init`` would: the version, the constraint and the package checksum.
    """
    lock = workdir / ".terraform.lock.hcl"
    block = (
        f'provider "{PROVIDER_SOURCE}" {{\n'
        f'  version     = "{PROVIDER_VERSION}"\n'
        f'  constraints = "{PROVIDER_VERSION}"\n'
        f"  hashes = [\n"
        f'    "{package_hash(launcher)}",\n'
        f"  ]\n"
        f"}}\n"
    )
    header = (
        '# This file is maintained automatically by "terraform init".\n'
        "# Manual edits may be lost in future updates.\n"
    )
    try:
        current = lock.read_text() if lock.is_file() else header
        updated = _LOCK_BLOCK.sub(lambda _: block, current) if _LOCK_BLOCK.search(current) else f"{current}\n{block}"
        if updated != current:
            lock.write_text(updated)
    except OSError as exc:
        raise ProviderInstallError(f"Could not write the provider lock entry to {lock}: {exc.strerror}.") from exc
    return lock
