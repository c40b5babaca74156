"""The one seam between policygen and the ``tf`` framework: serving a provider over go-plugin.

tf's ``run_provider`` builds its servicer from a module attribute and caches a TLS certificate in a
file that every tf-based provider of the machine shares, trusting it until its expiry date, which
it reads with cryptography. policygen needs its own servicer (provider/protocol.py), a start-up
that does not import cryptography on every one of Terraform's launches, and a certificate that is
never used past its expiry. So it serves here, with tf's public pieces only: the servicer base
class and the generated gRPC modules. Nothing in policygen assigns to an attribute of tf. The
certificate is made with the standard library alone (:mod:`policygen.provider.selfsigned`), so
the provider package carries no cryptography (12.5 MB that Terraform would hash on every command).

What this takes from go-plugin (github.com/hashicorp/go-plugin), as Terraform runs it:

- the handshake: one stdout line ``1|6|unix|SOCKET|grpc|CERT`` (core protocol 1, plugin protocol 6,
  the server's certificate as unpadded base64 DER);
- the servers it calls: the provider (tfplugin6), ``plugin.GRPCController/Shutdown`` and
  ``plugin.GRPCStdio/StreamStdio``;
- TLS: the server presents a self-signed certificate (see :func:`serve` on Terraform's own
  client certificate).

Moving to another framework (or to a servicer of policygen's own) means replacing
:class:`tf.provider.ProviderServicer` as the base of ``PolicygenServicer`` and the ``tf.gen``
modules here; the handshake and TLS parts stay.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent import futures
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from policygen.spec.timestamps import parse_timestamp

log = logging.getLogger("policygen.provider")

#: How long a generated certificate is valid, and how much of that must be left to use a cached one.
CERT_VALIDITY = timedelta(days=7)
CERT_MARGIN = timedelta(hours=1)
#: Resource methods run concurrently on this many gRPC threads (tf's own number).
WORKERS = 10


def cert_cache_path() -> Path:
    """policygen's own certificate cache (not shared with other tf-based providers)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "policygen" / "provider-tls.json"


def certificate(now: Callable[[], datetime] = lambda: datetime.now(UTC), path: Path | None = None) -> tuple[str, str]:
    """The provider's TLS key and certificate (PEM), from the cache while valid, else new.

    The cache records the certificate's expiry beside it, so a valid one is used as it is (a new
    key and certificate cost about 5 ms, on each of Terraform's launches); one that expires within
    :data:`CERT_MARGIN` is replaced.
    """
    path = path or cert_cache_path()
    try:
        cached = json.loads(path.read_text())
        cached_until = parse_timestamp(cached["not_after"])
        if cached_until is not None and cached_until - now() > CERT_MARGIN:
            return str(cached["key_pem"]), str(cached["cert_pem"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    key_pem, cert_pem, not_after = _new_certificate(now())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tls-")
        with os.fdopen(fd, "w") as handle:  # mkstemp makes it 0600: it holds a private key
            json.dump({"key_pem": key_pem, "cert_pem": cert_pem, "not_after": not_after.isoformat()}, handle)
        os.replace(tmp, path)
    except OSError as exc:  # an unwritable cache costs a new certificate per launch, nothing more
        log.debug("could not cache the TLS certificate in %s: %s", path, exc)
    return key_pem, cert_pem


def _new_certificate(now: datetime) -> tuple[str, str, datetime]:
    from policygen.provider.selfsigned import new_certificate

    return new_certificate(now, CERT_VALIDITY)


def _der(cert_pem: str) -> bytes:
    body = "".join(line for line in cert_pem.splitlines() if line and not line.startswith("-----"))
    return base64.b64decode(body)


def serve(servicer: Any, stdout: Any = None) -> None:
    """Serve ``servicer`` to Terraform until it asks us to stop.

    ``servicer`` is a tf ProviderServicer with a ``stopped`` event, set by go-plugin's Shutdown
    (StopProvider only interrupts the calls in flight: see provider/protocol.py).
    """
    import grpc
    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
    from tf.gen import tfplugin_pb2_grpc as rpc

    stopped: threading.Event = servicer.stopped
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=WORKERS))

    class Controller(controller_rpc.GRPCControllerServicer):
        def Shutdown(self, request: Any, context: Any) -> Any:  # the gRPC method's name
            stopped.set()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):
        def StreamStdio(self, request: Any, context: Any) -> Any:  # the gRPC method's name
            return iter([])  # the provider never writes to stdout: its log goes to stderr

    rpc.add_ProviderServicer_to_server(servicer, server)
    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)

    key_pem, cert_pem = certificate()
    # Terraform also passes its own client certificate (PLUGIN_CLIENT_CERT, go-plugin's AutoMTLS),
    # but gRPC's TLS here resets the connection when asked to require it (tried: go-plugin's
    # P-521 certificate is refused), so the server does as tf's does: TLS without client auth,
    # on a socket in a private temporary folder.
    credentials = grpc.ssl_server_credentials([(key_pem.encode(), cert_pem.encode())], require_client_auth=False)
    with tempfile.TemporaryDirectory(prefix="policygen-provider-") as folder:
        socket = f"{folder}/plugin.sock"
        server.add_secure_port(f"unix://{socket}", credentials)
        server.start()
        chain = base64.b64encode(_der(cert_pem)).decode().rstrip("=")
        print(f"1|6|unix|{socket}|grpc|{chain}", file=stdout or sys.stdout, flush=True)
        stopped.wait()
        server.stop(grace=0.5)
