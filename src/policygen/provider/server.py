"""Entry point of the provider process that Terraform launches.

The go-plugin handshake is the process's stdout, so nothing else may ever print there: logging goes
to stderr, which Terraform shows with ``TF_LOG``.
"""

from __future__ import annotations

import logging
import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Serve the provider over gRPC until Terraform stops it."""
    logging.basicConfig(
        stream=sys.stderr,
        level=os.environ.get("POLICYGEN_PROVIDER_LOG_LEVEL", "INFO"),
        format="[policygen-provider] %(levelname)s %(name)s: %(message)s",
    )
    from tf.runner import run_provider

    from policygen.provider.provider import AccessAnalyzerProvider

    run_provider(AccessAnalyzerProvider(), argv or sys.argv)


if __name__ == "__main__":
    main()
