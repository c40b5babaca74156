"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from policygen.distribution.release import Package, write_package
from policygen.emulator import Emulator
from tests.e2e.test_lifecycle import Workdir


@pytest.fixture
def workdir(tmp_path: Path) -> Callable[..., Workdir]:
    """A factory of Terraform working directories (``workdir(emulator, name="tf")``) with the provider installed."""

    def make(emulator: Emulator, name: str = "tf") -> Workdir:
        return Workdir(tmp_path / name, emulator)

    return make


@pytest.fixture(scope="session")
def provider_package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    """The self-contained provider package, built once per session (`policygen package`, ~15-30 s)."""
    return write_package(tmp_path_factory.mktemp("provider-package") / "dist")
