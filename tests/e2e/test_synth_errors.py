"""A spec error under `cdktf synth` (issue 22, item 6): each problem on a line of its own, printed once by the
app; cdktf itself repeats the app's stderr once more in its summary ("Command output on stderr")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import CDKTF, ROOT, isolated_env, requires_cdktf, run

pytestmark = [pytest.mark.cdk_cli, requires_cdktf]

BAD = """name: app-role
policyGenerationDetails:
  principalArn: arn:aws:iam::123456789012:role/app
cloudTrailDetails:
  trails:
    - cloudTrailArn: arn:aws:cloudtrail:us-east-1:123456789012:trail/management
      regions: [us-east-1]
  accessRole: arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole
  lookbackDays: 300
"""


def test_a_spec_error_under_cdktf_synth_is_one_clean_line(tmp_path: Path) -> None:
    """The located problem stands on a line of its own, once from the app and once in cdktf's summary."""
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "bad.yaml").write_text(BAD)
    env = {**isolated_env(tmp_path / "home"), "POLICYGEN_SPECS": str(specs)}
    result = run([str(CDKTF), "synth", "--output", str(tmp_path / "out")], ROOT, env, check=False)
    assert result.returncode != 0
    text = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    problem = (
        f"{specs / 'bad.yaml'}:9:17: /cloudTrailDetails/lookbackDays: lookbackDays must be between 1 and 90, not 300."
    )
    lines = [line.strip() for line in text.splitlines()]
    assert lines.count(problem) == 2, text  # the app's line, and cdktf's "Command output on stderr" copy
    assert all(line == problem or problem not in line for line in lines), text  # never glued to another
    assert "Traceback" not in text
