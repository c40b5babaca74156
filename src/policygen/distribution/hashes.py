"""The two checksums Terraform records for a provider package in ``.terraform.lock.hcl``.

- ``zh:`` ("zip hash"): the SHA-256 of the release zip, hex-encoded. It is what a ``SHA256SUMS``
  file and a network mirror's ``<version>.json`` list. Terraform can check it only where it sees
  the zip itself (a registry, a network mirror, a packed filesystem mirror).
- ``h1:``: a hash of the package's *contents*, so that the same package matches whether it arrives
  zipped or already unpacked. It is Go's dirhash "Hash1": for every file, sorted by its
  slash-separated path, the line ``<sha256 hex>  <path>\\n``; the SHA-256 of all those lines,
  base64-encoded. For a zip, the paths are the zip's entry names (folders left out); for a folder,
  the paths relative to it. Only regular files count: Terraform hashes the bytes, not the modes.

Written here from that description (not copied from Terraform or Go), and checked against what
``terraform init`` writes by ``tests/e2e/test_package.py``.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Iterable
from pathlib import Path

from policygen.errors import ProviderPackageError


def zip_hash(archive: Path) -> str:
    """The ``zh:`` hash of a release zip."""
    return "zh:" + _sha256_file(archive)


def folder_hash(folder: Path) -> str:
    """The ``h1:`` hash of an unpacked package folder (every regular file below it, symlinks followed)."""
    files = sorted((p.relative_to(folder).as_posix(), p) for p in folder.rglob("*") if p.is_file())
    return _hash1((name, _sha256_file(path)) for name, path in files)


def zip_contents_hash(archive: Path) -> str:
    """The ``h1:`` hash of the package a release zip unpacks to: equal to :func:`folder_hash` of that folder."""
    with zipfile.ZipFile(archive) as zipped:
        entries = sorted((info.filename, info) for info in zipped.infolist() if not info.is_dir())
        return _hash1((name, hashlib.sha256(zipped.read(info)).hexdigest()) for name, info in entries)


def _hash1(files: Iterable[tuple[str, str]]) -> str:
    """dirhash Hash1 over ``(slash path, sha256 hex)`` pairs given in sorted order."""
    summary = hashlib.sha256()
    for name, digest in files:
        if "\n" in name:
            raise ProviderPackageError(f"A file name with a line break cannot be hashed: {name!r}.")
        summary.update(f"{digest}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
