"""A function of no arguments computed once per process, also when several threads ask first.

``functools.cache`` lets every thread that misses compute the value again. The provider answers
Terraform's calls on up to 10 threads, which all ask for the schema and the Regions at once: each
parsing them again cost a quarter of a second per launch before this.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def once(compute: Callable[[], T]) -> Callable[[], T]:
    """``compute``, called at most once (under a lock); later calls return its first result."""
    lock = threading.Lock()
    cached = functools.cache(compute)

    @functools.wraps(compute)
    def first_result() -> T:
        with lock:
            return cached()

    return first_result
