"""SigV4 verification (issue 21, item 5): with secrets in the world, signatures mean something."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from policygen.emulator import Emulator
from policygen.emulator.world import World
from tests.emulator.helpers import refused, run_cli_endpoint

from .helpers import FakeClock, raw_request, start_request

KEY_A, SECRET_A, ACCOUNT_A = "AKIAACCOUNTAAAAAAAAA", "secret-of-a", "111111111111"
KEY_B, SECRET_B, ACCOUNT_B = "AKIABACCOUNTBBBBBBBB", "secret-of-b", "222222222222"
WORLD = World(
    accounts={KEY_A: ACCOUNT_A, KEY_B: ACCOUNT_B},
    secret_access_keys={KEY_A: SECRET_A, KEY_B: SECRET_B},
)


def _client(url: str, key: str, secret: str) -> Any:
    return boto3.client(
        "accessanalyzer",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture
def clock() -> FakeClock:
    """The endpoint's clock, at the time botocore signs with (the test moves it, never the machine's)."""
    return FakeClock(datetime.now(UTC))


@pytest.fixture
def emu(clock: FakeClock) -> Any:
    """An endpoint that checks signatures: two accounts, each key with its secret; jobs stay in progress."""
    with Emulator(world=WORLD, clock=clock, job_seconds=3600) as emulator:
        yield emulator


def test_the_right_secret_is_served(emu: Emulator) -> None:
    """A request signed with the key's secret is answered, in the key's account."""
    client = _client(emu.url, KEY_A, SECRET_A)
    job_id = client.start_policy_generation(**start_request())["jobId"]
    assert client.get_generated_policy(jobId=job_id)["jobDetails"]["status"] == "IN_PROGRESS"
    assert [job.account for job in emu.backend.jobs()] == [ACCOUNT_A]


def test_a_wrong_secret_is_invalid_signature(emu: Emulator) -> None:
    """Another secret for a known key: InvalidSignatureException, 403, as AWS's REST-JSON front door answers."""
    message = refused(
        lambda: _client(emu.url, KEY_A, "guessed").list_policy_generations(), "InvalidSignatureException", 403
    )
    assert message.startswith("The request signature we calculated does not match the signature you provided.")


def test_an_unknown_key_is_unrecognized(emu: Emulator) -> None:
    """A key the world has no secret for: UnrecognizedClientException, 403."""
    message = refused(
        lambda: _client(emu.url, "AKIANOBODYNOBODYNOBO", "x").list_policy_generations(),
        "UnrecognizedClientException",
        403,
    )
    assert message == "The security token included in the request is invalid."


def test_one_account_cannot_act_in_another(emu: Emulator) -> None:
    """Knowing A's key is not enough: without A's secret, B can neither read nor cancel A's job."""
    job_id = _client(emu.url, KEY_A, SECRET_A).start_policy_generation(**start_request())["jobId"]
    forged = _client(emu.url, KEY_A, SECRET_B)
    refused(lambda: forged.get_generated_policy(jobId=job_id), "InvalidSignatureException", 403)
    refused(lambda: forged.cancel_policy_generation(jobId=job_id), "InvalidSignatureException", 403)
    own = _client(emu.url, KEY_B, SECRET_B)  # B's own, rightly signed: A's job is not B's
    refused(lambda: own.cancel_policy_generation(jobId=job_id), "ValidationException", 400)
    (job,) = emu.backend.jobs()
    assert job.status == "IN_PROGRESS"


@pytest.mark.parametrize(("minutes", "words"), [(20, "Signature expired: "), (-20, "Signature not yet current: ")])
def test_a_date_far_from_the_endpoints_clock_is_expired(
    emu: Emulator, clock: FakeClock, minutes: int, words: str
) -> None:
    """More than 15 minutes between the signature's date and the endpoint's clock: RequestExpired, 400."""
    clock.advance(minutes=minutes)
    client = _client(emu.url, KEY_A, SECRET_A)
    message = refused(client.list_policy_generations, "RequestExpired", 400)
    assert message.startswith(words)
    clock.advance(minutes=-minutes)
    assert client.list_policy_generations()["policyGenerations"] == []


