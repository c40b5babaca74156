"""The CLI against bad input: one line saying what is wrong and how to fix it, exit 2 for usage errors
and 1 otherwise, and never a traceback.

Covers the endpoint URL (flag and environment), `fetch --out`, job ids and a hostile endpoint's
answers, and `review` of binary or ill-typed plans. The emulator's own flags are in
tests/emulator/test_cli_flags.py.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policygen.aws.client import AccessAnalyzer, ClientSettings
from policygen.cli import endpoint_url_problem, main
from policygen.emulator import Emulator
from policygen.emulator.samplelogs import write_sample_logs
from tests.emulator.helpers import ACCOUNT, PRINCIPAL, start_request

CONSOLE_SCRIPT = Path(sys.executable).parent / "policygen"
UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials and empty AWS config files; no endpoint from the environment."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_ACCESSANALYZER",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTCLI")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


def _usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI, expect argparse's exit 2, and return its one error line (no traceback)."""
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("usage: policygen ")
    (line,) = [line for line in err.splitlines() if ": error: " in line]
    return line


def _error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the CLI, expect exit 1, and return its one line on stderr (no traceback)."""
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith("policygen: ")
    return line


def _job_with_policy(make_emulator: Callable[..., Emulator], logs: Path) -> tuple[Emulator, str]:
    """An endpoint with synthetic logs of PRINCIPAL and a SUCCEEDED job that has a policy."""
    write_sample_logs(logs, principal_arns=[PRINCIPAL], account_id=ACCOUNT, days=2)
    emu = make_emulator(cloudtrail_dir=logs)
    job_id = AccessAnalyzer(ClientSettings(endpoint_url=emu.url)).start(start_request(days=3))
    return emu, job_id


# --- the endpoint URL -------------------------------------------------------------------------------


BAD_URLS = [
    ("localhost:1234", "it has no scheme; write http://localhost:1234"),
    ("127.0.0.1:4566", "it has no scheme; write http://127.0.0.1:4566"),
    ("http://127.0.0.1:99999", "its port 99999 is not a number from 1 to 65535"),
    ("http://127.0.0.1:0", "its port 0 is not a number from 1 to 65535"),
    ("http://127.0.0.1:abc", "its port abc is not a number from 1 to 65535"),
    ("http://[::1", "its IPv6 address has no closing ']'"),
    ("http://[::1:4566", "its IPv6 address has no closing ']'"),
    ("http://[nope]:4566", "its host in brackets is not an IPv6 address"),
    ("http://::1:4566", "an IPv6 address must be in brackets"),
    ("ftp://127.0.0.1:21", "its scheme is ftp://; use http:// or https://"),
    ("http://:4566", "it names no host"),
    ("http://under_score:80", "its host 'under_score' is not a valid host name"),
    ("http://127.0.0.1 :80", "it contains spaces or control characters"),
    ("", "it is empty"),
]


@pytest.mark.parametrize("command", ["status", "wait", "fetch"])
@pytest.mark.parametrize(("url", "problem"), BAD_URLS[:3])
def test_a_bad_endpoint_url_is_a_usage_error_for_every_command(
    command: str, url: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command that takes --endpoint-url refuses a URL boto3 cannot use: exit 2, the reason and the fix."""
    line = _usage_error([command, UNKNOWN_JOB, "--endpoint-url", url], capsys)
    assert line.startswith(f"policygen {command}: error: argument --endpoint-url: {url!r} is not an endpoint URL: ")
    assert problem in line


