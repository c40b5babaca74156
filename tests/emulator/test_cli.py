"""`policygen emulator` as a process: first line, serving, clean exit on signals."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from .helpers import raw_request

_RUN = "import sys; from policygen.emulator.server import main; sys.exit(main(sys.argv[1:]))"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_prints_url_first_and_exits_cleanly_on_signal(sig: signal.Signals) -> None:
    """The first stdout line is `listening on URL`; the URL answers; a signal ends it with exit 0."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:")
        url = line.removeprefix("listening on ")
        status, _, _ = raw_request(url, "GET", "/policy/generation")
        assert status == 403
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
