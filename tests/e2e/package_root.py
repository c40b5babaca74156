"""What the package tests share: the package built once per session, a root with no Python, an HTTPS mirror.

The root is a folder that holds only terraform, the C libraries the package loads, CA certificates
and what a test copies in; Terraform runs chrooted into it (as root, in a mount namespace of its
own: ``unshare -m``, so that the /dev and /proc mounts vanish with it). Nothing in it is a Python
interpreter, and nothing outside it is reachable, so the package is proven to need none.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import os
import re
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from tests.conftest import TERRAFORM

#: Where the system's CA bundle lives on Debian and Ubuntu; copied into the root as it is.
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
#: An interpreter's file name: python, python3, python3.11, pypy3...
INTERPRETER = re.compile(r"^(python|pypy)[0-9.]*$")


def can_chroot() -> bool:
    """True where this process may build and enter a root: uid 0 with unshare, mount and chroot available."""
    return os.geteuid() == 0 and all(shutil.which(tool) for tool in ("unshare", "mount", "chroot", "ldd"))


def build_root(root: Path, package: Path) -> Path:
    """A root that can run terraform and the package folder ``package``: no Python in it. Returns ``root``."""
    assert TERRAFORM is not None
    for folder in ("usr/local/bin", "dev", "proc", "tmp", "home", "etc/ssl/certs"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    shutil.copy2(Path(TERRAFORM).resolve(), root / "usr/local/bin/terraform")
    if CA_BUNDLE.is_file():
        shutil.copy2(CA_BUNDLE, root / "etc/ssl/certs/ca-certificates.crt")
    (root / "etc/passwd").write_text("root:x:0:0:root:/home:/bin/false\n")
    for library in _system_libraries(package):
        target = root / library.relative_to("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            shutil.copy2(library.resolve(), target)
    return root


def interpreters(root: Path) -> list[Path]:
    """Every file under ``root`` named like a Python interpreter (the proof's negative)."""
    return [p for p in root.rglob("*") if INTERPRETER.match(p.name) and not p.is_dir()]


def chrooted(root: Path, args: list[str], cwd: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``args`` (paths inside the root) chrooted into ``root``, in folder ``cwd`` of it."""
    script = (
        'set -e; mount --rbind /dev "$1/dev"; mount -t proc proc "$1/proc"; '
        'root=$1; dir=$2; shift 2; exec chroot "$root" /usr/local/bin/terraform -chdir="$dir" "$@"'
    )
    assert args[0] == "terraform"
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(root), cwd, *args[1:]]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=300)


def _system_libraries(package: Path) -> set[Path]:
    """The libraries outside ``package`` that its executable and shared objects load (as ``ldd`` names them)."""
    found: set[Path] = set()
    objects = [p for p in package.rglob("*") if p.is_file() and (os.access(p, os.X_OK) or ".so" in p.name)]
    for path in objects:
        result = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)
        for line in result.stdout.splitlines():
            match = re.search(r"(/\S+) \(0x", line)
            if match and not Path(match.group(1)).resolve().is_relative_to(package.resolve()):
                found.add(Path(match.group(1)))
    return found


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (valid one day) and its key, written into ``folder``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policygen test mirror")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert, key_file = folder / "mirror.pem", folder / "mirror-key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert, key_file


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # the base class's name
        """Requests are not logged: the test reads what Terraform did from its own output."""


@contextmanager
def https_server(folder: Path, cert: Path, key: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTPS on 127.0.0.1 (a free port) until the block ends; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="https-mirror", daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
