"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from policygen.emulator import Emulator
from tests.e2e.test_lifecycle import Workdir


@pytest.fixture
def workdir(tmp_path: Path) -> Callable[..., Workdir]:
    """A factory of Terraform working directories (``workdir(emulator, name="tf")``) with the provider installed."""

    def make(emulator: Emulator, name: str = "tf") -> Workdir:
        return Workdir(tmp_path / name, emulator)

    return make
