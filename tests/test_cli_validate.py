"""`policygen validate`: exit codes 0/1/2, text and JSON output, --explain, and the real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policygen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "policygen"

VALID = """\
name: app
policyGenerationDetails:
  principalArn: arn:aws:iam::123456789012:role/app
cloudTrailDetails:
  trails:
    - cloudTrailArn: arn:aws:cloudtrail:us-east-1:123456789012:trail/management
      allRegions: true
  accessRole: arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole
  lookbackDays: 7
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with one valid spec."""
    (tmp_path / "app.yaml").write_text(VALID)
    return tmp_path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    """A spec whose access role is a user (line 8, column 15)."""
    path = tmp_path / "bad.yaml"
    path.write_text(VALID.replace("role/AccessAnalyzerMonitorServiceRole", "user/x"))
    return path


def test_valid_folder_exits_0(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid folder prints how many generations it holds and exits 0."""
    assert main(["validate", str(folder)]) == 0
    assert capsys.readouterr().out == "1 policy generation(s) valid.\n"


def test_invalid_spec_exits_1_with_located_lines(bad: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each problem is one line FILE:LINE:COL: /pointer: message; the count goes to stderr."""
    assert main(["validate", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"{bad}:8:15: /cloudTrailDetails/accessRole: 'arn:aws:iam::123456789012:user/x' is not")
    assert err == "1 problem(s) found.\n"


def test_json_format_lists_problems(bad: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format json prints {valid, problems: [{file, line, column, pointer, message}]}."""
    assert main(["validate", "--format", "json", str(bad)]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["valid"] is False
    (problem,) = payload["problems"]
    assert (problem["file"], problem["line"], problem["column"]) == (str(bad), 8, 15)
    assert problem["pointer"] == "/cloudTrailDetails/accessRole"


def test_json_format_of_a_valid_folder(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid folder in JSON is {valid: true, problems: []}."""
    assert main(["validate", "--format=json", str(folder)]) == 0
    assert json.loads(capsys.readouterr().out) == {"valid": True, "problems": []}


def test_explain_prints_document_and_request(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--explain shows each generation's document and the request it sends today, with its token."""
    assert main(["validate", "--explain", str(folder)]) == 0
    (generation,) = json.loads(capsys.readouterr().out)
    assert generation["name"] == "app"
    assert generation["source"] == f"{folder / 'app.yaml'}:1"
    assert generation["document"]["cloudTrailDetails"]["lookbackDays"] == 7
    request = generation["request"]
    assert "lookbackDays" not in request["cloudTrailDetails"]
    assert request["cloudTrailDetails"]["startTime"].endswith("T00:00:00Z")
    assert len(request["clientToken"]) == 36


def test_explain_shows_every_generation_of_a_file_of_many(capsys: pytest.CaptureFixture[str]) -> None:
    """The example file of many generations explains one entry per generation, defaults merged."""
    assert main(["validate", "--explain", "--format", "json", str(ROOT / "docs" / "examples")]) == 0
    generations = json.loads(capsys.readouterr().out)["generations"]
    assert [g["name"] for g in generations] == ["reporting", "data-pipeline", "support-user"]
    assert all("triggers" not in g["request"] for g in generations)
    assert generations[0]["document"]["triggers"] == {"review": "2026-Q4"}


def test_missing_path_exits_1_with_a_clear_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist is reported as such."""
    assert main(["validate", str(tmp_path / "nope")]) == 1
    assert capsys.readouterr().out == f"{tmp_path / 'nope'}:1:1: /: no such file or folder; check the path.\n"


def test_no_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """validate without a path exits 2 (argparse's usage error)."""
    with pytest.raises(SystemExit) as exited:
        main(["validate"])
    assert exited.value.code == 2
    assert "the following arguments are required: PATH" in capsys.readouterr().err


def test_unknown_format_is_a_usage_error(folder: Path) -> None:
    """An unknown --format exits 2."""
    with pytest.raises(SystemExit) as exited:
        main(["validate", "--format", "xml", str(folder)])
    assert exited.value.code == 2


def test_the_console_script_validates_the_project_specs() -> None:
    """The installed `policygen` script validates specs/ (exit 0), a bad file (1) and no arguments (2)."""
    ok = subprocess.run([str(SCRIPT), "validate", str(ROOT / "specs")], capture_output=True, text=True, check=False)
    assert (ok.returncode, ok.stdout.strip().endswith("policy generation(s) valid.")) == (0, True), ok.stderr
    usage = subprocess.run([str(SCRIPT), "validate"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2


def test_the_console_script_reports_a_bad_file(bad: Path) -> None:
    """Through the real entry point an invalid spec exits 1 with the located line."""
    result = subprocess.run([str(SCRIPT), "validate", str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stdout.startswith(f"{bad}:8:15: /cloudTrailDetails/accessRole:")
