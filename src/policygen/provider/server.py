"""Entry point of the provider process that Terraform launches.

The go-plugin handshake is the process's stdout, so nothing else may ever print there: logging goes
to stderr, which Terraform shows with ``TF_LOG``.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import threading
import time

#: Loggers that would print request headers (which carry session tokens) at DEBUG: kept quieter.
_CHATTY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")


#: The provider's collection threshold for the youngest generation (Python's default is 700).
#: Terraform launches the provider three times per ``plan``, and each launch mostly imports
#: (gRPC, the tf framework, botocore): objects that all live to the end. Collecting them every
#: 700 allocations is about 7% of each launch and a fifth of the one that makes the AWS client
#: (bench/package.py); garbage with cycles is still collected, less often.
GC_THRESHOLD = 50_000


def main() -> None:
    """Serve the provider over gRPC until Terraform stops it (or dies)."""
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    logging.basicConfig(
        stream=sys.stderr,
        level=os.environ.get("POLICYGEN_PROVIDER_LOG_LEVEL", "INFO"),
        format="[policygen-provider] %(levelname)s %(name)s: %(message)s",
    )
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # Ctrl-C in a terminal reaches the whole process group, the provider included. Terraform answers
    # it with StopProvider and waits for the calls in flight to return their jobs; a SIGINT here
    # would end the process first (go-plugin's own plugins ignore it too).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()

    from policygen.provider.configuration import PolicygenProvider
    from policygen.provider.protocol import PolicygenServicer
    from policygen.provider.tfserve import serve

    serve(PolicygenServicer(PolicygenProvider()))
    # serve returns once Terraform has asked us to shut down and the server has stopped:
    # nothing is left to do. Terraform waits for the process to exit after every one of its
    # several launches per command, and the interpreter's own teardown (gRPC's threads and
    # atexit hooks, thousands of modules) takes 0.1-0.2 s of that; skip it.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(0)


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
