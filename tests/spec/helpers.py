"""Spec texts and a one-call checker shared by the spec tests.

Every test judges time against :data:`NOW`, so that "in the future" and "90 days" never depend on
the clock of the machine running the suite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from policygen.errors import Problem
from policygen.spec import Spec, check_paths

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

#: A valid file of one generation. Value columns: principalArn 3:17, cloudTrailArn 6:22,
#: regions items 7:17 and 7:28, accessRole 8:15, startTime 9:14, endTime 10:12.
SINGLE = """\
name: app
policyGenerationDetails:
  principalArn: arn:aws:iam::123456789012:role/app
cloudTrailDetails:
  trails:
    - cloudTrailArn: arn:aws:cloudtrail:us-east-1:123456789012:trail/management
      regions: [us-east-1, eu-west-1]
  accessRole: arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole
  startTime: 2026-11-01T00:00:00Z
  endTime: 2026-11-20T00:00:00Z
"""

#: A valid file of many generations. Entries start at lines 10 (app), 12 (worker), 16 (ci).
MANY = """\
version: 1
defaults:
  cloudTrailDetails:
    trails:
      - cloudTrailArn: arn:aws:cloudtrail:us-east-1:123456789012:trail/management
        allRegions: true
    accessRole: arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole
    lookbackDays: 30
generations:
  - name: app
    principalArn: arn:aws:iam::123456789012:role/app
  - name: worker
    principalArn: arn:aws:iam::123456789012:role/worker
    cloudTrailDetails:
      lookbackDays: 7
  - name: ci
    policyGenerationDetails:
      principalArn: arn:aws:iam::123456789012:user/ci
"""


def write(folder: Path, name: str, text: str) -> Path:
    """Write a spec file into ``folder`` and return its path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def check(*paths: Path) -> list[Problem]:
    """Every problem of the given files or folders, judged at :data:`NOW`."""
    return check_paths(paths, now=NOW)[1]


def load(*paths: Path) -> list[Spec]:
    """The specs of valid files (asserting there is no problem), judged at :data:`NOW`."""
    specs, problems = check_paths(paths, now=NOW)
    assert problems == [], [str(p) for p in problems]
    return specs


def only(problems: list[Problem]) -> Problem:
    """The single problem of a list (failing with the whole list otherwise)."""
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]
