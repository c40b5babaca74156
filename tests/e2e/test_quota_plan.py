"""A plan that cannot fit the day's quota fails on the creates beyond it, unless allowed (issue 23, item 5)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from policygen.emulator import Emulator
from tests.e2e.test_lifecycle import Workdir, generation

pytestmark = [pytest.mark.e2e]

LOW = 'provider "accessanalyzer" {\n  region = "af-south-1"\n%s}\n'  # 5 generations a day there


def six_generations(tf: Workdir, provider_settings: str = "") -> None:
    blocks = [generation(f"g{i}", extra="provider = accessanalyzer.low") for i in range(6)]
    tf.write(
        LOW.replace('provider "accessanalyzer" {', 'provider "accessanalyzer" {\n  alias = "low"') % provider_settings,
        *blocks,
    )


def test_creates_beyond_the_quota_fail_the_plan_with_the_numbers(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Six creates in a 5-a-day Region: the plan fails on one of them, naming the quota and the way out."""
    emu = make_emulator(job_seconds=0.0)
    tf = workdir(emu)
    six_generations(tf)
    tf.tf("init")
    plan = tf.tf("plan", check=False)
    assert plan.returncode == 1
    said = " ".join(plan.stderr.split())
    assert said.count("Error: Beyond the daily quota of policy generations") == 1
    assert "create 6 of this plan in Region af-south-1" in said
    assert "allows 5 a day" in said
    assert "allow_later_days = true" in said
    assert emu.backend.jobs() == []


def test_allow_later_days_lets_the_plan_hold_them(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """With allow_later_days = true the same configuration plans: the starts beyond the quota fail at apply."""
    emu = make_emulator(job_seconds=0.0)
    tf = workdir(emu)
    six_generations(tf, "  allow_later_days = true\n")
    tf.tf("init")
    plan = tf.tf("plan", check=False)
    assert plan.returncode == 0, plan.stderr
    assert "6 to add" in plan.stdout
