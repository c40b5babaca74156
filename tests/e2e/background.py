"""`terraform apply` in the background, and waiting for what the endpoint sees meanwhile (for e2e tests)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.e2e.test_lifecycle import Workdir

#: A bound on a hang, not a timing assumption: what is waited for normally comes within a second.
HANG_BOUND_SECONDS = 120


def background_apply(tf: Workdir, *, own_session: bool = False) -> subprocess.Popen[str]:
    """Start `terraform apply -auto-approve` in ``tf``; ``own_session`` puts it in a process group of its own
    (to send it a terminal's Ctrl-C). Its stdout and stderr are read with ``communicate()``, apart."""
    return subprocess.Popen(
        ["terraform", "apply", "-auto-approve", "-input=false", "-no-color"],
        cwd=tf.path,
        env=tf.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=own_session,
    )


def until(ready: Callable[[], bool], proc: subprocess.Popen[str] | None = None) -> None:
    """Return once ``ready()`` (or once ``proc`` has ended, or the hang bound is reached)."""
    deadline = time.monotonic() + HANG_BOUND_SECONDS
    while not ready() and (proc is None or proc.poll() is None) and time.monotonic() < deadline:
        time.sleep(0.05)
