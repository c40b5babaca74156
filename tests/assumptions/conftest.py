"""The ``target`` of every assumption: the embedded endpoint always, a real AWS account on demand.

Every test of this package takes ``target`` and runs once per side: ``[emulator]`` in every run,
``[aws]`` only when ``POLICYGEN_REAL_AWS_ACCOUNT`` is set (see :mod:`tests.assumptions.real_aws`
for the checks that side passes first, and docs/assumptions.md for how to run it). The real-AWS
side is made once per session, and cancels what it started at the end.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from policygen.emulator import Emulator
from policygen.emulator.world import World
from tests.emulator.helpers import ACCESS_ROLE, FakeClock

from .real_aws import MARKER, RealAwsRefused, connect, sides
from .targets import JOB_SECONDS, AwsTarget, EmulatorTarget, Target


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that takes ``target`` on each side: ``emulator``, and ``aws`` when asked for."""
    if "target" in metafunc.fixturenames:
        params = [
            pytest.param(side, marks=[getattr(pytest.mark, MARKER)] if side == "aws" else [], id=side)
            for side in sides(os.environ)
        ]
        metafunc.parametrize("target", params, indirect=True)


@pytest.fixture(scope="session")
def aws_target() -> Iterator[AwsTarget]:
    """The real account, after every check of the gate (a refusal fails each real-AWS test)."""
    try:
        real = connect()
    except RealAwsRefused as exc:
        pytest.fail(str(exc), pytrace=False)
    target = AwsTarget(real)
    yield target
    target.clean_up()


@pytest.fixture
def target(request: pytest.FixtureRequest, make_emulator: Callable[..., Emulator]) -> Target:
    """The side of this run of the test: a fresh embedded endpoint, or the session's real account."""
    if request.param == "aws":
        aws: AwsTarget = request.getfixturevalue("aws_target")
        return aws
    clock = FakeClock()
    emulator = make_emulator(job_seconds=JOB_SECONDS, clock=clock, world=World(access_roles=frozenset({ACCESS_ROLE})))
    return EmulatorTarget(emulator, clock)
