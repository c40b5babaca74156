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
    """``compute``, called at most once (under a lock); later calls return its first result.

    Once the result is there it is returned without the lock: the checks of a spec ask for the
    Regions a dozen times per generation, from 10 threads at once.
    """
    lock = threading.Lock()
    results: list[T] = []

    @functools.wraps(compute)
    def first_result() -> T:
        if results:
            return results[0]
        with lock:
            if not results:
                results.append(compute())
            return results[0]

    return first_result