def _signed(url: str, method: str, path: str, body: bytes) -> dict[str, str]:
    """The headers of a request signed now by botocore with A's secret."""
    request = AWSRequest(method=method, url=f"{url}{path}", data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(KEY_A, SECRET_A), "access-analyzer", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def test_a_tampered_request_no_longer_matches(emu: Emulator) -> None:
    """Signed, then changed (the query, the body): InvalidSignatureException; unchanged, it is served."""
    url = emu.url
    headers = _signed(url, "GET", "/policy/generation?maxResults=1", b"")
    status, _, _ = raw_request(url, "GET", "/policy/generation?maxResults=1", headers=headers)
    assert status == 200
    status, answer, _ = raw_request(url, "GET", "/policy/generation?maxResults=2", headers=headers)
    assert (status, answer["x-amzn-errortype"]) == (403, "InvalidSignatureException")
    document = json.dumps({"policyDocument": "{}", "policyType": "IDENTITY_POLICY"}).encode()
    headers = _signed(url, "POST", "/policy/validation", document)
    assert raw_request(url, "POST", "/policy/validation", headers=headers, body=document)[0] == 200
    tampered = document.replace(b"IDENTITY_POLICY", b"RESOURCE_POLICY")
    status, answer, _ = raw_request(url, "POST", "/policy/validation", headers=headers, body=tampered)
    assert (status, answer["x-amzn-errortype"]) == (403, "InvalidSignatureException")


def test_a_signature_of_zeros_dated_2020_isrefused(emu: Emulator) -> None:
    """The forgery of the issue (any key, a signature of zeros, a 2020 date) is no longer served."""
    headers = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={KEY_A}/20200101/us-east-1/access-analyzer/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
        "X-Amz-Date": "20200101T000000Z",
    }
    status, answer, _ = raw_request(emu.url, "GET", "/policy/generation", headers=headers)
    assert (status, answer["x-amzn-errortype"]) == (400, "RequestExpired")
    now = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "Authorization": headers["Authorization"].replace("20200101", now[:8]),
        "X-Amz-Date": now,
    }
    status, answer, _ = raw_request(emu.url, "GET", "/policy/generation", headers=headers)
    assert (status, answer["x-amzn-errortype"]) == (403, "InvalidSignatureException")


def test_without_secrets_any_signature_is_accepted_as_before() -> None:
    """A world without secrets keeps accepting any signature, in the key's account."""
    with Emulator(world=World(accounts={KEY_A: ACCOUNT_A})) as emu:
        assert _client(emu.url, KEY_A, "anything").list_policy_generations()["policyGenerations"] == []


@pytest.mark.parametrize(
    ("world", "said"),
    [
        (None, "signatures are not checked: any access key and secret is accepted"),
        ({"secretAccessKeys": {KEY_A: SECRET_A}}, "checking SigV4 signatures: 1 access key(s) have secrets"),
    ],
)
def test_the_command_says_whether_it_checks_signatures(tmp_path: Path, world: Any, said: str) -> None:
    """`policygen emulator` says on stderr, when it starts, whether it checks signatures."""

    def call(url: str) -> None:
        if world is not None:
            refused(lambda: _client(url, KEY_A, "wrong").list_policy_generations(), "InvalidSignatureException", 403)

    status, err = run_cli_endpoint(tmp_path, world, call)
    assert said in err
    assert status == 0


def test_a_world_file_with_bad_secrets_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """secretAccessKeys that is not an object of key ids to strings: exit 2, naming the key, not the secret."""
    from policygen.emulator.cli import main

    (tmp_path / "world.json").write_text(json.dumps({"secretAccessKeys": {KEY_A: ""}}))
    with pytest.raises(SystemExit) as caught:
        main(["--world", str(tmp_path / "world.json")])
    assert caught.value.code == 2
    assert f"secretAccessKeys['{KEY_A}'] must be the secret access key" in capsys.readouterr().err