@pytest.mark.parametrize(("url", "problem"), BAD_URLS)
def test_endpoint_url_problems_say_what_to_fix(url: str, problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each malformed URL gets its own reason."""
    assert problem in _usage_error(["status", UNKNOWN_JOB, "--endpoint-url", url], capsys)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:4566",
        "https://access-analyzer.us-east-1.amazonaws.com",
        "http://[::1]:4566",
        "http://localhost",
        "http://user@host.example:8080/prefix",
    ],
)
def test_good_endpoint_urls_pass(url: str) -> None:
    """URLs boto3 can call are accepted as given."""
    assert endpoint_url_problem(url) is None


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_ACCESSANALYZER", "AWS_ENDPOINT_URL"])
@pytest.mark.parametrize("command", ["status", "wait", "fetch"])
def test_an_endpoint_variable_that_is_not_a_url_is_named(
    variable: str, command: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A variable boto3 would read but cannot use is refused, naming the variable and how to fix it (exit 2)."""
    monkeypatch.setenv(variable, "localhost:1234")
    line = _usage_error([command, UNKNOWN_JOB], capsys)
    assert f"the environment variable {variable}='localhost:1234' is not an endpoint URL: it has no scheme" in line
    assert f"Fix it, unset it (unset {variable}), or pass --endpoint-url URL." in line


def test_the_service_variable_wins_over_the_global_one(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As in boto3, AWS_ENDPOINT_URL_ACCESSANALYZER is used before AWS_ENDPOINT_URL, which is then not judged."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "not a url")
    job_id = AccessAnalyzer(ClientSettings(endpoint_url=emulator.url)).start(start_request())
    assert main(["status", job_id]) == 0
    assert "status:       SUCCEEDED" in capsys.readouterr().out


def test_endpoint_url_flag_overrides_a_bad_variable(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --endpoint-url, the variables are not used, so a bad one is no error."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", "localhost:1234")
    job_id = AccessAnalyzer(ClientSettings(endpoint_url=emulator.url)).start(start_request())
    assert main(["status", job_id, "--endpoint-url", emulator.url]) == 0
    assert "status:       SUCCEEDED" in capsys.readouterr().out


def test_the_console_script_exits_2_without_a_traceback(tmp_path: Path) -> None:
    """The installed script, given `--endpoint-url localhost:1234`, exits 2 with usage and one error line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y", AWS_REGION="us-east-1", HOME=str(tmp_path))
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "status", UNKNOWN_JOB, "--endpoint-url", "localhost:1234"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        "policygen status: error: argument --endpoint-url: 'localhost:1234' is not an endpoint URL: it has no "
        "scheme; write http://localhost:1234 (or https://localhost:1234)"
    )


# --- fetch: the folder -------------------------------------------------------------------------------


def test_fetch_out_naming_a_file_is_refused_before_any_call(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--out naming an existing file: one line, exit 1, the file untouched, checked before any call."""
    out = tmp_path / "policies"
    out.write_text("keep me")
    line = _error(["fetch", UNKNOWN_JOB, "--out", str(out), "--endpoint-url", emulator.url], capsys)
    assert line == (
        f"policygen: Cannot write the policies into {out}: it is a file, not a folder. Give --out a folder, "
        "or a path that does not exist yet (it is created)."
    )
    assert out.read_text() == "keep me"


def test_fetch_out_under_a_file_is_refused(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--out a/b where a is a file names a as the obstacle."""
    (tmp_path / "a").write_text("")
    line = _error(["fetch", UNKNOWN_JOB, "--out", str(tmp_path / "a" / "b"), "--endpoint-url", emulator.url], capsys)
    assert f"Cannot create the folder {tmp_path / 'a' / 'b'} for the policies: {tmp_path / 'a'} is a file" in line


def test_fetch_out_in_an_unwritable_folder_is_refused(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--out in a folder this user may not write: one line naming the folder, exit 1."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    if os.access(locked, os.W_OK):  # root may write anywhere: make the folder read as locked to it too
        real_access = os.access
        monkeypatch.setattr(
            "policygen.cli.follow.os.access",
            lambda path, mode: False if Path(path) == locked else real_access(path, mode),
        )
    try:
        line = _error(["fetch", UNKNOWN_JOB, "--out", str(locked / "out"), "--endpoint-url", emulator.url], capsys)
    finally:
        locked.chmod(0o700)
    assert f"Cannot write the policies into {locked / 'out'}: the folder {locked} is not writable by you." in line
    assert not (locked / "out").exists()


def test_fetch_where_a_policy_file_cannot_be_written(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A folder in the way of <jobId>-1.json: one line naming the file, exit 1."""
    emu, job_id = _job_with_policy(make_emulator, tmp_path / "logs")
    (tmp_path / "out" / f"{job_id}-1.json").mkdir(parents=True)
    target = tmp_path / "out" / f"{job_id}-1.json"
    line = _error(["fetch", job_id, "--out", str(tmp_path / "out"), "--endpoint-url", emu.url], capsys)
    assert line.startswith(f"policygen: Not writing {target}: a folder of that name is already there")
    argv = ["fetch", job_id, "--out", str(tmp_path / "out"), "--endpoint-url", emu.url, "--overwrite"]
    line = _error(argv, capsys)
    assert line.startswith(f"policygen: Cannot write the policy file {target}: ")


# --- fetch: the job id, and what the endpoint answers --------------------------------------------------


@pytest.mark.parametrize("job_id", ["../../x", "a/b", "..", ".hidden", "x" * 201, "id with space", "ümlaut"])
def test_fetch_refuses_a_job_id_that_cannot_name_a_file(
    job_id: str, emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The id the user gives must be letters, digits, '.', '_' and '-': a usage error otherwise, nothing written."""
    line = _usage_error(["fetch", job_id, "--out", str(tmp_path / "out"), "--endpoint-url", emulator.url], capsys)
    assert line.startswith(f"policygen fetch: error: argument JOB_ID: {job_id[:80]!r}")
    assert "is not a policy generation job id" in line
    assert not (tmp_path / "out").exists()


def _answer_for(emu: Emulator, rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Make the endpoint's GetGeneratedPolicy answers pass through ``rewrite``: a hostile endpoint."""
    responses = emu._server.responses.access_analyzer  # type: ignore[union-attr]
    honest = responses.get_generated_policy
    responses.get_generated_policy = lambda params, request: rewrite(honest(params, request))  # type: ignore[method-assign]


def test_fetch_writes_nothing_when_the_endpoint_answers_for_another_job(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An endpoint that answers with the jobId ../../evil gets an error naming both ids, and no file anywhere."""
    emu, job_id = _job_with_policy(make_emulator, tmp_path / "logs")

    def evil(document: dict[str, Any]) -> dict[str, Any]:
        document["jobDetails"]["jobId"] = "../../evil"
        return document

    _answer_for(emu, evil)
    out = tmp_path / "deep" / "er" / "out"
    line = _error(["fetch", job_id, "--out", str(out), "--endpoint-url", emu.url], capsys)
    assert line.startswith(
        f"policygen: The endpoint answered GetGeneratedPolicy for job '../../evil' when asked for job '{job_id}', "
        "so nothing was written."
    )
    assert not out.exists()
    assert list(tmp_path.rglob("evil*")) == []


def test_fetch_refuses_a_policy_that_is_not_json(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A generated policy that is not a JSON object is an error of the endpoint, exit 1, nothing written."""
    emu, job_id = _job_with_policy(make_emulator, tmp_path / "logs")

    def garbage(document: dict[str, Any]) -> dict[str, Any]:
        document["generatedPolicyResult"]["generatedPolicies"] = [{"policy": "<html>"}]
        return document

    _answer_for(emu, garbage)
    line = _error(["fetch", job_id, "--out", str(tmp_path / "out"), "--endpoint-url", emu.url], capsys)
    assert f"returned a policy for job {job_id} that is not a JSON policy document ('<html>')" in line
    assert not (tmp_path / "out").exists()


def test_fetch_names_files_after_the_id_given(
    make_emulator: Callable[..., Emulator], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The honest case still works: DIR/<the id given>-1.json."""
    emu, job_id = _job_with_policy(make_emulator, tmp_path / "logs")
    assert main(["fetch", job_id, "--out", str(tmp_path / "out"), "--endpoint-url", emu.url]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'out' / f'{job_id}-1.json'}\n"


# --- review -------------------------------------------------------------------------------------------


def _plan(**extra: Any) -> dict[str, Any]:
    return {"format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": [], **extra}


def _generation(change: Any) -> dict[str, Any]:
    return {
        "address": "accessanalyzer_policy_generation.app",
        "type": "accessanalyzer_policy_generation",
        "name": "app",
        "mode": "managed",
        "change": change,
    }


def test_review_of_a_binary_plan_file_says_to_run_terraform_show(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The file `terraform plan -out` writes (a zip) is a usage error naming the command to run first."""
    path = tmp_path / "tfplan"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tfplan", b"\x00\x01binary plan")
    line = _usage_error(["review", str(path)], capsys)
    assert line == (
        f"policygen review: error: {path} is a binary plan file, as `terraform plan -out` saves it; policygen "
        f"reads its JSON. Run `terraform show -json {path} > plan.json` and pass plan.json, or pipe it: "
        f"`terraform show -json {path} | policygen review -`."
    )


def test_review_of_a_binary_plan_on_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same from standard input, read as bytes."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"PK\x03\x04\x14\x00binary")))
    line = _usage_error(["review", "-"], capsys)
    assert "standard input is a binary plan file" in line
    assert "`terraform show -json PLANFILE | policygen review -`" in line


def test_review_of_other_binary_data(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Bytes that are no text at all are a usage error too."""
    path = tmp_path / "plan.json"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xd8\xff")
    assert f"{path} is binary data, not the JSON of a plan" in _usage_error(["review", str(path)], capsys)


def test_review_reads_a_utf16_plan(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A plan saved as UTF-16 with a byte order mark (PowerShell's `>`) is read."""
    path = tmp_path / "plan.json"
    path.write_bytes(json.dumps(_plan()).encode("utf-16"))
    assert main(["review", str(path)]) == 0
    assert "no changes" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("plan", "problem"),
    [
        (_plan(resource_changes="x"), "resource_changes is a string, not an array"),
        (_plan(resource_changes=[7]), "resource_changes[0] is a number, not an object"),
        (_plan(resource_changes=[_generation([])]), "resource_changes[0].change is an array, not an object"),
        (_plan(resource_changes=[_generation(None)]), "resource_changes[0].change is null, not an object"),
        (
            _plan(resource_changes=[_generation({"actions": "create"})]),
            "resource_changes[0].change.actions is a string, not an array",
        ),
        (_plan(resource_changes=[_generation({"actions": [1]})]), "resource_changes[0].change.actions[0] is a number"),
        (
            _plan(resource_changes=[_generation({"actions": ["create"], "after": {"trails": {"a": 1}}})]),
            "resource_changes[0].change.after.trails is an object, not an array",
        ),
        (
            _plan(resource_changes=[_generation({"actions": ["create"], "after": {"lookback_days": "ten"}})]),
            "resource_changes[0].change.after.lookback_days is a string, not a number",
        ),
        (
            _plan(resource_changes=[_generation({"actions": ["create"], "after": {"principal_arn": ["a"]}})]),
            "resource_changes[0].change.after.principal_arn is an array, not a string",
        ),
        (
            _plan(
                timestamp="2026-01-10T00:00:00Z",
                resource_changes=[_generation({"actions": ["create"], "after": {"start_time": "2026-01-01T00:00:00"}})],
            ),
            "resource_changes[0].change.after.start_time has no time zone while timestamp has one",
        ),
        (
            _plan(
                resource_changes=[
                    _generation(
                        {
                            "actions": ["create"],
                            "after": {"start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-05T00:00:00"},
                        }
                    )
                ],
            ),
            "resource_changes[0].change.after.end_time has no time zone while resource_changes[0].change.after."
            "start_time has one",
        ),
        (_plan(configuration=[]), "configuration is an array, not an object"),
        (
            _plan(configuration={"provider_config": {"aws": {"expressions": {"region": {"constant_value": 1}}}}}),
            "configuration.provider_config['aws'].expressions.region.constant_value is a number, not a string",
        ),
        (
            _plan(configuration={"root_module": {"module_calls": {"m": {"module": {"resources": "x"}}}}}),
            "configuration.root_module.module_calls['m'].module.resources is a string, not an array",
        ),
    ],
)
def test_review_of_a_plan_with_wrong_types_is_one_line(
    plan: dict[str, Any], problem: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Plan JSON whose values have the wrong JSON type names the value; exit 1, no traceback."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    line = _error(["review", str(path)], capsys)
    assert line.startswith(f"policygen: {path} is not a plan as `terraform show -json` writes it: {problem}")
    assert line.endswith("Pass its unmodified output (`terraform show -json PLANFILE`).")


def test_review_of_deeply_nested_json_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """100,000 levels of nesting (a RecursionError in the parser) are refused in one line."""
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": "1.2", "resource_changes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert "nests its JSON too deeply" in _error(["review", str(path)], capsys)


def test_review_of_a_folder_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A folder given as PLAN cannot be read: one line, exit 1."""
    assert f"Cannot read the plan {tmp_path}: Is a directory." in _error(["review", str(tmp_path)], capsys)
