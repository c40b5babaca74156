"""Hostile spec files (issue 12, item 1): every one is refused with a located message, boundedly.

Each case goes through ``policygen validate`` (``main``) and asserts the message and the exit
status (1: the spec is bad). The cases that used to hang, recurse or eat gigabytes also run in a
child process under an address-space limit of 1 GiB and a generous timeout, which reports its
peak resident memory (``VmHWM``, the interpreter and its imports included; ``getrusage`` would
include the peak of the pytest process it was forked from); the test bounds that peak. No test
asserts a duration.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from policygen.cli import main
from policygen.errors import SpecError
from policygen.spec import check_paths, document_findings, from_document
from policygen.spec.limits import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    MAX_PROBLEMS,
    MAX_QUOTED,
    LongNumber,
    quote,
)

from .helpers import MANY, NOW, SINGLE, check, load, only, write

#: The bomb of the issue: nine anchors, each a list of nine aliases of the one before (342 bytes).
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9 if prev else ['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)

#: Peak resident memory allowed for checking one hostile file, interpreter included (the issue's bound).
MEMORY_BOUND = 100 * 1024 * 1024

CHILD = """
import contextlib, io, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from policygen.cli import main
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
    status = main(["validate", *sys.argv[1:]])
try:  # this process's own peak: ru_maxrss would carry over the peak of the pytest process that forked it
    status_lines = open("/proc/self/status").read().splitlines()
    peak = next(int(line.split()[1]) for line in status_lines if line.startswith("VmHWM:")) * 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
print(json.dumps({"status": status, "out": out.getvalue(), "err": err.getvalue(), "peak": peak}))
"""


def bounded(*paths: Path) -> dict[str, object]:
    """Run ``policygen validate PATHS`` in a child limited to 1 GiB; its status, output and peak memory.

    The timeout only keeps a regression (a hang, a runaway expansion) from stalling the suite.
    """
    result = subprocess.run(
        [sys.executable, "-c", CHILD, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report: dict[str, object] = json.loads(result.stdout)
    assert isinstance(report["peak"], int)
    assert report["peak"] < MEMORY_BOUND, report["peak"]
    return report


def validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``policygen validate PATH``: the exit status and what it printed on stdout."""
    status = main(["validate", str(path)])
    return status, capsys.readouterr().out


# ---- aliases -------------------------------------------------------------------------------------


def test_alias_bomb_is_refused_at_the_alias_that_passes_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The billion laughs: refused at the first alias whose expansion passes 10,000 values."""
    path = write(tmp_path, "bomb.yaml", BOMB)
    assert len(BOMB.encode()) < 400
    status, out = validate(path, capsys)
    assert status == 1
    problem = only(check(path))
    assert (problem.line, problem.column, problem.pointer) == (5, 8, "")
    assert problem.message.startswith(
        f"the alias *d repeats 7,381 values here, which takes the document past {MAX_NODES:,} values"
    )
    assert "share them with `defaults`" in problem.message
    assert out == f"{path}:5:8: /: {problem.message}\n"


def test_alias_bomb_is_bounded_in_time_and_memory(tmp_path: Path) -> None:
    """Before: past 60 s and 2.7 GB. Now it returns within the child's 1 GiB, peaking under 100 MB."""
    report = bounded(write(tmp_path, "bomb.yaml", BOMB))
    assert report["status"] == 1
    assert "the alias *d repeats 7,381 values" in str(report["out"])


