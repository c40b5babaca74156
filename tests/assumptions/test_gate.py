"""The gate of the real-AWS side holds: without the variable only the emulator side exists, and it fails closed.

Every test here points every AWS endpoint at loopback and uses fake credentials, so that even a
broken gate could not reach a public endpoint from this file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.stub import Stubber

from policygen.emulator import Emulator
from tests.conftest import ROOT

from .real_aws import (
    ACCOUNT_VARIABLE,
    MARKER,
    RealAwsRefused,
    check_identity,
    connect,
    endpoint_refusal,
    settings,
    sides,
)
from .targets import ASSUMPTION_MODULES

ACCOUNT = "123456789012"
#: A loopback port nothing listens on (discard): a call there is refused at once.
NOWHERE = "http://127.0.0.1:9"
HERE = Path(__file__).resolve().parent


def contained_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment for a child pytest: no real-AWS variable, no AWS configuration, every endpoint on loopback."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "POLICYGEN_REAL_AWS_", "PYTEST_")) and k != "CI"
    }
    env.update(
        HOME=str(home),
        AWS_CONFIG_FILE=str(home / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL=NOWHERE,
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    env.update(extra)
    return env


def child_pytest(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """pytest on this package in a child process (one process: no xdist)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE), "-p", "no:xdist", "-p", "no:cacheprovider", "-q", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def contained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, emulator: Emulator) -> Emulator:
    """This process's environment as :func:`contained_env`, with every endpoint at ``emulator``."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "POLICYGEN_REAL_AWS_", "PYTEST_XDIST")) or name == "CI":
            monkeypatch.delenv(name)
    for name, value in contained_env(tmp_path, AWS_ENDPOINT_URL=emulator.url).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv(ACCOUNT_VARIABLE, ACCOUNT)
    return emulator


def test_sides_are_the_emulator_alone_without_the_variable() -> None:
    """Unset or empty, the variable leaves the emulator side alone; set, it adds the real-AWS side."""
    assert sides({}) == ["emulator"]
    assert sides({ACCOUNT_VARIABLE: ""}) == ["emulator"]
    assert sides({"CI": "true"}) == ["emulator"]
    assert sides({ACCOUNT_VARIABLE: ACCOUNT}) == ["emulator", "aws"]


def test_without_the_variable_no_real_aws_test_is_collected(tmp_path: Path) -> None:
    """A run without the variable collects every assumption on the emulator side, and none on the real-AWS side."""
    result = child_pytest(contained_env(tmp_path), "--collect-only")
    ids = [line for line in result.stdout.splitlines() if line.split("::")[0].endswith(ASSUMPTION_MODULES)]
    sided = [i for i in ids if i.endswith("]")]
    assert result.returncode == 0, result.stdout + result.stderr
    assert sided == ids
    assert all(i.endswith("[emulator]") for i in sided), sided
    with_variable = child_pytest(contained_env(tmp_path, **{ACCOUNT_VARIABLE: ACCOUNT}), "--collect-only")
    aws_ids = [line for line in with_variable.stdout.splitlines() if line.endswith("[aws]")]
    assert len(aws_ids) == len(sided)


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"CI": "true"}, "never run in CI"),
        ({}, "would call http://127.0.0.1:9"),
        ({ACCOUNT_VARIABLE: "12345"}, "12-digit"),
    ],
    ids=["ci", "endpoint", "account"],
)
def test_a_refused_real_aws_side_fails_every_test(tmp_path: Path, extra: dict[str, str], says: str) -> None:
    """With the variable set, a run whose gate refuses fails each real-AWS test, saying why; none passes or skips."""
    env = contained_env(tmp_path, **{ACCOUNT_VARIABLE: ACCOUNT, **extra})
    result = child_pytest(env, "-m", MARKER, "-rE")
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 1, result.stdout
    assert re.fullmatch(r"\d+ deselected, (\d+) errors in .*", summary), summary
    assert says in result.stdout


def test_settings_refuse_ci() -> None:
    """CI=true with the variable set is refused, however the rest is configured."""
    with pytest.raises(RealAwsRefused, match="never run in CI"):
        settings({ACCOUNT_VARIABLE: ACCOUNT, "CI": "true"})


def test_settings_refuse_an_xdist_worker() -> None:
    """The real-AWS side refuses to run in a pytest-xdist worker (its tests share one job, in order)."""
    with pytest.raises(RealAwsRefused, match="no:xdist"):
        settings({ACCOUNT_VARIABLE: ACCOUNT, "PYTEST_XDIST_WORKER": "gw0"})


@pytest.mark.parametrize("account", ["12345", " 123456789012", "12345678901a", "1234567890123"])
def test_settings_refuse_what_is_not_an_account_id(account: str) -> None:
    """The variable must be a 12-digit account id."""
    with pytest.raises(RealAwsRefused, match="12-digit"):
        settings({ACCOUNT_VARIABLE: account})


@pytest.mark.parametrize(
    "url",
    [
        "https://access-analyzer.us-east-1.amazonaws.com",
        "https://access-analyzer-fips.us-gov-west-1.amazonaws.com",
        "https://access-analyzer.cn-north-1.amazonaws.com.cn",
        "https://access-analyzer.eu-west-1.api.aws",
    ],
)
def test_aws_endpoints_pass(url: str) -> None:
    """Access Analyzer's own endpoints, in every partition botocore knows, are AWS's."""
    assert endpoint_refusal("access-analyzer", url) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:4566",
        "http://access-analyzer.us-east-1.amazonaws.com",
        "https://access-analyzer.us-east-1.amazonaws.com:8443",
        "https://access-analyzer.us-east-1.amazonaws.com.example.test",
        "https://amazonaws.com.example.test",
        "https://example.test/access-analyzer.us-east-1.amazonaws.com",
        "https://sts.us-east-1.amazonaws.com",
        "https://user@access-analyzer.us-east-1.amazonaws.com",
    ],
)
def test_other_endpoints_are_refused(url: str) -> None:
    """Loopback, plain http, other ports, look-alike hosts and another service's endpoint are not Access Analyzer's."""
    assert endpoint_refusal("access-analyzer", url) is not None


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ACCESSANALYZER", "AWS_ENDPOINT_URL_STS"])
def test_connect_refuses_an_endpoint_that_is_not_aws_before_any_call(
    contained: Emulator, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """An endpoint variable pointing elsewhere, for either client, is refused, and nothing is called."""
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", contained.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", contained.url)
    monkeypatch.setenv(variable, contained.url)
    with pytest.raises(RealAwsRefused, match=re.escape(contained.url)):
        connect()
    assert contained.requests.total() == 0


def test_identity_of_another_account_is_refused(contained: Emulator) -> None:
    """Credentials whose sts:GetCallerIdentity account is not the named one are refused; the named one passes."""
    import boto3

    sts = boto3.client("sts", endpoint_url=contained.url)
    arn = f"arn:aws:iam::{ACCOUNT}:user/tester"
    with Stubber(sts) as stub:
        stub.add_response("get_caller_identity", {"UserId": "AIDA", "Account": "210987654321", "Arn": arn})
        stub.add_response("get_caller_identity", {"UserId": "AIDA", "Account": ACCOUNT, "Arn": arn})
        with pytest.raises(RealAwsRefused, match="account 210987654321"):
            check_identity(ACCOUNT, sts)
        assert check_identity(ACCOUNT, sts) == arn
    assert contained.requests.total() == 0


def test_identity_that_cannot_be_read_is_refused(contained: Emulator) -> None:
    """A failing sts:GetCallerIdentity (say, invalid credentials) refuses the run instead of skipping the check."""
    import boto3

    sts = boto3.client("sts", endpoint_url=contained.url)
    with Stubber(sts) as stub:
        stub.add_client_error("get_caller_identity", "InvalidClientTokenId", http_status_code=403)
        with pytest.raises(RealAwsRefused, match="InvalidClientTokenId"):
            check_identity(ACCOUNT, sts)


def test_make_never_passes_the_variable_on(tmp_path: Path) -> None:
    """make (make test, make check, every target) runs its commands without the variable, even when it is set."""
    probe = 'assumptions-probe: ; @echo "[$$POLICYGEN_REAL_AWS_ACCOUNT]"'
    result = subprocess.run(
        ["make", "-s", "-f", "Makefile", "--eval", probe, "assumptions-probe"],
        cwd=ROOT,
        env=contained_env(tmp_path, **{ACCOUNT_VARIABLE: ACCOUNT}),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr
