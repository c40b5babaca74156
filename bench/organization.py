"""Accounts side by side: 12 generations of S-second jobs over 3 accounts x 2 Regions, next to 12 in one.

Access Analyzer runs one generation at a time per account and Region. Each provider configuration
is its own Terraform provider process with its own start queue, so 12 generations spread over 3
accounts and 2 Regions (6 configurations, 2 generations each) cannot end before 2 x S seconds,
and the same 12 in one account and Region not before 12 x S. Every resource waits for its job
(``wait_for_completion = true``), so the apply ends when the last job has finished. Each
configuration is also applied with jobs that finish at once, in turns with the timed runs: that
apply's wall time is the **fixed cost** (Terraform's and the providers' start-ups, the calls).

The target (issue 23): wall(spread) <= 1.15 x (12 x S / 6) + fixed(spread), both measured in the
same run; reported as ``bound_ratio = (wall - fixed) / (12 x S / 6)`` (at most 1.15).

How the providers become accounts, against the embedded endpoint with a world of 3 accounts:

* ``assume_role`` (once the endpoint speaks STS, issue 23's other half): each provider assumes
  ``arn:aws:iam::<account>:role/PolicyGeneration`` with the runner's one identity, as
  ``AccountProviders`` writes it.
* ``profile`` (until then): each provider names a profile whose access key the world maps to the
  account (``World(accounts=...)``); the queues and quotas are the account's all the same.

``--via auto`` (the default) uses ``assume_role`` when the endpoint answers GetCallerIdentity.

    .venv/bin/python bench/organization.py [--runs 3] [--job-seconds 2] [--via auto|assume_role|profile]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import log, summary, timed
from bench.terraform import APPLY, Workdir

from policygen.emulator import Emulator
from policygen.emulator.world import World

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("us-east-1", "eu-west-1")
GENERATIONS = 12
ROLE = "arn:aws:iam::{account}:role/PolicyGeneration"

HEADER = """
terraform {
  required_providers {
    accessanalyzer = { source = "terraform.local/policygen/accessanalyzer", version = "0.1.0" }
  }
}
"""


def _provider(account: str, region: str, via: str, endpoint: str) -> str:
    alias = f"a{account}_{region.replace('-', '_')}"
    if via == "assume_role":
        role = ROLE.format(account=account)
        who = f'  sts_endpoint = "{endpoint}"\n  assume_role {{\n    role_arn = "{role}"\n  }}\n'
    else:
        who = f'  profile = "{alias}"\n'
    return f'provider "accessanalyzer" {{\n  alias  = "{alias}"\n  region = "{region}"\n{who}}}\n'


def _resource(index: int, account: str, region: str) -> str:
    alias = f"a{account}_{region.replace('-', '_')}"
    return (
        f'resource "accessanalyzer_policy_generation" "role_{index:02d}" {{\n'
        f"  provider      = accessanalyzer.{alias}\n"
        f'  principal_arn = "arn:aws:iam::{account}:role/role-{index:02d}"\n'
        f'  access_role   = "arn:aws:iam::{account}:role/AccessAnalyzerMonitorServiceRole"\n'
        f'  trails        = [{{ cloud_trail_arn = "arn:aws:cloudtrail:{region}:{account}:trail/management", '
        f'regions = ["{region}"] }}]\n'
        "  lookback_days = 7\n"
        "  wait_for_completion = true\n}\n"
    )


def organization_hcl(queues: list[tuple[str, str]], via: str, endpoint: str) -> str:
    """12 generations spread round-robin over ``queues`` (account, Region), one provider block each."""
    blocks = [HEADER, *(_provider(a, r, via, endpoint) for a, r in queues)]
    blocks += [_resource(i, *queues[i % len(queues)]) for i in range(GENERATIONS)]
    return "".join(blocks)


def _keys(account: str, region: str) -> tuple[str, str]:
    """The access key of a profile (one per account and Region), and its account."""
    return f"AKIABENCH{account}{region.replace('-', '')[:6].upper()}", account


def _profiles(workdir: Workdir, queues: list[tuple[str, str]]) -> None:
    """AWS config files with one profile per queue, whose key the world maps to the queue's account."""
    config = workdir.path / ".aws-config"
    credentials = workdir.path / ".aws-credentials"
    lines, secrets = [], []
    for account, region in queues:
        alias = f"a{account}_{region.replace('-', '_')}"
        key, _ = _keys(account, region)
        lines.append(f"[profile {alias}]\nregion = {region}\n")
        secrets.append(f"[{alias}]\naws_access_key_id = {key}\naws_secret_access_key = bench\n")
    config.write_text("\n".join(lines))
    credentials.write_text("\n".join(secrets))
    workdir.env.update({"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)})
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        workdir.env.pop(name, None)


def speaks_sts(url: str) -> bool:
    """Whether the endpoint answers STS GetCallerIdentity."""
    import boto3

    client = boto3.client("sts", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="AKIAPROBE", aws_secret_access_key="probe")  # noqa: S106  # fmt: skip
    try:
        client.get_caller_identity()
    except Exception:
        return False
    return True


def _apply(work: Path, queues: list[tuple[str, str]], job_seconds: float, via: str) -> float:
    """Wall time of one apply against a fresh endpoint; checks one job per generation, one at a time per queue."""
    world = World(accounts=dict(_keys(a, r) for a, r in queues)) if via == "profile" else None
    with Emulator(job_seconds=job_seconds, concurrency=1, daily_quota=1_000_000, world=world) as emulator:
        workdir = Workdir(work, organization_hcl(queues, via, emulator.url), emulator.url, provider=True)
        if via == "profile":
            _profiles(workdir, queues)
        # Every generation waits for its job, so each holds one of Terraform's walk slots until its job
        # ends: with the default -parallelism=10, the 11th and 12th would start only when two others have
        # finished, whatever their queue. Let all 12 wait at once, as README ("Many generations") advises.
        seconds = timed([*APPLY, f"-parallelism={GENERATIONS}"], workdir.path, workdir.env)
        jobs = emulator.backend.jobs()
        if len(jobs) != GENERATIONS:
            raise RuntimeError(f"expected {GENERATIONS} jobs, the endpoint recorded {len(jobs)}")
        for account, region in queues:
            mine = emulator.backend.jobs(account=account, region=region)
            if any(job.principal_arn.split(":")[4] != account for job in mine):
                raise RuntimeError(f"a job of another account ran in {account}")
            for earlier, later in itertools.pairwise(mine):
                if earlier.completed_on is None or later.started_on < earlier.completed_on:
                    raise RuntimeError(f"two jobs were in progress at once in {account} {region}")
    return seconds


def _scenario(work: Path, queues: list[tuple[str, str]], job_seconds: float, runs: int, via: str) -> dict[str, Any]:
    walls, fixed = [], []
    for run in range(runs):
        walls.append(_apply(work / f"timed-{run}", queues, job_seconds, via))
        fixed.append(_apply(work / f"fixed-{run}", queues, 0.0, via))
    limit = GENERATIONS * job_seconds / len(queues)
    scheduled = [wall - base for wall, base in zip(walls, fixed, strict=True)]
    return {
        "queues": [f"{a} {r}" for a, r in queues],
        "limit": limit,
        "wall": summary(walls),
        "fixed": summary(fixed),
        "scheduled": summary(scheduled),
        "bound_ratio": statistics.median(scheduled) / limit,
    }


def measure(work: Path, job_seconds: float, runs: int, via: str = "auto") -> dict[str, Any]:
    """The spread configuration (3 accounts x 2 Regions) and the same 12 in one account and Region."""
    if via == "auto":
        with Emulator() as probe:
            via = "assume_role" if speaks_sts(probe.url) else "profile"
    spread = [(a, r) for a in ACCOUNTS for r in REGIONS]
    log(f"organization: {GENERATIONS} generations of {job_seconds:g} s, 3 accounts x 2 Regions ({via}), {runs} runs")
    result_spread = _scenario(work / "spread", spread, job_seconds, runs, via)
    log(f"organization: the same {GENERATIONS} in one account and Region")
    result_one = _scenario(work / "one", spread[:1], job_seconds, runs, via)
    return {
        "via": via,
        "job_seconds": job_seconds,
        "spread": result_spread,
        "one": result_one,
        "target": 1.15,
        "meets_target": result_spread["bound_ratio"] <= 1.15,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--job-seconds", type=float, default=2.0)
    parser.add_argument("--via", choices=("auto", "assume_role", "profile"), default="auto")
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-org-") as tmp:
        print(json.dumps(measure(args.work or Path(tmp), args.job_seconds, args.runs, args.via), indent=2))


if __name__ == "__main__":
    main()
