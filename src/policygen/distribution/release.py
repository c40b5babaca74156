"""The provider package as Terraform's channels expect it: release files, mirrors, and the lock entry.

``policygen package --out DIR`` writes (file names as terraform-provider-scaffolding-framework's
goreleaser set-up names them, and the provider registry protocol expects)::

    DIR/release/terraform-provider-accessanalyzer_0.1.0_linux_amd64.zip
    DIR/release/terraform-provider-accessanalyzer_0.1.0_manifest.json     protocol versions
    DIR/release/terraform-provider-accessanalyzer_0.1.0_SHA256SUMS        zip and manifest
    DIR/release/terraform-provider-accessanalyzer_0.1.0_SHA256SUMS.sig    with --sign KEY
    DIR/filesystem-mirror/terraform.local/policygen/accessanalyzer/0.1.0/linux_amd64/...   unpacked
    DIR/filesystem-mirror-packed/terraform.local/policygen/accessanalyzer/<the zip>        packed
    DIR/network-mirror/terraform.local/policygen/accessanalyzer/{index.json,0.1.0.json,<the zip>}
    DIR/lock.hcl                                                          the .terraform.lock.hcl entry

The mirrors' copies of the zip are hard links where the file system allows. Nothing depends on the
machine or the time of the build but the bytes PyInstaller writes: the zip's entries are sorted,
dated 1980-01-01 (or ``SOURCE_DATE_EPOCH``) and carry only the executable bit.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from policygen._names import PROVIDER_HOST, PROVIDER_NAMESPACE, PROVIDER_SOURCE, PROVIDER_TYPE, PROVIDER_VERSION
from policygen.distribution.freeze import EXECUTABLE, freeze
from policygen.distribution.hashes import folder_hash, zip_contents_hash, zip_hash
from policygen.errors import ProviderPackageError

#: The only platform the package is built for.
PLATFORM = "linux_amd64"
#: ``terraform-provider-TYPE_VERSION``: the prefix of every release file.
RELEASE_PREFIX = f"terraform-provider-{PROVIDER_TYPE}_{PROVIDER_VERSION}"
ZIP_NAME = f"{RELEASE_PREFIX}_{PLATFORM}.zip"
SUMS_NAME = f"{RELEASE_PREFIX}_SHA256SUMS"
MANIFEST_NAME = f"{RELEASE_PREFIX}_manifest.json"
#: The provider's folder in every mirror layout: ``HOST/NAMESPACE/TYPE``.
MIRROR_DIR = f"{PROVIDER_HOST}/{PROVIDER_NAMESPACE}/{PROVIDER_TYPE}"
#: The tf framework speaks protocol 6 (6.5).
PROTOCOL_VERSIONS = ("6.0",)


@dataclass(frozen=True)
class Package:
    """What :func:`write_package` wrote, and the package's two hashes."""

    out: Path
    zip_hash: str  #: ``zh:``, the release zip's SHA-256
    h1_hash: str  #: ``h1:``, the unpacked contents' hash

    @property
    def release(self) -> Path:
        """The release files: zip, manifest, SHA256SUMS (and its signature)."""
        return self.out / "release"

    @property
    def zip(self) -> Path:
        """The release zip."""
        return self.release / ZIP_NAME

    @property
    def filesystem_mirror(self) -> Path:
        """Root of the filesystem mirror in the unpacked layout."""
        return self.out / "filesystem-mirror"

    @property
    def packed_mirror(self) -> Path:
        """Root of the filesystem mirror in the packed layout."""
        return self.out / "filesystem-mirror-packed"

    @property
    def network_mirror(self) -> Path:
        """Root of the network mirror: serve this folder over HTTPS."""
        return self.out / "network-mirror"

    @property
    def lock_file(self) -> Path:
        """The ``.terraform.lock.hcl`` entry, alone in a file."""
        return self.out / "lock.hcl"

    def lock_entry(self) -> str:
        """The provider's block of ``.terraform.lock.hcl``, as ``terraform init`` writes it."""
        return lock_entry([self.h1_hash, self.zip_hash])


def lock_entry(hashes: list[str]) -> str:
    """The provider's ``.terraform.lock.hcl`` block with these hashes (sorted, as Terraform sorts them)."""
    lines = "".join(f'    "{h}",\n' for h in sorted(hashes))
    return (
        f'provider "{PROVIDER_SOURCE}" {{\n'
        f'  version     = "{PROVIDER_VERSION}"\n'
        f'  constraints = "{PROVIDER_VERSION}"\n'
        f"  hashes = [\n{lines}  ]\n"
        f"}}\n"
    )


def package_lock_entry(out: Path, *, setting: str = "the package folder") -> str:
    """The lock entry that ``policygen package --out OUT`` wrote into ``OUT/lock.hcl``.

    ``setting`` names where ``out`` came from, for the error message (e.g. the environment variable).
    """
    lock = Path(out) / "lock.hcl"
    try:
        text = lock.read_text()
    except OSError as exc:
        raise ProviderPackageError(
            f"{setting} is {out}, which holds no readable lock.hcl ({exc.strerror}); point it at the --out folder "
            "of `policygen package` (e.g. dist/provider after `make package`)."
        ) from exc
    expected = f'provider "{PROVIDER_SOURCE}" {{\n  version     = "{PROVIDER_VERSION}"\n'
    if not text.startswith(expected):
        raise ProviderPackageError(
            f"{lock} is not the lock entry of the policygen provider {PROVIDER_VERSION}; rebuild the package with "
            f"`policygen package` of this policygen version, or point {setting} at the right folder."
        )
    return text


