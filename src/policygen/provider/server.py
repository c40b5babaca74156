"""Entry point of the provider process that Terraform launches.

The go-plugin handshake is the process's stdout, so nothing else may ever print there: logging goes
to stderr, which Terraform shows with ``TF_LOG``.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

#: Loggers that would print request headers (which carry session tokens) at DEBUG: kept quieter.
_CHATTY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")
#: tf makes its self-signed certificate valid for 7 days and caches it; a cache younger than this is
#: used without checking the certificate's dates (which needs the cryptography package).
_CERT_CACHE_TRUSTED_SECONDS = 6 * 24 * 3600


def main(argv: list[str] | None = None) -> None:
    """Serve the provider over gRPC until Terraform stops it (or dies)."""
    logging.basicConfig(
        stream=sys.stderr,
        level=os.environ.get("POLICYGEN_PROVIDER_LOG_LEVEL", "INFO"),
        format="[policygen-provider] %(levelname)s %(name)s: %(message)s",
    )
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    _exit_with_parent()

    import tf.provider
    import tf.runner
    from tf.runner import run_provider

    from policygen.provider.protocol import PolicygenServicer

    # run_provider builds its servicer from tf.provider.ProviderServicer at call time; ours adds the
    # plan rules the framework cannot express (see PolicygenServicer).
    tf.provider.ProviderServicer = PolicygenServicer
    tf.runner._self_signed_cert = _cached_cert(tf.runner._self_signed_cert, tf.runner._get_cert_cache_path)
    from policygen.provider.provider import AccessAnalyzerProvider

    run_provider(AccessAnalyzerProvider(), argv or sys.argv)
    # run_provider returns once Terraform has asked us to shut down and the server has stopped:
    # nothing is left to do. Terraform waits for the process to exit after every one of its
    # several launches per command, and the interpreter's own teardown (gRPC's threads and
    # atexit hooks, thousands of modules) takes 0.1-0.2 s of that; skip it.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(0)


def _cached_cert(
    make: Callable[[], tuple[bytes, Any]], cache_path: Callable[[], Any]
) -> Callable[[], tuple[bytes, Any]]:
    """tf's ``_self_signed_cert``, minus its import of cryptography when its cache is recent.

    tf loads the cached certificate with cryptography only to read its expiry date; importing
    cryptography is about a quarter of the provider's start-up before the handshake (bench/), paid
    on each of Terraform's several launches per command. A cache file younger than six days holds a certificate
    that is still valid (tf writes the file when it creates the certificate, valid for seven): use
    it as it is. Anything else (no cache, an old or unreadable one) goes to tf's own code, which
    checks, regenerates and rewrites the cache.
    """

    def cert() -> tuple[bytes, Any]:
        import grpc

        try:
            path = cache_path()
            if time.time() - path.stat().st_mtime < _CERT_CACHE_TRUSTED_SECONDS:
                cached = json.loads(path.read_text())
                key_pair = (cached["key_pem"].encode(), cached["cert_pem"].encode())
                return base64.b64decode(cached["cert_chain"]), grpc.ssl_server_credentials(
                    private_key_certificate_chain_pairs=[key_pair], require_client_auth=False
                )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
        return make()

    return cert


def _exit_with_parent() -> None:
    """Exit when Terraform goes away without stopping us (e.g. SIGKILL), instead of lingering.

    A provider left running would finish the calls in flight for nobody; the derived client tokens
    make the next apply find those jobs again, but no process should outlive its apply.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        logging.getLogger("policygen.provider").warning("terraform (pid %d) is gone; exiting", parent)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


if __name__ == "__main__":
    main()
