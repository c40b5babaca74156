"""An organisation with the real terraform (issue 23): one provider per account, each assuming its role.

* examples/organization initialises and validates as its README says (needs no STS).
* The constructs over a spec folder with principals in three accounts (``main.py`` with
  ``POLICYGEN_ROLES``) plan and apply against the embedded endpoint: each job starts in its
  principal's account through that account's provider, and ``policygen review`` of the plan shows
  the account and the role. This part needs the endpoint's STS (AssumeRole); until the endpoint
  answers GetCallerIdentity it is skipped, saying so.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import boto3
import botocore.exceptions
import botocore.parsers
import pytest

from policygen.emulator import Emulator
from tests.conftest import ROOT, isolated_env, requires_terraform, run, synth
from tests.constructs.test_organization import write_specs
from tests.e2e.test_hcl_example import cli_config

pytestmark = [pytest.mark.e2e, requires_terraform]

POLICYGEN = Path(sys.executable).parent / "policygen"
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
PATTERN = "arn:aws:iam::{account}:role/PolicyGeneration"


def speaks_sts(emulator: Emulator) -> bool:
    """Whether the embedded endpoint answers STS (the issue-23 STS work): GetCallerIdentity succeeds."""
    client = boto3.client(
        "sts", endpoint_url=emulator.url, region_name="us-east-1",
        aws_access_key_id="AKIAPROBE", aws_secret_access_key="probe",
    )  # fmt: skip
    try:
        client.get_caller_identity()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, botocore.parsers.ResponseParserError):
        return False
    return True


def test_the_organization_example_validates(tmp_path: Path, emulator: Emulator) -> None:
    """examples/organization: init from the mirror, validate; one aliased provider per account."""
    workdir = Path(shutil.copytree(ROOT / "examples" / "organization", tmp_path / "config"))
    env = isolated_env(tmp_path / "home", emulator.url)
    mirror = tmp_path / "mirror"
    run([str(POLICYGEN), "install-provider", "--dir", str(mirror)], tmp_path, env)
    Path(env["TF_CLI_CONFIG_FILE"]).write_text(cli_config(mirror))
    run(["terraform", "init", "-input=false", "-no-color"], workdir, env)
    result = run(["terraform", "validate", "-json", "-no-color"], workdir, env)
    assert json.loads(result.stdout)["valid"] is True


def test_the_constructs_spread_three_accounts_over_their_providers(
    tmp_path: Path, emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """main.py with POLICYGEN_ROLES: each account's jobs start in that account; review names account and role."""
    if not speaks_sts(emulator):
        pytest.skip("the embedded endpoint does not speak STS yet (issue 23, branch issue-23-sts)")
    specs = write_specs(tmp_path / "specs", dict.fromkeys(ACCOUNTS, 2))
    env = {
        **isolated_env(tmp_path / "home", emulator.url),
        "POLICYGEN_ROLES": PATTERN,
        "POLICYGEN_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_STS": emulator.url,
    }
    stack = synth(tmp_path, specs, env, tmp_path / "cdktf.out")
    run(["terraform", "init", "-input=false", "-no-color"], stack, env)
    run(["terraform", "plan", "-input=false", "-no-color", "-out=org.tfplan"], stack, env)
    plan = run(["terraform", "show", "-json", "org.tfplan"], stack, env).stdout
    (tmp_path / "plan.json").write_text(plan)
    from policygen.cli import main

    assert main(["review", str(tmp_path / "plan.json")]) == 0
    review = capsys.readouterr().out
    for account in ACCOUNTS:
        assert f"- **Account:** {account} (assumes `{PATTERN.format(account=account)}`)" in review
    run(["terraform", "apply", "-input=false", "-no-color", "org.tfplan"], stack, env)
    for account in ACCOUNTS:
        jobs = emulator.backend.jobs(account=account)
        assert sorted(job.principal_arn.split(":")[4] for job in jobs) == [account, account]
