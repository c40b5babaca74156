"""Fixtures: an endpoint per test on a free loopback port, and unmodified boto3 clients for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from policygen.emulator import Emulator

from .helpers import make_client


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """An endpoint whose jobs complete at once."""
    with Emulator(port=0, job_seconds=0.0) as emu:
        yield emu


@pytest.fixture
def client(emulator: Emulator) -> Any:
    """A boto3 client for the ``emulator`` fixture."""
    return make_client(emulator.url)


@pytest.fixture
def emulator_factory() -> Iterator[Callable[..., Emulator]]:
    """Start endpoints with custom options; all are stopped after the test."""
    started: list[Emulator] = []

    def factory(**options: Any) -> Emulator:
        emu = Emulator(**options).start()
        started.append(emu)
        return emu

    yield factory
    for emu in started:
        emu.stop()
