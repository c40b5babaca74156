"""The provider's assume_role with the real terraform against the embedded endpoint's STS (issue 23, item 1).

A world of one caller account (999999999999, the CI runner's identity) and member accounts whose
PolicyGeneration role trusts it: jobs land in the role's account, a refused AssumeRole is a plan
error naming the role and account, and credentials that expire during a wait are assumed again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from policygen.emulator import Emulator
from policygen.emulator.models import World
from tests.e2e.background import background_apply, until
from tests.e2e.test_lifecycle import Workdir
from tests.emulator.helpers import FakeClock

pytestmark = [pytest.mark.e2e]

CALLER = "999999999999"
MEMBERS = ("111111111111", "222222222222")
KEY, SECRET = "AKIACIRUNNER0000001", "ci-runner-secret"


def role(account: str) -> str:
    return f"arn:aws:iam::{account}:role/PolicyGeneration"


def world(*, signatures: bool = True) -> World:
    """The organisation; ``signatures`` False leaves SigV4 unchecked (a test that moves the endpoint's clock
    by hours would otherwise see its requests refused as signed too long ago), expiry is enforced anyway."""
    roles: dict[str, object] = {role(a): {"trustedAccounts": [CALLER]} for a in MEMBERS}
    roles[role("333333333333")] = {"trustedAccounts": ["444444444444"]}  # does not trust the runner
    roles[role("555555555555")] = {"trustedAccounts": [CALLER], "externalId": "right-id"}
    secrets = {"secretAccessKeys": {KEY: SECRET}} if signatures else {}
    return World.from_document({"accounts": {KEY: CALLER}, **secrets, "roles": roles})


def provider(alias: str, account: str, endpoint: str, extra: str = "") -> str:
    return f"""
provider "accessanalyzer" {{
  alias        = "{alias}"
  region       = "us-east-1"
  sts_endpoint = "{endpoint}"
  assume_role {{
    role_arn = "{role(account)}"
    {extra}
  }}
}}
"""


def generation(name: str, account: str, alias: str, extra: str = "") -> str:
    return f"""
resource "accessanalyzer_policy_generation" "{name}" {{
  provider      = accessanalyzer.{alias}
  principal_arn = "arn:aws:iam::{account}:role/{name}"
  access_role   = "arn:aws:iam::{account}:role/AccessAnalyzerMonitorServiceRole"
  trails        = [{{ cloud_trail_arn = "arn:aws:cloudtrail:us-east-1:{account}:trail/main", all_regions = true }}]
  lookback_days = 7
  {extra}
}}
"""


def workdir_as_runner(make: Callable[..., Workdir], emu: Emulator) -> Workdir:
    tf = make(emu)
    tf.env.update(AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET)
    return tf


def test_two_accounts_through_assumed_roles_in_one_apply(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Each aliased provider assumes its account's role: the jobs are that account's, none the runner's."""
    emu = make_emulator(job_seconds=0.0, world=world())
    tf = workdir_as_runner(workdir, emu)
    blocks = [provider(f"a{a}", a, emu.url) for a in MEMBERS]
    blocks += [generation(f"app{a[0]}", a, f"a{a}") for a in MEMBERS]
    tf.write(*blocks)
    tf.tf("init")
    tf.tf("apply", "-auto-approve")
    for account in MEMBERS:
        (job,) = emu.backend.jobs(account=account)
        assert job.principal_arn == f"arn:aws:iam::{account}:role/app{account[0]}"
    assert emu.backend.jobs(account=CALLER) == []
    assert tf.tf("plan", "-detailed-exitcode", check=False).returncode == 0
    tf.tf("destroy", "-auto-approve")


@pytest.mark.parametrize(
    ("account", "extra", "words"),
    [
        ("333333333333", "", "the role arn:aws:iam::333333333333:role/PolicyGeneration (account 333333333333)"),
        ("555555555555", 'external_id = "wrong-id"', "external_id"),
        ("777777777777", "", "Could not assume the role arn:aws:iam::777777777777:role/PolicyGeneration"),
    ],
    ids=["untrusted", "external-id", "unknown-role"],
)
def test_a_refused_assume_role_fails_the_plan_naming_role_and_account(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir], account: str, extra: str, words: str
) -> None:
    """AccessDenied on AssumeRole is an error of `terraform plan`, with the role, its account and the fix."""
    emu = make_emulator(job_seconds=0.0, world=world())
    tf = workdir_as_runner(workdir, emu)
    tf.write(provider("m", account, emu.url, extra), generation("app", account, "m"))
    tf.tf("init")
    plan = tf.tf("plan", check=False)
    assert plan.returncode == 1
    said = " ".join(plan.stderr.split())
    assert words in said
    assert "AccessDenied" in said
    assert emu.backend.jobs() == []


def test_a_malformed_role_arn_is_refused_before_any_call(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """A role ARN that is not an IAM role's fails validation, on the attribute, with the form to write."""
    emu = make_emulator(job_seconds=0.0, world=world())
    tf = workdir_as_runner(workdir, emu)
    tf.write(
        provider("m", MEMBERS[0], emu.url).replace(role(MEMBERS[0]), "arn:aws:iam::111:user/x"),
        generation("app", MEMBERS[0], "m"),
    )
    tf.tf("init")
    plan = tf.tf("plan", check=False)
    assert plan.returncode == 1
    said = " ".join(plan.stderr.split())
    assert "Invalid assume_role.role_arn" in said
    assert "arn:aws:iam::111111111111:role/NAME" in said
    assert emu.requests.total() == 0


def test_credentials_that_expire_during_a_wait_are_assumed_again(
    make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """An hour-long session ends (on the endpoint's clock) while create waits: the role is assumed again."""
    # The endpoint's clock starts at this moment, so botocore (on the machine's clock) sees an hour left and
    # does not refresh by itself: only the service's ExpiredTokenException can tell the provider.
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    emu = make_emulator(job_seconds=3 * 3600.0, world=world(signatures=False), clock=clock)
    tf = workdir_as_runner(workdir, emu)
    tf.write(
        provider("m", MEMBERS[0], emu.url, 'duration = "1h"'),
        generation("long", MEMBERS[0], "m", 'wait_for_completion = true\n  wait_timeout = "5h"'),
    )
    tf.tf("init")
    proc = background_apply(tf)
    until(lambda: emu.requests.counts()["GetGeneratedPolicy"] >= 1, proc)
    clock.advance(hours=2)  # the session has expired; the job runs on
    sessions_before = emu.requests.counts()["AssumeRole"]
    until(lambda: emu.requests.counts()["AssumeRole"] > sessions_before, proc)
    clock.advance(hours=1, seconds=1)  # the job ends
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    (job,) = emu.backend.jobs(account=MEMBERS[0])
    assert str(job.status) == "SUCCEEDED"
    assert emu.requests.counts()["AssumeRole"] > sessions_before
