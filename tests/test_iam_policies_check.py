"""Every identity policy policygen asks someone to grant passes the project's own `policygen check` (issue 23).

`policygen check FILE` runs ValidatePolicy at the embedded endpoint (the ``emulator`` fixture) through
the real command line; a document passes when it exits 0 and has no finding at or above
SECURITY_WARNING. Trust policies are resource policies, which `check` does not validate: the
parliament tests in test_iam_policies.py cover them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policygen.aws.iam import deployer_policy, service_role_policy
from policygen.cli import main
from policygen.emulator import Emulator

ACCOUNTS = ("111111111111", "222222222222")
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNTS[0]}:role/service-role/AccessAnalyzerMonitorServiceRole"
GENERATION_ROLES = [f"arn:aws:iam::{a}:role/PolicyGeneration" for a in ACCOUNTS]

DOCUMENTS: dict[str, dict[str, Any]] = {
    "deployer": deployer_policy(access_role_arns=[ACCESS_ROLE], region="us-east-1"),
    "deployer-without-checks": deployer_policy(access_role_arns=[ACCESS_ROLE], policy_checks=False),
    "deployer-assuming-roles": deployer_policy(assume_role_arns=GENERATION_ROLES, session_tags=True),
    "assumed-generation-role": deployer_policy(access_role_arns=[ACCESS_ROLE], region=["us-east-1", "eu-west-1"]),
    "service-role": service_role_policy(trail_bucket_arn="arn:aws:s3:::org-trail-logs", account_id=ACCOUNTS[0]),
}


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials and empty AWS config files; no endpoint from the environment."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ACCESSANALYZER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTIAMCHECK")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_generated_policy_passes_policygen_check(
    name: str, emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`policygen check` of the document exits 0 with no ERROR or SECURITY_WARNING finding."""
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(DOCUMENTS[name], indent=2))
    status = main(["check", str(path), "--endpoint-url", emulator.url, "--fail-on", "SECURITY_WARNING",
                   "--format", "json"])  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert status == 0, report
    assert report["result"] == "PASS"
    assert not report["blockingFindings"]