def write_package(out: Path, *, sign_key: str | None = None, from_zip: Path | None = None) -> Package:
    """Build the provider (or take the release zip ``from_zip``) and write every layout under ``out``.

    ``out`` must be empty or absent. ``sign_key`` names a GPG key (id, fingerprint or e-mail) of the
    user's keyring that signs the ``SHA256SUMS`` file.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ProviderPackageError(f"The output folder {out} is not empty; remove it or choose another --out.")
    if from_zip is not None:
        _check_release_zip(Path(from_zip))
    release = out / "release"
    release.mkdir(parents=True, exist_ok=True)
    archive = release / ZIP_NAME
    if from_zip is None:
        with tempfile.TemporaryDirectory(prefix="policygen-package-", dir=out) as tmp:
            _zip_folder(freeze(Path(tmp) / "provider"), archive)
    else:
        shutil.copyfile(from_zip, archive)
    package = Package(out=out, zip_hash=zip_hash(archive), h1_hash=zip_contents_hash(archive))

    manifest = release / MANIFEST_NAME
    manifest.write_text(json.dumps({"version": 1, "metadata": {"protocol_versions": list(PROTOCOL_VERSIONS)}}) + "\n")
    sums = release / SUMS_NAME
    sums.write_text("".join(f"{zip_hash(p).removeprefix('zh:')}  {p.name}\n" for p in sorted([archive, manifest])))
    if sign_key is not None:
        _sign(sums, sign_key)

    unpacked = package.filesystem_mirror / MIRROR_DIR / PROVIDER_VERSION / PLATFORM
    _unzip(archive, unpacked)
    if folder_hash(unpacked) != package.h1_hash:
        raise ProviderPackageError(f"The unpacked package in {unpacked} does not hash like the zip; rebuild it.")
    _link_or_copy(archive, package.packed_mirror / MIRROR_DIR / ZIP_NAME)

    network = package.network_mirror / MIRROR_DIR
    _link_or_copy(archive, network / ZIP_NAME)
    (network / "index.json").write_text(json.dumps({"versions": {PROVIDER_VERSION: {}}}, indent=2) + "\n")
    archives = {PLATFORM: {"url": ZIP_NAME, "hashes": [package.zip_hash]}}
    (network / f"{PROVIDER_VERSION}.json").write_text(json.dumps({"archives": archives}, indent=2) + "\n")

    package.lock_file.write_text(package.lock_entry())
    return package


def _check_release_zip(path: Path) -> None:
    """Refuse a ``--from-zip`` that is not this version's linux_amd64 release zip."""
    if path.name != ZIP_NAME:
        raise ProviderPackageError(
            f"--from-zip expects this version's release zip, named {ZIP_NAME}, but got {path.name}. "
            "Pass the zip that `policygen package` of policygen " + PROVIDER_VERSION + " wrote into release/."
        )
    try:
        with zipfile.ZipFile(path) as zipped:
            names = zipped.namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        message = f"--from-zip {path} is not a readable zip file ({exc}); pass the release zip."
        raise ProviderPackageError(message) from exc
    if EXECUTABLE not in names:
        raise ProviderPackageError(f"--from-zip {path} holds no {EXECUTABLE} at its top; pass the release zip.")


def _zip_date() -> tuple[int, int, int, int, int, int]:
    """Every zip entry's date: 1980-01-01 (zip's earliest), or ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return (1980, 1, 1, 0, 0, 0)
    try:
        stamp = time.gmtime(max(int(epoch), 315532800))
    except ValueError as exc:
        raise ProviderPackageError(
            f"SOURCE_DATE_EPOCH is {epoch!r}, not a number of seconds since 1970; set it to one, or unset it."
        ) from exc
    return (stamp.tm_year, stamp.tm_mon, stamp.tm_mday, stamp.tm_hour, stamp.tm_min, stamp.tm_sec)


def _zip_folder(folder: Path, archive: Path) -> None:
    """Zip every file below ``folder`` into ``archive``: sorted, fixed dates, modes 0755 or 0644."""
    date = _zip_date()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zipped:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=date)
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as source, zipped.open(info, "w") as target:
                shutil.copyfileobj(source, target, 1 << 20)


def _unzip(archive: Path, dest: Path) -> None:
    """Unpack ``archive`` into ``dest``, keeping the executable bits (zipfile's own extract drops them)."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            target = dest / info.filename
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            target.chmod(0o755 if (info.external_attr >> 16) & 0o111 else 0o644)


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _sign(sums: Path, key: str) -> None:
    """A detached binary signature of ``sums`` by ``key``, as the registry protocol expects."""
    if shutil.which("gpg") is None:
        raise ProviderPackageError("--sign needs gpg on PATH, and there is none; install GnuPG or leave out --sign.")
    command = ["gpg", "--batch", "--yes", "--local-user", key, "--output", f"{sums}.sig", "--detach-sign", str(sums)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = " ".join(result.stderr.split()) or f"gpg exited {result.returncode}"
        raise ProviderPackageError(
            f"gpg could not sign {sums.name} with the key {key!r}: {detail}. "
            "Name a secret key of your keyring (`gpg --list-secret-keys`) with --sign."
        )