def test_alias_of_a_long_string_is_bounded_by_the_text_it_repeats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Few values, but each alias repeats half a megabyte: the expanded text is bounded too."""
    text = "a: &a '" + "x" * 500_000 + "'\nb: [" + ", ".join(["*a"] * 9) + "]\n"
    path = write(tmp_path, "text.yaml", text)
    status, out = validate(path, capsys)
    assert status == 1
    assert "the alias *a repeats 500,000 characters of text here" in out
    assert "past 1,048,576 characters of text" in out
    assert len(out) < 1000


def test_alias_inside_its_own_anchor_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A recursive alias is refused at the alias, naming the anchor and its line."""
    path = write(tmp_path, "loop.yaml", "name: app\ntriggers: &t\n  self: *t\n")
    status, out = validate(path, capsys)
    assert status == 1
    assert out == (
        f"{path}:3:9: /: the alias *t is used inside the node of its own anchor &t (line 2), "
        "which would make the document infinite; remove the alias.\n"
    )


def test_aliases_within_the_limits_still_work(tmp_path: Path) -> None:
    """Anchors used a few times are fine: the limit counts the expanded document, not the use of aliases."""
    text = SINGLE.replace(
        "  accessRole: arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole",
        "  accessRole: &role arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole",
    ).replace("regions: [us-east-1, eu-west-1]", "regions: &regions [us-east-1, eu-west-1]")
    text += "triggers: {role: *role}\n"
    (spec,) = load(write(tmp_path, "spec.yaml", text))
    assert spec.triggers == {"role": "arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole"}


def test_an_anchor_defined_twice_is_quiet_and_means_the_latest(tmp_path: Path) -> None:
    """YAML allows redefining an anchor; no warning is printed, and the alias takes the latest value."""
    text = SINGLE + "triggers: {a: &v one, b: &v two, c: *v}\n"
    (spec,) = load(write(tmp_path, "spec.yaml", text))
    assert spec.triggers == {"a": "one", "b": "two", "c": "two"}


# ---- nesting -------------------------------------------------------------------------------------

