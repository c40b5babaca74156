"""Hostile policy documents (issue 21, item 3): `check`, `diff` and the Python API refuse them in bounded
time and memory, with one line and no traceback.

Time and memory are measured in the child process that runs the command (its own CPU seconds and
peak resident memory, ``VmHWM`` of /proc/self/status), against generous bounds: what matters is that
reading stops, not how fast this machine is. The subprocess timeout is the backstop for a hang.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from policygen.errors import PolicyDocumentError, PolicyLimitError
from policygen.policy import parse_policy, read_policy, validate_policy

#: Generous bounds for one command: importing policygen and its IAM catalogue takes well under both.
MAX_CPU_SECONDS = 20.0
MAX_PEAK_MIB = 400
_MEASURED = """
import json, resource, sys
from policygen.cli import main
try:
    status = main(sys.argv[2:])
except SystemExit as exc:
    status = exc.code
finally:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # VmHWM is this process image's own peak: ru_maxrss also keeps the peak of the process that forked
    # it (Linux carries it over exec), which in a long test run is the test worker's size, not ours.
    with open("/proc/self/status") as status_file:
        peak = next(int(line.split()[1]) for line in status_file if line.startswith("VmHWM:"))
    with open(sys.argv[1], "w") as out:
        json.dump({"cpu": usage.ru_utime + usage.ru_stime, "peak_kib": peak}, out)
sys.exit(status)
"""
OK = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


@dataclass
class Run:
    """What a command did: its exit status, its output, and what it cost."""

    status: int
    stdout: str
    stderr: str
    cpu: float
    peak_mib: float


def _run(tmp_path: Path, *argv: str) -> Run:
    """Run `policygen ARGV` in a child process; measure its CPU time and peak memory."""
    usage = tmp_path / "usage.json"
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        # No endpoint answers here: a draft that got as far as a call would fail to connect, not hang.
        "AWS_ENDPOINT_URL_ACCESSANALYZER": "http://127.0.0.1:9",
    }
    result = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(usage), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    cost = json.loads(usage.read_text())
    return Run(result.returncode, result.stdout, result.stderr, cost["cpu"], cost["peak_kib"] / 1024)


def _one_line(run: Run, status: int) -> str:
    """The command exited ``status`` with one error line (after argparse's usage for exit 2), no traceback."""
    assert run.status == status, run.stderr
    assert "Traceback" not in run.stderr
    assert run.cpu < MAX_CPU_SECONDS
    assert run.peak_mib < MAX_PEAK_MIB
    lines = [line for line in run.stderr.splitlines() if not line.startswith(("usage: ", " "))]
    (line,) = lines
    return line


def _hostile(tmp_path: Path) -> dict[str, Path]:
    """Hostile documents, each in its own file (and /dev/zero, and a FIFO no one writes to)."""
    deep = "[" * 10_000 + "]" * 10_000
    infinite = json.dumps(OK).replace('"*"', '"*", "Condition": {"NumericLessThan": {"s3:max-keys": 1e999999}}')
    infinite = infinite.replace('"1e999999"', "1e999999")
    files = {
        "deep": deep.encode(),
        "infinite": infinite.encode(),
        "long-number": json.dumps(OK).replace('"*"', "1" + "0" * 5000).encode(),
        "huge": b" " * (2 << 20) + json.dumps(OK).encode(),
        "not-utf8": json.dumps(OK).encode().replace(b"s3:GetObject", b"s3:Get\xffObject"),
        "nul": json.dumps(OK).encode().replace(b"s3:GetObject", b"s3:Get\x00Object"),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_bytes(data)
    paths["dev-zero"] = Path("/dev/zero")
    paths["fifo"] = tmp_path / "fifo.json"
    os.mkfifo(paths["fifo"])
    sparse = tmp_path / "sparse.json"
    with sparse.open("wb") as out:
        out.truncate(20 << 30)  # 20 GB, and not a block of it on disk
    paths["sparse"] = sparse
    (tmp_path / "ok.json").write_text(json.dumps(OK))
    return paths


#: The documents refused when read (usage error, exit 2), and the words of their one line.
UNREADABLE = {
    "huge": "larger than the 1,048,576 bytes (1 MiB) a policy file may have",
    "sparse": "the file is 21,474,836,480 bytes, larger than",
    "not-utf8": "the file is not UTF-8 text: byte 0xff is not valid here",
    "nul": "the file holds a NUL byte",
    "dev-zero": "the path is a character device, not a regular file",
    "fifo": "the path is a named pipe (FIFO), not a regular file",
}
#: The documents refused once read (exit 1), and the words of their one line.
PAST_LIMITS = {
    "deep": "nests arrays and objects more than 64 levels deep",
    "infinite": "holds the number 1e999999, which is too large to be read as a number",
    "long-number": "holds a number written with 5,001 characters",
}


@pytest.mark.parametrize("command", ["diff", "check"])
@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_files_are_usage_errors(tmp_path: Path, command: str, name: str) -> None:
    """A file that is not a regular, small, UTF-8 text file is refused unread: exit 2, one line."""
    path = _hostile(tmp_path)[name]
    argv = ["diff", "ok.json", str(path)] if command == "diff" else ["check", str(path)]
    line = _one_line(_run(tmp_path, *argv), 2)
    assert line.startswith(f"policygen {command}: error: cannot read ")
    assert UNREADABLE[name] in line


@pytest.mark.parametrize("command", ["diff", "check", "check-current"])
@pytest.mark.parametrize("name", sorted(PAST_LIMITS))
def test_documents_past_the_limits_exit_1_before_any_call(tmp_path: Path, command: str, name: str) -> None:
    """Deep nesting and unreadable numbers: exit 1, one line naming the file, no call made."""
    path = _hostile(tmp_path)[name]
    argv = {
        "diff": ["diff", "ok.json", str(path)],
        "check": ["check", str(path)],
        "check-current": ["check", "ok.json", "--current", str(path)],
    }[command]
    line = _one_line(_run(tmp_path, *argv), 1)
    assert line.startswith(f"policygen: The policy document {path} ")
    assert PAST_LIMITS[name] in line
    assert "could not reach" not in line


@pytest.mark.parametrize("name", sorted(PAST_LIMITS))
def test_the_python_api_refuses_documents_past_the_limits(tmp_path: Path, name: str) -> None:
    """parse_policy, read_policy and validate_policy raise PolicyLimitError, with the same sentence."""
    path = _hostile(tmp_path)[name]
    text = path.read_text()
    for call in (lambda: parse_policy(text), lambda: read_policy(path), lambda: validate_policy(text)):
        with pytest.raises(PolicyLimitError, match=PAST_LIMITS[name]):
            call()


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_read_policy_refuses_unreadable_files(tmp_path: Path, name: str) -> None:
    """read_policy raises PolicyDocumentError, saying why, for a file it does not read."""
    path = _hostile(tmp_path)[name]
    with pytest.raises(PolicyDocumentError, match="could not be read") as caught:
        read_policy(path)
    assert UNREADABLE[name] in str(caught.value)


def test_a_plain_syntax_error_is_still_a_finding() -> None:
    """Broken JSON within the limits stays a located JSON_SYNTAX_ERROR finding, as before."""
    (finding,) = validate_policy('{"Version": ')
    assert finding.issue_code == "JSON_SYNTAX_ERROR"
