"""Putting the provider where Terraform finds it without a registry.

Terraform looks for providers that no registry serves in *local mirrors*: the implied ones
(``terraform.d/plugins`` in the working directory, ``~/.terraform.d/plugins``) or a
``filesystem_mirror`` named in the CLI configuration. Each holds, in the unpacked layout,
``HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-TYPE_vVERSION``.

We put two files there:

- in the package folder ``OS_ARCH/``, a launcher script whose bytes depend on nothing but the
  policygen version. Terraform's ``h1:`` lock checksum covers every file of that folder, so the
  lock entry is the same on every machine and in every virtual environment, and a committed
  ``.terraform.lock.hcl`` can be shared;
- one level up, outside the package (``VERSION/python.path``), the path of the interpreter that
  installed it. The checksum does not cover it, and Terraform ignores files there.

The launcher runs, isolated from the working directory (``python -I``), the first of:
``$POLICYGEN_PYTHON``; ``python.path`` of this version in ``terraform.d/plugins`` of Terraform's
working directory (where synth puts it, so each cdktf/cdktn stack runs its own app's environment
even when a plugin cache shared between apps links the package into another app's folder); the
interpreter named in ``python.path`` of the mirror the launcher really lives in (Terraform symlinks
``.terraform/providers/...`` to the mirror's package folder, so the launcher follows symlinks to
find it); ``python.path`` in ``~/.terraform.d/plugins``; ``python3`` on ``PATH``. When that Python is gone or has no
policygen of this version, it prints one line saying so and how to fix it, and exits 1.
"""

from __future__ import annotations

import base64
import hashlib
import os
import platform
import re
import shutil
import sys
import tempfile
from pathlib import Path

from policygen._names import PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_SOURCE, PROVIDER_TYPE, PROVIDER_VERSION
from policygen.errors import ProviderInstallError

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i686": "386"}

#: Name of the file, in the mirror's VERSION folder, that records the interpreter to run.
PYTHON_RECORD = "python.path"
#: The mirror-relative folder of this version: the launcher's package folder is one level below.
_VERSION_DIR = f"{PROVIDER_HOST}/{PROVIDER_NAMESPACE}/{PROVIDER_TYPE}/{PROVIDER_VERSION}"

# Run by the launcher's Python, in isolated mode (no working directory, PYTHONPATH or user site on
# sys.path), with the arguments MODULE WHERE FIX and Terraform's. It checks that this environment
# has the provider of the launcher's version before running MODULE as ``python -m`` would, so that
# a Python without policygen, or with another version, is reported in one line rather than a
# traceback that Terraform would not show. MODULE is an argument, not code, so that the process
# shows as policygen.provider in ps. This code must stay valid for any Python 3 the launcher may
# find on PATH, and hold no single quote (the launcher single-quotes it).
_BOOTSTRAP = """\
import os, sys
module, where, fix = sys.argv[1:4]
del sys.argv[1:4]
try:
    from policygen._names import PROVIDER_VERSION as found
except ImportError:
    found = None
if found != "@VERSION@":
    has = "no policygen" if found is None else "policygen %s, not" % found
    line = "policygen provider: %s has %s @VERSION@; %s.\\n" % (where, has, fix)
    (sys.stdout if os.environ.get("TF_PLUGIN_MAGIC_COOKIE") else sys.stderr).write(line)
    sys.exit(1)
import runpy
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""

_LAUNCHER = """\
#!/bin/sh
# The policygen Terraform provider @VERSION@ (terraform.local/policygen/accessanalyzer).
#
# These bytes are the same on every machine, so its lock-file checksum is too. The Python that
# runs the provider is the first of (see "How Terraform finds the provider" in policygen's README):
#   1. $POLICYGEN_PYTHON, when set;
#   2. the one recorded for this version in terraform.d/plugins of the working directory (synth
#      puts it there): first, so that a plugin cache shared by two apps, which links the package
#      into the first app's folder, never makes the second app run the first app's environment;
#   3. the one recorded in @RECORD@ in the version folder of the mirror this launcher lives in,
#      found by following symlinks (Terraform links .terraform/providers/... to the mirror's
#      package folder);
#   4. the one recorded for this version in ~/.terraform.d/plugins;
#   5. python3 on PATH.
# Python runs isolated (-I): nothing in Terraform's working directory, PYTHONPATH or the user's
# site-packages is imported.

