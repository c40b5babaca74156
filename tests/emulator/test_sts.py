"""STS on the endpoint (issue 23, item 2): assumed roles act in the role's account; refusals as AWS's."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest

from policygen.emulator import Emulator
from policygen.emulator.world import World
from tests.emulator.helpers import refused, run_cli_endpoint

from .helpers import FakeClock, start_request

CALLER_KEY, CALLER_SECRET, CALLER_ACCOUNT = "AKIACALLERCALLERCALL", "secret-of-the-caller", "999999999999"
ROLE = "arn:aws:iam::111111111111:role/PolicyGeneration"
GUARDED = "arn:aws:iam::222222222222:role/team/Guarded"
OIDC = "arn:aws:iam::333333333333:role/GitHubActions"
WORLD = {
    "accounts": {CALLER_KEY: CALLER_ACCOUNT},
    "roles": {
        ROLE: {"trustedAccounts": [CALLER_ACCOUNT, "111111111111"], "maxSessionDuration": 7200},
        GUARDED: {"trustedAccounts": [CALLER_ACCOUNT], "externalId": "policygen-ci"},
        OIDC: {"webIdentity": True},
    },
}
_CONFIG = botocore.config.Config(retries={"total_max_attempts": 1})
#: The AWS CLI the dev extras install beside this interpreter.
AWS = Path(sys.executable).parent / "aws"


def _sts(url: str, key: str = CALLER_KEY, secret: str = CALLER_SECRET, token: str | None = None, **config: Any) -> Any:
    return boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=_CONFIG.merge(botocore.config.Config(**config)),
    )


def _analyzer(url: str, credentials: dict[str, Any]) -> Any:
    return boto3.client(
        "accessanalyzer",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        config=_CONFIG,
    )


def jwt(claims: dict[str, Any]) -> str:
    """An unsigned-looking JWT with these claims (the endpoint reads claims, not signatures)."""

    def part(document: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.fixture
def clock() -> FakeClock:
    """The endpoint's clock, at the time botocore signs with."""
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def emu(clock: FakeClock) -> Iterator[Emulator]:
    """An endpoint with three roles; signatures are checked against the caller's secret."""
    world = World.from_document({**WORLD, "secretAccessKeys": {CALLER_KEY: CALLER_SECRET}})
    with Emulator(world=world, clock=clock, job_seconds=3600) as emulator:
        yield emulator


