"""Putting the provider where Terraform finds it without a registry.

Terraform looks for providers that no registry serves in *local mirrors*: the implied ones
(``terraform.d/plugins`` in the working directory, ``~/.terraform.d/plugins``) or a
``filesystem_mirror`` named in the CLI configuration. Each holds, in the unpacked layout,
``HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-TYPE_vVERSION``. We put there a two-line
launcher that runs this interpreter's ``policygen.provider``: the provider is always the code of
the environment that wrote the launcher.
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
import tempfile
from pathlib import Path

from policygen._names import PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_TYPE, PROVIDER_VERSION
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