# This version's folder, relative to the root of a mirror.
in_mirror=@VERSION_DIR@

fail() {
    # Terraform shows the user none of a plugin's stderr (only its TF_LOG log has it), but it
    # quotes the first stdout line of a plugin that exits before the handshake ("Unrecognized
    # remote plugin message: ..."). So when Terraform runs the launcher the line goes to stdout.
    if [ -n "${TF_PLUGIN_MAGIC_COOKIE:-}" ]; then
        printf 'policygen provider: %s\\n' "$1"
    else
        printf 'policygen provider: %s\\n' "$1" >&2
    fi
    exit 1
}

# The launcher's real folder: follow symlinks to the file itself, then let cd -P resolve linked
# folders on the way (the usual case: Terraform links the package folder).
self=$0
while [ -L "$self" ]; do
    link=$(readlink "$self") || break
    case $link in
        /*) self=$link ;;
        *) self=$(dirname "$self")/$link ;;
    esac
done
case $self in
    /*/*) here=${self%/*} ;;
    /*) here=/ ;;
    */*) here=./${self%/*} ;;
    *) here=. ;;
esac
version_dir=$(cd -P "$here/.." 2>/dev/null && pwd -P)

recorded=
for candidate in "$PWD/terraform.d/plugins/$in_mirror/@RECORD@" \\
    ${version_dir:+"$version_dir/@RECORD@"} \\
    ${HOME:+"$HOME/.terraform.d/plugins/$in_mirror/@RECORD@"}; do
    if [ -f "$candidate" ]; then
        recorded=$candidate
        break
    fi
done

if [ -n "${POLICYGEN_PYTHON:-}" ]; then
    python=$POLICYGEN_PYTHON
    where="POLICYGEN_PYTHON ($python)"
    fix="set POLICYGEN_PYTHON to the Python of an environment that has policygen @VERSION@, or unset it"
    if [ ! -f "$python" ] || [ ! -x "$python" ]; then
        fail "POLICYGEN_PYTHON is $python, which is not an executable file; $fix."
    fi
elif [ -n "$recorded" ]; then
    python=
    IFS= read -r python <"$recorded" || :
    where="the Python environment $python"
    mirror=${recorded%"/$in_mirror/@RECORD@"}
    fix="run '<venv>/bin/policygen install-provider --dir $mirror' (or synthesize again), or set POLICYGEN_PYTHON"
    if [ ! -f "$python" ] || [ ! -x "$python" ]; then
        fail "$where is gone (recorded in $recorded); $fix."
    fi
else
    python=$(command -v python3) || python=
    where="python3 on PATH ($python)"
    fix="run '<venv>/bin/policygen install-provider' (or synthesize again), or set POLICYGEN_PYTHON"
    if [ -z "$python" ]; then
        missing="POLICYGEN_PYTHON is not set, no @RECORD@ is recorded for this launcher, and python3 is not on PATH"
        fail "no Python to run the provider: $missing; $fix."
    fi
fi

exec "$python" -I -c '@BOOTSTRAP@' policygen.provider "$where" "$fix" "$@"
"""


def os_arch() -> str:
    """Terraform's name for this platform, e.g. ``linux_amd64``."""
    machine = platform.machine().lower()
    return f"{sys.platform.removesuffix('32')}_{_ARCH.get(machine, machine)}"


def launcher_path(mirror: Path) -> Path:
    """Where the launcher goes under the root of a local mirror."""
    return Path(mirror) / _VERSION_DIR / os_arch() / f"terraform-provider-{PROVIDER_TYPE}_v{PROVIDER_VERSION}"


def python_record_path(mirror: Path) -> Path:
    """Where :func:`install_provider` records the interpreter: the VERSION folder, outside the package.

    Terraform's lock checksum covers only the package folder (``OS_ARCH/``), and Terraform ignores
    files in the VERSION folder, so this machine-specific path changes neither.
    """
    return Path(mirror) / _VERSION_DIR / PYTHON_RECORD


def launcher_text() -> str:
    """The launcher script. It depends only on the policygen version: never on this machine."""
    return (
        _LAUNCHER.replace("@BOOTSTRAP@", _BOOTSTRAP.rstrip("\n"))
        .replace("@VERSION_DIR@", _VERSION_DIR)
        .replace("@RECORD@", PYTHON_RECORD)
        .replace("@VERSION@", PROVIDER_VERSION)
    )


def install_provider(mirror: str | Path, python: str | None = None) -> Path:
    """Install the launcher under the local mirror ``mirror``; return the launcher's path.

    ``python`` is the interpreter the launcher runs (default: this one, ``sys.executable``). Its
    path is recorded as given, outside the package folder (see :func:`python_record_path`):
    symlinks are not resolved, since a virtual environment's ``bin/python`` is a symlink to the
    base interpreter, which does not see the environment's packages. A relative path is made
    absolute against the current folder.

    Idempotent: files that are up to date are left untouched (so their modification times and
    Terraform's lock-file checksum stay the same). Each file is replaced atomically, so a Terraform
    run that is reading one never sees half of it. The record is written before the launcher, so a
    launcher is never without one.
    """
    if not (python or sys.executable):
        raise ProviderInstallError(
            "This Python does not know the path of its own interpreter (sys.executable is empty). "
            "Pass the interpreter to record as install_provider(mirror, python=PATH)."
        )
    interpreter = os.path.abspath(python or sys.executable)
    if "\n" in interpreter or "\r" in interpreter:
        raise ProviderInstallError(
            f"The interpreter path {interpreter!r} contains a line break, which the launcher cannot read back. "
            "Install policygen in an environment whose path has none."
        )
    record = python_record_path(Path(mirror))
    path = launcher_path(Path(mirror))
    # Temporary files go to the VERSION folder, never into the package folder, whose every file
    # Terraform would hash if it looked while we write.
    _write_if_changed(record, interpreter + "\n", 0o644, scratch=record.parent)
    _write_if_changed(path, launcher_text(), 0o755, scratch=record.parent)  # Terraform executes it; no secret
    return path


def uninstall_provider(mirror: str | Path) -> None:
    """Remove this version's launcher and record from the local mirror ``mirror``, if they are there.

    Synth does this in a stack that uses the self-contained package instead, so that Terraform, which
    prefers ``terraform.d/plugins`` of the working directory, cannot pick up a launcher left by an
    earlier synth.
    """
    version_dir = Path(mirror) / _VERSION_DIR
    if version_dir.is_dir():
        shutil.rmtree(version_dir)


def _write_if_changed(path: Path, text: str, mode: int, scratch: Path) -> None:
    """Atomically make ``path`` hold ``text`` with permissions ``mode``, unless it already does.

    The new content is written to a temporary file in ``scratch`` (on the same file system) and
    renamed into place.
    """
    try:
        if path.is_file() and path.read_text() == text and (path.stat().st_mode & 0o777) == mode:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=scratch, prefix=f".{path.name}-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(text)
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ProviderInstallError(
            f"Could not write the provider launcher to {path}: {exc.strerror}. "
            "Choose a writable folder with `policygen install-provider --dir DIR`."
        ) from exc


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
    block = (
        f'provider "{PROVIDER_SOURCE}" {{\n'
        f'  version     = "{PROVIDER_VERSION}"\n'
        f'  constraints = "{PROVIDER_VERSION}"\n'
        f"  hashes = [\n"
        f'    "{package_hash(launcher)}",\n'
        f"  ]\n"
        f"}}\n"
    )
    return write_lock_entry(workdir, block)


def write_lock_entry(workdir: Path, block: str) -> Path:
    """Make ``block`` the provider's entry in ``workdir/.terraform.lock.hcl``, keeping every other provider's."""
    lock = workdir / ".terraform.lock.hcl"
    header = (
        '# This file is maintained automatically by "terraform init".\n# Manual edits may be lost in future updates.\n'
    )
    try:
        current = lock.read_text() if lock.is_file() else header
        updated = _LOCK_BLOCK.sub(lambda _: block, current) if _LOCK_BLOCK.search(current) else f"{current}\n{block}"
        if updated != current:
            workdir.mkdir(parents=True, exist_ok=True)
            lock.write_text(updated)
    except OSError as exc:
        raise ProviderInstallError(f"Could not write the provider lock entry to {lock}: {exc.strerror}.") from exc
    return lock