def test_an_assumed_role_starts_jobs_in_the_roles_account(emu: Emulator) -> None:
    """AssumeRole's credentials act in the role's account: the job is there, and not in the caller's."""
    assumed = _sts(emu.url).assume_role(RoleArn=ROLE, RoleSessionName="policygen")
    credentials = assumed["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    assert assumed["AssumedRoleUser"]["Arn"] == "arn:aws:sts::111111111111:assumed-role/PolicyGeneration/policygen"
    job_id = _analyzer(emu.url, credentials).start_policy_generation(**start_request())["jobId"]
    assert [job.job_id for job in emu.backend.jobs(account="111111111111")] == [job_id]
    assert emu.backend.jobs(account=CALLER_ACCOUNT) == []


def test_get_caller_identity_before_and_after_assuming(emu: Emulator) -> None:
    """The caller is its key's user in its account; with the role's credentials, the assumed-role ARN."""
    caller = _sts(emu.url).get_caller_identity()
    assert (caller["Account"], caller["Arn"]) == (CALLER_ACCOUNT, f"arn:aws:iam::{CALLER_ACCOUNT}:user/{CALLER_KEY}")
    assert caller["UserId"].startswith("AIDA")
    credentials = _sts(emu.url).assume_role(RoleArn=GUARDED, RoleSessionName="s-1", ExternalId="policygen-ci")[
        "Credentials"
    ]
    assumed = _sts(emu.url, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    identity = assumed.get_caller_identity()
    assert identity["Account"] == "222222222222"
    assert identity["Arn"] == "arn:aws:sts::222222222222:assumed-role/Guarded/s-1"
    assert identity["UserId"].startswith("AROA")
    assert identity["UserId"].endswith(":s-1")


@pytest.mark.parametrize(
    ("role", "extra"),
    [
        ("arn:aws:iam::111111111111:role/NotInTheWorld", {}),
        (OIDC, {}),  # trusts only its own account (the default), not the caller's
        (GUARDED, {}),  # its external id is missing
        (GUARDED, {"ExternalId": "guessed"}),
    ],
    ids=["unknown-role", "untrusted-account", "missing-external-id", "wrong-external-id"],
)
def test_refused_assume_role_is_access_denied(emu: Emulator, role: str, extra: dict[str, str]) -> None:
    """Unknown role, untrusted account, missing or wrong external id: AccessDenied (403) in AWS's words."""
    message = refused(
        lambda: _sts(emu.url).assume_role(RoleArn=role, RoleSessionName="s0", **extra), "AccessDenied", 403
    )
    user = f"arn:aws:iam::{CALLER_ACCOUNT}:user/{CALLER_KEY}"
    assert message == f"User: {user} is not authorized to perform: sts:AssumeRole on resource: {role}"
    assert emu.sessions.all() == []


def test_a_malformed_role_arn_is_a_validation_error(emu: Emulator) -> None:
    """An ARN that is no IAM role ARN, or too short for the model: ValidationError (400)."""
    sts = _sts(emu.url)
    assert refused(
        lambda: sts.assume_role(RoleArn="arn:aws:s3:::bucket-of-the-team", RoleSessionName="s0"), "ValidationError", 400
    ) == ("Request ARN is invalid")
    unchecked = _sts(emu.url, parameter_validation=False)
    message = refused(lambda: unchecked.assume_role(RoleArn="arn:x", RoleSessionName="s0"), "ValidationError", 400)
    assert message == (
        "1 validation error detected: Value 'arn:x' at 'roleArn' failed to satisfy constraint: Member must have "
        "length greater than or equal to 20"
    )


def test_durations_outside_the_roles_bounds_are_validation_errors(emu: Emulator) -> None:
    """Below 900 (the model's minimum) or above the role's maxSessionDuration: ValidationError (400)."""
    unchecked = _sts(emu.url, parameter_validation=False)
    message = refused(
        lambda: unchecked.assume_role(RoleArn=ROLE, RoleSessionName="s0", DurationSeconds=899), "ValidationError", 400
    )
    assert message.endswith(
        "at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
    )
    message = refused(
        lambda: _sts(emu.url).assume_role(RoleArn=ROLE, RoleSessionName="s0", DurationSeconds=7201),
        "ValidationError",
        400,
    )
    assert message == "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    assumed = _sts(emu.url).assume_role(RoleArn=ROLE, RoleSessionName="s0", DurationSeconds=7200)
    credentials = assumed["Credentials"]
    assert (credentials["Expiration"] - emu.sessions.get(credentials["AccessKeyId"]).issued_on).total_seconds() == 7200  # type: ignore[union-attr]


def test_expired_credentials_are_refused_by_both_services(emu: Emulator, clock: FakeClock) -> None:
    """Past Expiration on the endpoint's clock: Access Analyzer ExpiredTokenException (403), STS ExpiredToken (403)."""
    credentials = _sts(emu.url).assume_role(RoleArn=ROLE, RoleSessionName="s0", DurationSeconds=900)["Credentials"]
    analyzer = _analyzer(emu.url, credentials)
    job_id = analyzer.start_policy_generation(**start_request())["jobId"]
    clock.advance(seconds=899)
    assert analyzer.get_generated_policy(jobId=job_id)["jobDetails"]["status"] == "IN_PROGRESS"
    clock.advance(seconds=1)
    message = refused(lambda: analyzer.get_generated_policy(jobId=job_id), "ExpiredTokenException", 403)
    assert message == "The security token included in the request is expired"
    assumed = _sts(emu.url, credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    refused(assumed.get_caller_identity, "ExpiredToken", 403)


def test_a_session_needs_its_token_and_secret_when_signatures_are_checked(emu: Emulator) -> None:
    """With secrets in the world, another secret or another token for an issued key is refused."""
    credentials = _sts(emu.url).assume_role(RoleArn=ROLE, RoleSessionName="s0")["Credentials"]
    key, secret, token = credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    refused(_sts(emu.url, key, "wrong", token).get_caller_identity, "SignatureDoesNotMatch", 403)
    refused(_sts(emu.url, key, secret, token[:-4] + "AAAA").get_caller_identity, "InvalidClientTokenId", 403)
    forged = _analyzer(emu.url, {**credentials, "SecretAccessKey": "wrong"})
    refused(forged.list_policy_generations, "InvalidSignatureException", 403)


def test_role_chaining_is_limited_to_one_hour(emu: Emulator) -> None:
    """An assumed role assuming another: at most 3600 seconds, as IAM's role chaining allows."""
    first = _sts(emu.url).assume_role(RoleArn=ROLE, RoleSessionName="first")["Credentials"]
    chained = _sts(emu.url, first["AccessKeyId"], first["SecretAccessKey"], first["SessionToken"])
    message = refused(
        lambda: chained.assume_role(RoleArn=ROLE, RoleSessionName="second", DurationSeconds=3601),
        "ValidationError",
        400,
    )
    assert "1 hour session limit for roles assumed by role chaining" in message


def test_web_identity_assumes_a_role_that_allows_it(emu: Emulator, clock: FakeClock) -> None:
    """AssumeRoleWithWebIdentity (unsigned) gives credentials in the role's account; other roles refuse it."""
    token = jwt(
        {
            "iss": "https://token.actions.githubusercontent.com",
            "sub": "repo:org/app:ref:refs/heads/main",
            "aud": "sts.amazonaws.com",
            "exp": int(clock().timestamp()) + 600,
        }
    )
    unsigned = boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=emu.url,
        config=_CONFIG.merge(botocore.config.Config(signature_version=botocore.UNSIGNED)),
    )
    answer = unsigned.assume_role_with_web_identity(RoleArn=OIDC, RoleSessionName="ci", WebIdentityToken=token)
    assert answer["AssumedRoleUser"]["Arn"] == "arn:aws:sts::333333333333:assumed-role/GitHubActions/ci"
    assert (answer["Provider"], answer["Audience"]) == ("token.actions.githubusercontent.com", "sts.amazonaws.com")
    assert answer["SubjectFromWebIdentityToken"] == "repo:org/app:ref:refs/heads/main"
    job_id = _analyzer(emu.url, answer["Credentials"]).start_policy_generation(**start_request())["jobId"]
    assert [job.job_id for job in emu.backend.jobs(account="333333333333")] == [job_id]
    message = refused(
        lambda: unsigned.assume_role_with_web_identity(RoleArn=ROLE, RoleSessionName="ci", WebIdentityToken=token),
        "AccessDenied",
        403,
    )
    assert message == "Not authorized to perform sts:AssumeRoleWithWebIdentity"
    refused(
        lambda: unsigned.assume_role_with_web_identity(
            RoleArn=OIDC, RoleSessionName="ci", WebIdentityToken="not-a-jwt"
        ),
        "InvalidIdentityToken",
        400,
    )
    clock.advance(seconds=600)
    refused(
        lambda: unsigned.assume_role_with_web_identity(RoleArn=OIDC, RoleSessionName="ci", WebIdentityToken=token),
        "ExpiredTokenException",
        400,
    )


def test_botocore_web_identity_provider_through_the_environment(
    emu: Emulator, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ENDPOINT_URL_STS: botocore's own provider gets the role."""
    (tmp_path / "token").write_text(jwt({"sub": "ci", "exp": int(clock().timestamp()) + 600}))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ROLE_ARN", OIDC)
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "oidc")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emu.url)
    session = boto3.Session(region_name="us-east-1")
    identity = session.client("sts", config=_CONFIG).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::333333333333:assumed-role/GitHubActions/oidc"


def test_botocore_assume_role_provider_through_a_profile(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile with role_arn, source_profile and external_id: botocore's AssumeRoleProvider, unmodified."""
    (tmp_path / "config").write_text(
        f"[profile deploy]\nrole_arn = {GUARDED}\nsource_profile = base\nexternal_id = policygen-ci\n"
        f"role_session_name = deploy\nregion = us-east-1\n"
    )
    (tmp_path / "credentials").write_text(
        f"[base]\naws_access_key_id = {CALLER_KEY}\naws_secret_access_key = {CALLER_SECRET}\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emu.url)
    session = boto3.Session(profile_name="deploy")
    analyzer = session.client("accessanalyzer", endpoint_url=emu.url, config=_CONFIG)
    job_id = analyzer.start_policy_generation(**start_request())["jobId"]
    assert [job.job_id for job in emu.backend.jobs(account="222222222222")] == [job_id]


def test_without_roles_any_role_is_assumed_in_its_account() -> None:
    """A world without "roles": any well-formed role ARN is assumed (up to 12 hours), acting in the ARN's account."""
    with Emulator() as emu:
        sts = _sts(emu.url, "AKIDEXAMPLE", "anything")
        role = "arn:aws:iam::444444444444:role/path/Anything"
        assumed = sts.assume_role(RoleArn=role, RoleSessionName="s0", DurationSeconds=43200)
        _analyzer(emu.url, assumed["Credentials"]).start_policy_generation(**start_request())
        assert [job.account for job in emu.backend.jobs()] == ["444444444444"]
        assert _sts(emu.url, "AKIDEXAMPLE", "x").get_caller_identity()["Account"] == "123456789012"


def test_expiry_without_signature_checks_still_refuses(clock: FakeClock) -> None:
    """Without secrets any signature is accepted, yet issued credentials still expire on the endpoint's clock."""
    with Emulator(clock=clock) as emu:
        credentials = _sts(emu.url).assume_role(RoleArn=ROLE, RoleSessionName="s0")["Credentials"]
        analyzer = _analyzer(emu.url, credentials)
        analyzer.list_policy_generations()
        clock.advance(hours=1)
        refused(analyzer.list_policy_generations, "ExpiredTokenException", 403)


def test_sessions_survive_a_restart_with_the_state_folder(clock: FakeClock, tmp_path: Path) -> None:
    """With state_dir, credentials issued before a restart still act in the role's account, and still expire."""
    world = World.from_document(WORLD)
    with Emulator(world=world, clock=clock, state_dir=tmp_path) as emu:
        credentials = _sts(emu.url).assume_role(RoleArn=ROLE, RoleSessionName="s0")["Credentials"]
        emu.restart()
        assert emu.sessions.get(credentials["AccessKeyId"]) is not None
        analyzer = _analyzer(emu.url, credentials)
        analyzer.start_policy_generation(**start_request())
        assert [job.account for job in emu.backend.jobs()] == ["111111111111"]
        clock.advance(hours=1)
        refused(analyzer.list_policy_generations, "ExpiredTokenException", 403)


def test_other_sts_actions_are_invalid_action(emu: Emulator) -> None:
    """An STS action the endpoint does not emulate: InvalidAction (400), naming the ones it does."""
    message = refused(_sts(emu.url).get_session_token, "InvalidAction", 400)
    assert "AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity" in message


def test_the_request_log_names_sts_actions_and_the_roles_account(clock: FakeClock) -> None:
    """The request log counts STS actions by name, and an assumed role's calls in the role's account."""
    stream = io.StringIO()
    with Emulator(clock=clock, world=World.from_document(WORLD), request_log=stream) as emu:
        credentials = _sts(emu.url).assume_role(RoleArn=ROLE, RoleSessionName="s0")["Credentials"]
        _analyzer(emu.url, credentials).list_policy_generations()
        assert emu.requests.counts()["AssumeRole"] == 1
    lines = [line.split(" status=")[0] for line in stream.getvalue().splitlines()]
    assert lines == [
        f"POST AssumeRole account={CALLER_ACCOUNT} region=us-east-1",
        "GET ListPolicyGenerations account=111111111111 region=us-east-1",
    ]


def test_a_world_file_with_bad_roles_is_a_value_error() -> None:
    """Roles that are not role ARNs, or durations outside IAM's bounds, are refused naming the entry."""
    with pytest.raises(ValueError, match="is not a role ARN"):
        World.from_document({"roles": {"arn:aws:iam::111111111111:user/x": {}}})
    with pytest.raises(ValueError, match="maxSessionDuration must be a whole number of seconds from 3600 to 43200"):
        World.from_document({"roles": {ROLE: {"maxSessionDuration": 60}}})
    with pytest.raises(ValueError, match="unknown key"):
        World.from_document({"roles": {ROLE: {"trust": []}}})


@pytest.mark.skipif(not AWS.exists(), reason=f"the AWS CLI is not installed at {AWS}")
def test_the_aws_cli_assumes_a_role_and_sees_the_refusals(emu: Emulator, tmp_path: Path) -> None:
    """`aws sts assume-role` and `get-caller-identity`, unmodified: credentials, then AccessDenied for another role."""
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": CALLER_KEY,
        "AWS_SECRET_ACCESS_KEY": CALLER_SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }

    def aws(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(AWS), "sts", *args, "--endpoint-url", emu.url, "--output", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )

    result = aws("assume-role", "--role-arn", ROLE, "--role-session-name", "cli")
    assert result.returncode == 0, result.stderr
    credentials = json.loads(result.stdout)["Credentials"]
    env.update(
        AWS_ACCESS_KEY_ID=credentials["AccessKeyId"],
        AWS_SECRET_ACCESS_KEY=credentials["SecretAccessKey"],
        AWS_SESSION_TOKEN=credentials["SessionToken"],
    )
    result = aws("get-caller-identity")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == "arn:aws:sts::111111111111:assumed-role/PolicyGeneration/cli"
    refused = aws("assume-role", "--role-arn", GUARDED, "--role-session-name", "cli")
    assert refused.returncode != 0
    assert (
        "(AccessDenied) when calling the AssumeRole operation: User: "
        "arn:aws:sts::111111111111:assumed-role/PolicyGeneration/cli is not authorized" in refused.stderr
    )


@pytest.mark.parametrize(
    ("world", "said"),
    [
        (None, "STS: any well-formed role ARN may be assumed by any caller"),
        (WORLD, "STS: 3 role(s) in --world may be assumed, each by the accounts it trusts"),
    ],
)
def test_the_command_says_which_roles_may_be_assumed(tmp_path: Path, world: Any, said: str) -> None:
    """`policygen emulator --world` reads "roles" and says on stderr, when it starts, which roles may be assumed."""

    def call(url: str) -> None:
        if world is not None:
            refused(lambda: _sts(url).assume_role(RoleArn=OIDC, RoleSessionName="s0"), "AccessDenied", 403)

    status, err = run_cli_endpoint(tmp_path, world, call)
    assert said in err
    assert status == 0