DEEP = {
    "flow lists": "[" * 10_000 + "]" * 10_000,
    "flow mappings": "a: " + "{a: " * 10_000 + "1" + "}" * 10_000,
    "block sequences": "- " * 10_000 + "x\n",
    "block mappings": "".join(" " * i + "a:\n" for i in range(300)) + " " * 300 + "a: 1\n",
    "json": '{"a": ' * 10_000 + "1" + "}" * 10_000,
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_is_refused_naming_the_limit(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Thousands of levels of nesting: one located line naming the limit, never a RecursionError."""
    path = write(tmp_path, "deep.json" if text.startswith("{") else "deep.yaml", text)
    status, out = validate(path, capsys)
    assert status == 1
    problem = only(check(path))
    assert problem.message == (
        f"the file nests mappings and lists more than {MAX_DEPTH} levels deep here; a spec nests at most 7. "
        "Remove the extra levels."
    )
    assert problem.line >= 1
    assert out == f"{path}:{problem.line}:{problem.column}: /: {problem.message}\n"


def test_deep_nesting_is_bounded_in_time_and_memory(tmp_path: Path) -> None:
    """Before: a RecursionError traceback. Now the child returns the located line, within its limits."""
    report = bounded(write(tmp_path, "deep.yaml", DEEP["flow lists"]))
    assert (report["status"], report["err"]) == (1, "1 problem(s) found.\n")
    assert f"more than {MAX_DEPTH} levels deep" in str(report["out"])


def test_nesting_at_the_limit_is_judged_normally(tmp_path: Path) -> None:
    """64 levels in all (the file's own mapping, then `triggers`, then 62 lists) pass the depth check."""
    depth = MAX_DEPTH - 2
    problem = only(check(write(tmp_path, "spec.yaml", SINGLE + "triggers: {x: " + "[" * depth + "]" * depth + "}\n")))
    assert problem.message == "the trigger 'x' must be a string, not a list. Quote the value, e.g. rev: \"2\"."
    deeper = only(check(write(tmp_path, "spec.yaml", SINGLE + "triggers: {x: " + "[" * 63 + "]" * 63 + "}\n")))
    assert f"more than {MAX_DEPTH} levels deep" in deeper.message


def test_an_alias_that_would_nest_too_deep_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Depth counts expanded aliases: a 40-deep anchor used 40 levels down is 80 levels deep."""
    nest = "[" * 40 + "]" * 40
    text = f"a: &deep {nest}\nb: " + "[" * 40 + "*deep" + "]" * 40 + "\n"
    status, out = validate(write(tmp_path, "spec.yaml", text), capsys)
    assert status == 1
    assert f"more than {MAX_DEPTH} levels deep with the alias *deep expanded" in out


# ---- what the path is ----------------------------------------------------------------------------


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    """A named pipe with no writer would block open() forever: it is refused from its stat."""
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    report = bounded(fifo)
    assert report["status"] == 1
    assert report["out"] == (
        f"{fifo}:1:1: /: the path is a named pipe (FIFO), not a regular file; it is not read, because reading "
        "it could wait forever or never end. Give the path of a spec file (*.yaml, *.yml, *.json).\n"
    )


def test_a_fifo_in_a_folder_is_reported_not_skipped(tmp_path: Path) -> None:
    """A pipe named like a spec in a folder is refused beside the good files, never read, never skipped."""
    write(tmp_path, "app.yaml", SINGLE)
    os.mkfifo(tmp_path / "pipe.yaml")
    report = bounded(tmp_path)
    assert report["status"] == 1
    assert str(report["out"]).startswith(f"{tmp_path / 'pipe.yaml'}:1:1: /: the path is a named pipe (FIFO)")


def test_a_device_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """/dev/zero never ends; a link named like a spec that points at it is refused as a device."""
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    status, out = validate(link, capsys)
    assert status == 1
    assert out.startswith(f"{link}:1:1: /: the path is a character device, not a regular file;")


def test_a_socket_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Unix socket is not a file to read."""
    path = tmp_path / "s.yaml"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        status, out = validate(path, capsys)
    finally:
        server.close()
    assert status == 1
    assert out.startswith(f"{path}:1:1: /: the path is a socket, not a regular file;")


def test_a_symlink_loop_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A link that leads back to itself (ELOOP) is named as such, not as a missing file."""
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    status, out = validate(loop, capsys)
    assert status == 1
    assert out == (
        f"{loop}:1:1: /: the path is a loop of symbolic links (a link that leads back to itself); "
        "point it at a spec file.\n"
    )


def test_a_symlink_loop_in_a_folder_is_reported(tmp_path: Path) -> None:
    """In a folder too, beside the valid files: a generation that cannot be read is never dropped silently."""
    write(tmp_path, "app.yaml", SINGLE)
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    problem = only(check(tmp_path))
    assert (Path(problem.file).name, problem.message[:40]) == ("loop.yaml", "the path is a loop of symbolic links (a ")


def test_a_broken_symlink_names_its_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A link to nothing says where it points."""
    link = tmp_path / "app.yaml"
    link.symlink_to("gone.yaml")
    status, out = validate(link, capsys)
    assert status == 1
    assert out == f"{link}:1:1: /: the path is a symbolic link to 'gone.yaml', which does not exist; fix the link.\n"


def test_a_usage_error_still_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Refusals of files are problems of the input (1); a bad flag is argparse's usage error (2)."""
    with pytest.raises(SystemExit) as exited:
        main(["validate", "--format", "yaml", "x.yaml"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# ---- size and bytes ------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """52 MB (sparse, so nothing is written): the size and the limit, from stat alone.

    Had it been read, its NUL bytes would have been reported instead of its size.
    """
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(52_428_812)
    status, out = validate(path, capsys)
    assert status == 1
    assert out == (
        f"{path}:1:1: /: the file is 52,428,812 bytes, larger than the 1,048,576 bytes (1 MiB) a spec file may "
        "have; a spec is a few kilobytes. Check that this is the right file, or split it into smaller files.\n"
    )


def test_the_issue_50_mb_name_is_refused_by_size(tmp_path: Path) -> None:
    """The 50 MB name of the issue no longer reaches the parser, so it cannot be echoed back."""
    path = write(tmp_path, "name.yaml", "name: " + "a" * (50 << 20) + "\n")
    report = bounded(path)
    assert report["status"] == 1
    assert "larger than the 1,048,576 bytes (1 MiB)" in str(report["out"])
    assert len(str(report["out"])) < 500


def test_a_file_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    """The limit is inclusive: a valid spec padded with comments to exactly 1 MiB is valid."""
    line = "# " + "x" * 77 + "\n"
    padding = MAX_FILE_BYTES - len(SINGLE)
    text = line * (padding // len(line)) + "#" * (padding % len(line) - 1) + "\n" + SINGLE
    assert len(text.encode()) == MAX_FILE_BYTES
    assert [s.name for s in load(write(tmp_path, "spec.yaml", text))] == ["app"]


def test_an_empty_file_keeps_its_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty file is still "empty", not a size or read problem."""
    status, out = validate(write(tmp_path, "spec.yaml", ""), capsys)
    assert status == 1
    assert (
        out == f"{tmp_path / 'spec.yaml'}:1:1: /: the file is empty; it must hold a spec mapping (see docs/spec.md).\n"
    )


def test_a_binary_file_is_refused_at_its_first_nul(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An executable (NUL bytes): one line saying it is binary, at the first NUL."""
    path = tmp_path / "tool.yaml"
    path.write_bytes(b"\x7fELF\n\x02\x01\x00\x00\x00")
    status, out = validate(path, capsys)
    assert status == 1
    assert out == (
        f"{path}:2:3: /: the file holds a NUL byte: it is binary data (or UTF-16 text), not a YAML or JSON spec; "
        "give a spec file saved as UTF-8 text.\n"
    )


def test_utf16_text_is_refused_as_binary(tmp_path: Path) -> None:
    """A spec saved as UTF-16 is full of NUL bytes."""
    path = tmp_path / "spec.yaml"
    path.write_bytes(SINGLE.encode("utf-16"))
    assert "binary data (or UTF-16 text)" in only(check(path)).message


def test_bytes_that_are_not_utf8_are_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Latin-1 text: the line and column of the first byte that is not UTF-8."""
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"name: app\ncloudTrailDetails: caf\xe9\n")
    status, out = validate(path, capsys)
    assert status == 1
    assert out == f"{path}:2:23: /: the file is not UTF-8 text: byte 0xe9 is not valid here; save it as UTF-8.\n"


def test_a_control_character_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A control character YAML does not allow: its code point and place, not ruamel's "<unicode string>"."""
    status, out = validate(write(tmp_path, "spec.yaml", "name: app\x01\n"), capsys)
    assert status == 1
    assert out.startswith(f"{tmp_path / 'spec.yaml'}:1:10: /: the file holds the control character U+0001,")


# ---- values quoted in messages -------------------------------------------------------------------

LONG = "a" * 1_000_000


@pytest.mark.parametrize(
    ("old", "new", "pointer"),
    [
        ("name: app", f"name: {LONG}", "/name"),
        ("arn:aws:iam::123456789012:role/app", f"'x{':' * 200_000}'", "/policyGenerationDetails/principalArn"),
        ("role/app", f"role/{LONG}", "/policyGenerationDetails/principalArn"),
        ("us-east-1, eu-west-1", f"us-east-1, {LONG}", "/cloudTrailDetails/trails/0/regions/1"),
        ("us-east-1, eu-west-1", f"us-east-1, aa-{LONG}-1", "/cloudTrailDetails/trails/0/regions/1"),
        ("endTime: 2026-11-20T00:00:00Z", f"endTime: '{LONG}'", "/cloudTrailDetails/endTime"),
        ("trail/management", f"trail/{LONG}", "/cloudTrailDetails/trails/0/cloudTrailArn"),
    ],
    ids=["name", "arn-colons", "arn-name", "region", "region-shaped", "timestamp", "trail"],
)
def test_long_values_are_cut_in_messages(
    old: str, new: str, pointer: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A megabyte value is quoted as its first 80 characters and its length, in every kind of message."""
    path = write(tmp_path, "spec.yaml", SINGLE.replace(old, new, 1))
    status, out = validate(path, capsys)
    assert status == 1
    problem = next(p for p in check(path) if p.pointer == pointer)
    assert "… (" in problem.message
    assert " characters)" in problem.message
    assert len(problem.message) < 600, problem.message[:300]
    assert len(out) < 3000


def test_a_long_unknown_key_is_cut_in_the_message_and_the_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An explicit key of half a megabyte over 4,000 values: bounded, and printed cut (the line says where)."""
    text = SINGLE + "? " + "k" * 500_000 + "\n: [" + ", ".join(["0"] * 4000) + "]\n"
    path = write(tmp_path, "spec.yaml", text)
    status, out = validate(path, capsys)
    assert status == 1
    assert out == (
        f"{path}:12:3: /{'k' * MAX_QUOTED}… (500,000 characters): unknown key '{'k' * MAX_QUOTED}'… "
        "(500,000 characters); allowed keys here: clientToken, cloudTrailDetails, name, policyGenerationDetails, "
        "triggers.\n"
    )
    assert bounded(path)["status"] == 1  # before: 3.8 GB, a pointer per value repeating the key


def test_a_name_of_many_bad_characters_lists_a_few() -> None:
    """A name's bad characters are listed up to five, then counted (a 64-character name can hold 60)."""
    findings = document_findings({"name": "a" + "".join(chr(0x100 + i) for i in range(60))})
    (message,) = [m for p, m in findings if p == "/name"]
    assert "it contains 'Ā', 'ā', 'Ă', 'ă', 'Ą' and 55 other characters." in message
    assert len(message) < 400


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("short", "'short'"),
        ("x" * 81, f"'{'x' * 80}'… (81 characters)"),
        (float("inf"), ".inf"),
        (float("-inf"), "-.inf"),
        (float("nan"), ".nan"),
        (10**100, f"1{'0' * 79}… (101 digits)"),
        (10**5000, "a number of about 5,001 digits"),
        (list(range(100)), "[0, 1, 2, 3, …]"),
        ({"a": [[["deep"]]]}, "{'a': [[…]]}"),
        (LongNumber("9" * 5000, 5000), "a number of 5,000 digits"),
    ],
    ids=["short", "long", "inf", "-inf", "nan", "10**100", "10**5000", "list", "nested", "long-number"],
)
def test_quote_cuts_every_kind_of_value(value: object, shown: str) -> None:
    """The one helper every message uses: short values as repr, long ones cut with their length."""
    assert quote(value) == shown


# ---- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("1e999", ".inf (infinity; YAML reads 1e999 and any number too large as .inf)"),
        (".inf", ".inf (infinity; YAML reads 1e999 and any number too large as .inf)"),
        ("-.inf", "-.inf (infinity; YAML reads 1e999 and any number too large as .inf)"),
        (".nan", ".nan (not a number)"),
        ("7.5", "7.5"),
        ("1" + "0" * 400, f"1{'0' * 79}… (401 digits)"),
        ("1" + "0" * 5000, "a number of 5,001 digits"),
        ("0x" + "f" * 900, "a number of 1,084 digits"),
    ],
    ids=["1e999", "inf", "-inf", "nan", "fraction", "10**400", "10**5000", "hex"],
)
def test_numbers_out_of_any_range_get_plain_words(
    written: str, shown: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Huge numbers, .inf and .nan: where they were written, in the field's own terms."""
    path = write(
        tmp_path, "spec.yaml", SINGLE.replace("  startTime: 2026-11-01T00:00:00Z", f"  lookbackDays: {written}")
    )
    status, out = validate(path, capsys)
    assert status == 1
    problem = only(check(path))
    assert (problem.line, problem.column, problem.pointer) == (9, 17, "/cloudTrailDetails/lookbackDays")
    assert problem.message == f"lookbackDays must be a whole number of days from 1 to 90, not {shown}."
    assert "Exceeds the limit" not in out


def test_an_ordinary_number_out_of_range_keeps_its_message(tmp_path: Path) -> None:
    """91 days is still "between 1 and 90" (test_rejections has it too)."""
    text = SINGLE.replace("  startTime: 2026-11-01T00:00:00Z", "  lookbackDays: 91")
    assert only(check(write(tmp_path, "spec.yaml", text))).message == "lookbackDays must be between 1 and 90, not 91."


def test_a_version_that_is_infinite(tmp_path: Path) -> None:
    """`version: .inf` is quoted as YAML writes it."""
    problems = check(write(tmp_path, "many.yaml", MANY.replace("version: 1", "version: .inf")))
    assert problems[0].message == "version must be 1, not .inf: the only version of this file format."


def test_a_long_number_as_a_key_is_quoted_as_written(tmp_path: Path) -> None:
    """A 2,000-digit key is kept unread, and quoted cut."""
    problems = check(write(tmp_path, "spec.yaml", SINGLE + "? " + "9" * 2000 + "\n: x\n"))
    assert f"unknown key '{'9' * MAX_QUOTED}'… (2,000 characters)" in only(problems).message


def test_a_bad_tagged_number_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`!!int abc` is reported at the value, with the value, in plain words."""
    path = write(
        tmp_path, "spec.yaml", SINGLE.replace("  startTime: 2026-11-01T00:00:00Z", "  lookbackDays: !!int abc")
    )
    status, out = validate(path, capsys)
    assert status == 1
    assert (
        out == f"{path}:9:17: /: the value 'abc' is tagged !!int but is not a whole number; remove the tag or fix it.\n"
    )


# ---- size of what is checked ---------------------------------------------------------------------


def test_a_file_of_too_many_values_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A megabyte of list items stops at the 10,001st value."""
    status, out = validate(write(tmp_path, "spec.yaml", "- 0\n" * 260_000), capsys)
    assert status == 1
    assert out == (
        f"{tmp_path / 'spec.yaml'}:10000:3: /: the file holds more than {MAX_NODES:,} values (keys, items and "
        "scalars); a spec holds a few dozen. Split it into smaller files.\n"
    )


def test_generations_merged_over_large_defaults_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """2,000 triggers in the defaults times 500 generations would merge into a million values: refused first."""
    triggers = ", ".join(f"t{i}: v" for i in range(2000))
    text = MANY.replace("    lookbackDays: 30\n", f"    lookbackDays: 30\n  triggers: {{{triggers}}}\n")
    text += "".join(f"  - {{name: g{i}, principalArn: arn:aws:iam::123456789012:role/g{i}}}\n" for i in range(500))
    path = write(tmp_path, "many.yaml", text)
    status, out = validate(path, capsys)
    assert status == 1
    problem = only(check(path))
    assert out == f"{path}:11:3: /generations: {problem.message}\n"
    assert (problem.line, problem.pointer) == (11, "/generations")
    assert problem.message.startswith(
        f"the generations of this file, each merged over `defaults`, hold more than {MAX_NODES:,} values;"
    )
    assert bounded(path)["status"] == 1


def test_many_problems_are_capped_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """5,000 bad Regions, numbers and strings mixed: the first 100 problems and a note, boundedly.

    jsonschema's uniqueItems compared every pair of these (it cannot sort them): 9 s before.
    """
    regions = ", ".join(f"{i}, ua-eaast-{i}" for i in range(2500))
    path = write(tmp_path, "spec.yaml", SINGLE.replace("[us-east-1, eu-west-1]", f"[{regions}]"))
    status, out = validate(path, capsys)
    assert status == 1
    assert out.count("\n") == MAX_PROBLEMS + 1
    problems = check(path)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0].message == (
        f"more than {MAX_PROBLEMS} problems: checking stopped after the first {MAX_PROBLEMS}, listed here. "
        "Fix them and check again."
    )
    assert bounded(path)["status"] == 1


def test_duplicate_regions_among_mixed_items_are_still_found(tmp_path: Path) -> None:
    """The linear uniqueItems finds a duplicate among items of mixed types, and tells true from 1."""
    text = SINGLE.replace("[us-east-1, eu-west-1]", "[us-east-1, eu-west-1, us-east-1]")
    assert "lists the same value more than once" in only(check(write(tmp_path, "spec.yaml", text))).message
    assert not [
        m for p, m in document_findings({"cloudTrailDetails": {"trails": [{"regions": [1, True]}]}}) if "same" in m
    ]


# ---- documents from the provider and the constructs ------------------------------------------------


def nested(depth: int) -> dict[str, object]:
    """``{"a": {"a": ... }}``, ``depth`` mappings deep, built without recursion."""
    doc: dict[str, object] = {}
    for _ in range(depth - 1):
        doc = {"a": doc}
    return doc


def test_a_deep_document_is_refused_without_recursion() -> None:
    """The provider's and the constructs' documents never went through YAML: bounded on their own."""
    findings = document_findings({"name": "app", "triggers": nested(10_000)})
    assert findings == [
        (
            "/triggers" + "/a" * (MAX_DEPTH - 1),  # the mapping at depth 65 (the document is depth 1)
            f"the document nests mappings and lists more than {MAX_DEPTH} levels deep here; a request nests at "
            "most 7. Remove the extra levels.",
        )
    ]
    with pytest.raises(SpecError, match="levels deep"):
        from_document({"triggers": nested(10_000)})


def test_a_circular_document_is_refused() -> None:
    """A mapping that holds itself ends at the depth limit, not in an endless walk."""
    doc: dict[str, object] = {"name": "app"}
    doc["triggers"] = doc
    ((pointer, message),) = document_findings(doc)
    assert pointer.startswith("/triggers/triggers")
    assert "levels deep" in message


def test_a_wide_document_is_refused() -> None:
    """More than 10,000 values in a request."""
    assert document_findings({"triggers": {f"t{i}": "v" for i in range(20_000)}}) == [
        ("", f"the document holds more than {MAX_NODES:,} values; a request holds a few dozen.")
    ]


def test_a_huge_integer_in_a_document_is_refused_in_words() -> None:
    """A 5,001-digit integer from HCL would crash jsonschema's message (Python cannot print it)."""
    findings = document_findings({"cloudTrailDetails": {"lookbackDays": 10**5000}})
    assert findings == [
        (
            "/cloudTrailDetails/lookbackDays",
            "lookbackDays is a number of about 5,001 digits, more than the 1,000 any value of a request may have; "
            "give the number meant.",
        )
    ]


def test_infinity_in_a_document_gets_the_same_words_as_in_a_file() -> None:
    """The provider's path says .inf the way a file's does."""
    findings = dict(document_findings({"cloudTrailDetails": {"lookbackDays": float("inf")}}, now=NOW))
    assert findings["/cloudTrailDetails/lookbackDays"].startswith(
        "lookbackDays must be a whole number of days from 1 to 90, not .inf"
    )


def test_check_paths_never_raises_on_any_hostile_file(tmp_path: Path) -> None:
    """Every case above in one folder: one run, one problem list, no exception."""
    for index, text in enumerate([BOMB, *DEEP.values()]):
        write(tmp_path, f"{index}.yaml", text)
    specs, problems = check_paths([tmp_path], now=NOW)
    assert specs == []
    assert len({p.file for p in problems}) == 1 + len(DEEP)
