"""The benchmark's Terraform stacks plan and apply as `make bench` runs them (bench/terraform.py).

`make bench` takes about ten minutes and runs in no test tier, so a stack it cannot apply would go
unseen until someone benchmarks: the stacks of 100 and 500 generations once stopped at the
provider's plan-time daily quota (50 a day per account and Region, as AWS allows).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from bench.terraform import PLAN, generations_hcl

from policygen.distribution.launcher import install_provider, lock_provider
from policygen.emulator import Emulator
from tests.conftest import isolated_env, requires_terraform, run

pytestmark = [pytest.mark.e2e, requires_terraform]


def test_a_bench_stack_beyond_the_daily_quota_applies(tmp_path: Path, make_emulator: Callable[..., Emulator]) -> None:
    """60 generations (more than one day's 50) plan and apply, then plan with no change."""
    emu = make_emulator(job_seconds=0.0, concurrency=1_000_000, daily_quota=1_000_000_000)
    (tmp_path / "main.tf").write_text(generations_hcl(60))
    lock_provider(tmp_path, install_provider(tmp_path / "terraform.d" / "plugins"))
    env = isolated_env(tmp_path / ".home", emu.url)
    run(["terraform", "init", "-input=false", "-no-color"], tmp_path, env)
    run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], tmp_path, env)
    assert len(emu.backend.jobs()) == 60
    assert run(PLAN, tmp_path, env, check=False).returncode == 0  # -detailed-exitcode: no changes
