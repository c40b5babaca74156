"""`policygen fetch --out DIR` writes where asked and nowhere else (issue 21, item 4).

A symbolic link inside DIR named like an output file is never followed; a file that fetch did not
write in this run is never replaced without ``--overwrite``, which replaces it (a link by a file).
The job is real: started with boto3 against the embedded endpoint, fetched through the CLI's entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from policygen.cli import main
from policygen.emulator import Emulator
from policygen.emulator.samplelogs import write_sample_logs
from tests.emulator.helpers import ACCOUNT, PRINCIPAL, make_client, start_request


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials and empty AWS config files."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


@pytest.fixture
def job(make_emulator: Callable[..., Emulator], tmp_path: Path) -> tuple[str, str]:
    """The endpoint's URL and a SUCCEEDED job that has a policy, started with boto3."""
    write_sample_logs(tmp_path / "logs", principal_arns=[PRINCIPAL], account_id=ACCOUNT, days=2)
    emu = make_emulator(cloudtrail_dir=tmp_path / "logs")
    job_id: str = make_client(emu.url).start_policy_generation(**start_request(days=3))["jobId"]
    return emu.url, job_id


def _fetch(job: tuple[str, str], out: Path, *more: str) -> int:
    url, job_id = job
    return main(["fetch", job_id, "--out", str(out), "--endpoint-url", url, *more])


def test_a_link_named_like_the_output_is_not_followed(
    job: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A link DIR/<jobId>-1.json pointing out of DIR: refused, exit 1; the target is untouched."""
    out, target = tmp_path / "out", tmp_path / "precious.txt"
    out.mkdir()
    target.write_text("precious\n")
    (out / f"{job[1]}-1.json").symlink_to(target)
    assert _fetch(job, out) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"policygen: Not writing {out / f'{job[1]}-1.json'}: a symbolic link of that name")
    assert "--overwrite" in line
    assert target.read_text() == "precious\n"


def test_overwrite_replaces_the_link_not_its_target(job: tuple[str, str], tmp_path: Path) -> None:
    """With --overwrite, the link itself is replaced by the policy file; what it pointed to is untouched."""
    out, target = tmp_path / "out", tmp_path / "precious.txt"
    out.mkdir()
    target.write_text("precious\n")
    link = out / f"{job[1]}-1.json"
    link.symlink_to(target)
    assert _fetch(job, out, "--overwrite") == 0
    assert not link.is_symlink()
    assert json.loads(link.read_text())["Version"] == "2012-10-17"
    assert target.read_text() == "precious\n"


def test_a_file_from_before_is_not_replaced_without_overwrite(
    job: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second fetch into the same folder refuses, writes nothing, and names --overwrite; with it, it succeeds."""
    out = tmp_path / "out"
    assert _fetch(job, out) == 0
    written = out / f"{job[1]}-1.json"
    written.write_text("edited by hand\n")
    capsys.readouterr()
    assert _fetch(job, out) == 1
    assert "a file of that name is already there" in capsys.readouterr().err
    assert written.read_text() == "edited by hand\n"
    assert _fetch(job, out, "--overwrite") == 0
    assert json.loads(written.read_text())["Version"] == "2012-10-17"


def test_nothing_but_the_policy_files_is_left_in_the_folder(job: tuple[str, str], tmp_path: Path) -> None:
    """The folder holds exactly <jobId>-<n>.json afterwards (no temporary files)."""
    out = tmp_path / "out"
    assert _fetch(job, out) == 0
    assert sorted(p.name for p in out.iterdir()) == [f"{job[1]}-1.json"]
