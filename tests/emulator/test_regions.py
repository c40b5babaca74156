"""The endpoint is regional and per account: each (account, Region) is an independent service (issue 14).

Every test talks through unmodified boto3 clients that differ only in the Region they sign for, or
the access key they sign with.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from policygen.emulator import Emulator
from policygen.emulator.cli import main
from policygen.emulator.models import AccountRegion, World
from policygen.emulator.world import DEFAULT_ACCOUNT

from .helpers import FAKE_AUTHORIZATION, FakeClock, assert_error_conforms, raw_request, start_request
from .regional import ACCOUNT_A, ACCOUNT_B, ACCOUNTS, KEY_A, KEY_B, regional_client, unknown_id_error

LOW_QUOTA_REGIONS = ["af-south-1", "ap-east-1", "ap-southeast-3", "eu-south-1", "me-south-1"]


def test_a_job_is_unknown_in_another_region(emulator: Emulator) -> None:
    """A job started in eu-west-1 is answered in ap-southeast-2 exactly as an id that never existed."""
    west = regional_client(emulator.url, "eu-west-1")
    sydney = regional_client(emulator.url, "ap-southeast-2")
    job_id = west.start_policy_generation(**start_request())["jobId"]
    assert west.get_generated_policy(jobId=job_id)["jobDetails"]["jobId"] == job_id
    never = "8f14e45f-ceea-467f-a9a8-3a5b7c2d1e0f"
    assert unknown_id_error(sydney, job_id) == unknown_id_error(sydney, never)
    with pytest.raises(ClientError) as caught:
        sydney.get_generated_policy(jobId=job_id)
    assert_error_conforms(caught.value, "ValidationException")


def test_each_region_lists_only_its_own_jobs(emulator: Emulator) -> None:
    """ListPolicyGenerations in one Region shows that Region's jobs, and none of another's."""
    west = regional_client(emulator.url, "eu-west-1")
    central = regional_client(emulator.url, "eu-central-1")
    in_west = {west.start_policy_generation(**start_request())["jobId"] for _ in range(2)}
    in_central = central.start_policy_generation(**start_request())["jobId"]
    assert {g["jobId"] for g in west.list_policy_generations()["policyGenerations"]} == in_west
    assert [g["jobId"] for g in central.list_policy_generations()["policyGenerations"]] == [in_central]
    assert regional_client(emulator.url, "us-west-2").list_policy_generations()["policyGenerations"] == []


def test_cancel_from_another_region_is_unknown_and_leaves_the_job_running(
    emulator_factory: Callable[..., Emulator],
) -> None:
    """CancelPolicyGeneration signed for another Region is refused as an unknown id; the job runs on."""
    emu = emulator_factory(job_seconds=600, clock=FakeClock())
    west = regional_client(emu.url, "eu-west-1")
    job_id = west.start_policy_generation(**start_request())["jobId"]
    with pytest.raises(ClientError) as caught:
        regional_client(emu.url, "us-east-1").cancel_policy_generation(jobId=job_id)
    assert_error_conforms(caught.value, "ValidationException")
    assert job_id in caught.value.response["message"]
    assert west.get_generated_policy(jobId=job_id)["jobDetails"]["status"] == "IN_PROGRESS"


def test_one_generation_in_progress_per_region(emulator_factory: Callable[..., Emulator]) -> None:
    """A job in progress in eu-west-1 holds eu-west-1's slot only: eu-central-1 starts one beside it."""
    emu = emulator_factory(job_seconds=600, clock=FakeClock())
    west = regional_client(emu.url, "eu-west-1")
    central = regional_client(emu.url, "eu-central-1")
    first = west.start_policy_generation(**start_request())["jobId"]
    beside = central.start_policy_generation(**start_request())["jobId"]
    with pytest.raises(ClientError) as caught:
        west.start_policy_generation(**start_request())
    assert_error_conforms(caught.value, "ServiceQuotaExceededException")
    assert caught.value.response["resourceId"] == first
    statuses = {job.job_id: (job.region, job.status) for job in emu.backend.jobs()}
    assert statuses == {first: ("eu-west-1", "IN_PROGRESS"), beside: ("eu-central-1", "IN_PROGRESS")}


def test_concurrency_option_applies_per_region(emulator_factory: Callable[..., Emulator]) -> None:
    """Emulator(concurrency=2) allows two in progress in each Region, not two in all."""
    emu = emulator_factory(job_seconds=600, concurrency=2, clock=FakeClock())
    for region in ("eu-west-1", "eu-central-1"):
        client = regional_client(emu.url, region)
        client.start_policy_generation(**start_request())
        client.start_policy_generation(**start_request())
        with pytest.raises(ClientError, match="ServiceQuotaExceededException"):
            client.start_policy_generation(**start_request())
    assert len(emu.backend.jobs()) == 4


def test_daily_quota_option_applies_per_region(emulator_factory: Callable[..., Emulator]) -> None:
    """Emulator(daily_quota=2): two a day in us-east-1 and two more in eu-west-1; the third in each is refused."""
    emu = emulator_factory(daily_quota=2, clock=FakeClock())
    for region in ("us-east-1", "eu-west-1"):
        client = regional_client(emu.url, region)
        for _ in range(2):
            client.start_policy_generation(**start_request())
        with pytest.raises(ClientError) as caught:
            client.start_policy_generation(**start_request())
        assert_error_conforms(caught.value, "ServiceQuotaExceededException")
        assert "per day" in caught.value.response["message"]
        assert region in caught.value.response["message"]
        assert caught.value.response["resourceId"] == DEFAULT_ACCOUNT


@pytest.mark.parametrize("region", LOW_QUOTA_REGIONS)
def test_low_quota_regions_allow_five_a_day(emulator_factory: Callable[..., Emulator], region: str) -> None:
    """By default the five low-quota Regions allow 5 generations a day; the sixth is refused."""
    emu = emulator_factory(clock=FakeClock())
    client = regional_client(emu.url, region)
    for _ in range(5):
        client.start_policy_generation(**start_request())
    with pytest.raises(ClientError) as caught:
        client.start_policy_generation(**start_request())
    assert_error_conforms(caught.value, "ServiceQuotaExceededException")
    assert "at most 5 policy generations can be started per day" in caught.value.response["message"]


def test_other_regions_allow_fifty_a_day(emulator_factory: Callable[..., Emulator]) -> None:
    """By default us-east-1 allows 50 a day: the 50th start succeeds, the 51st is refused."""
    emu = emulator_factory(clock=FakeClock())
    client = regional_client(emu.url, "us-east-1")
    for _ in range(50):
        client.start_policy_generation(**start_request())
    with pytest.raises(ClientError, match="at most 50 policy generations"):
        client.start_policy_generation(**start_request())
    assert emu.backend.regional(AccountRegion(DEFAULT_ACCOUNT, "us-east-1")).daily_quota == 50


def test_seven_days_of_history_per_region(emulator_factory: Callable[..., Emulator]) -> None:
    """Each Region keeps its own jobs for seven days: an old job in one Region is gone there, a new one stays."""
    clock = FakeClock()
    emu = emulator_factory(clock=clock)
    west = regional_client(emu.url, "eu-west-1")
    central = regional_client(emu.url, "eu-central-1")
    old = west.start_policy_generation(**start_request())["jobId"]
    clock.advance(days=6)
    recent = central.start_policy_generation(**start_request())["jobId"]
    clock.advance(days=1, seconds=1)
    assert west.list_policy_generations()["policyGenerations"] == []
    with pytest.raises(ClientError, match="ValidationException"):
        west.get_generated_policy(jobId=old)
    assert [g["jobId"] for g in central.list_policy_generations()["policyGenerations"]] == [recent]


def test_client_tokens_are_per_region(emulator: Emulator) -> None:
    """The same client token and request in two Regions start two jobs, one in each."""
    request = start_request(token="one-token")
    west = regional_client(emulator.url, "eu-west-1").start_policy_generation(**request)["jobId"]
    central = regional_client(emulator.url, "eu-central-1").start_policy_generation(**request)["jobId"]
    assert west != central
    assert regional_client(emulator.url, "eu-west-1").start_policy_generation(**request)["jobId"] == west


def test_access_keys_map_to_accounts_that_do_not_see_each_other(emulator_factory: Callable[..., Emulator]) -> None:
    """With a world's accounts, two keys in one Region are two accounts: own jobs, own slot, own list."""
    emu = emulator_factory(job_seconds=600, clock=FakeClock(), world=World(accounts=ACCOUNTS))
    a = regional_client(emu.url, "us-east-1", KEY_A)
    b = regional_client(emu.url, "us-east-1", KEY_B)
    job_a = a.start_policy_generation(**start_request())["jobId"]
    job_b = b.start_policy_generation(**start_request())["jobId"]  # A's job in progress holds only A's slot
    assert [g["jobId"] for g in b.list_policy_generations()["policyGenerations"]] == [job_b]
    with pytest.raises(ClientError, match="ValidationException"):
        b.get_generated_policy(jobId=job_a)
    assert [j.job_id for j in emu.backend.jobs(account=ACCOUNT_A)] == [job_a]
    assert [j.account for j in emu.backend.jobs()] == [ACCOUNT_A, ACCOUNT_B]


def test_unmapped_access_keys_share_the_default_account(emulator_factory: Callable[..., Emulator]) -> None:
    """A key the world does not map belongs to the default account, with every other unmapped key."""
    emu = emulator_factory(world=World(accounts=ACCOUNTS))
    job_id = regional_client(emu.url, "us-east-1", "AKIDSOMEONE").start_policy_generation(**start_request())["jobId"]
    other = regional_client(emu.url, "us-east-1", "AKIDSOMEONEELSE")
    assert [g["jobId"] for g in other.list_policy_generations()["policyGenerations"]] == [job_id]
    assert emu.backend.partitions() == [AccountRegion(DEFAULT_ACCOUNT, "us-east-1")]


def test_daily_quota_names_the_callers_account(emulator_factory: Callable[..., Emulator]) -> None:
    """The daily quota's ServiceQuotaExceededException names the account of the caller's key."""
    emu = emulator_factory(daily_quota=0, world=World(accounts=ACCOUNTS))
    with pytest.raises(ClientError) as caught:
        regional_client(emu.url, "eu-west-1", KEY_B).start_policy_generation(**start_request())
    assert caught.value.response["resourceId"] == ACCOUNT_B


def test_backend_jobs_spans_every_partition_or_one(emulator: Emulator) -> None:
    """emu.backend.jobs() lists every Region's jobs, oldest first; region= and account= narrow it."""
    regions = ("zz-west-1", "aa-east-2")
    ids = [regional_client(emulator.url, r).start_policy_generation(**start_request())["jobId"] for r in regions]
    assert [job.job_id for job in emulator.backend.jobs()] == ids
    assert [job.job_id for job in emulator.backend.jobs(region="aa-east-2")] == ids[1:]
    assert emulator.backend.jobs(region="eu-west-1") == []
    assert emulator.backend.jobs(account="999999999999") == []
    assert [str(p) for p in emulator.backend.partitions()] == [
        f"account {DEFAULT_ACCOUNT} in aa-east-2",
        f"account {DEFAULT_ACCOUNT} in zz-west-1",
    ]


def test_reading_a_region_keeps_no_state_for_it(emulator: Emulator) -> None:
    """Lists and gets signed for Regions without jobs leave no partition behind (no memory per Region name)."""
    for n in range(20):
        regional_client(emulator.url, f"xx-test-{n}").list_policy_generations()
    assert emulator.backend.partitions() == []


@pytest.mark.parametrize("region", ["notaregion", "US-EAST-1", "us-east"])
def test_a_signature_scoped_to_no_region_is_refused(emulator: Emulator, region: str) -> None:
    """A credential scope whose Region is not a Region name is InvalidSignatureException (403), as AWS says."""
    authorization = FAKE_AUTHORIZATION.replace("/us-east-1/", f"/{region}/")
    status, headers, body = raw_request(
        emulator.url, "GET", "/policy/generation", headers={"Authorization": authorization}
    )
    assert (status, headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")
    assert f"Credential should be scoped to a valid region, not '{region}'" in body.decode()
    assert emulator.backend.partitions() == []


def test_a_presigned_request_is_answered_in_its_region(emulator: Emulator) -> None:
    """A presigned query's X-Amz-Credential names the Region too."""
    job_id = regional_client(emulator.url, "eu-west-1").start_policy_generation(**start_request())["jobId"]
    credential = "AKIDEXAMPLE/20240101/{}/access-analyzer/aws4_request"
    for region, status in (("eu-west-1", 200), ("us-east-1", 400)):
        query = f"X-Amz-Signature=00&X-Amz-Credential={credential.format(region)}"
        assert raw_request(emulator.url, "GET", f"/policy/generation/{job_id}?{query}")[0] == status


def test_world_accounts_are_checked() -> None:
    """A world's accounts must map access key ids to 12-digit account ids, said with the entry at fault."""
    with pytest.raises(ValueError, match=r"accounts\['AKIDEXAMPLE'\] must be a 12-digit account id"):
        World.from_document({"accounts": {"AKIDEXAMPLE": "1234"}})
    with pytest.raises(ValueError, match="accounts must be an object of access key ids"):
        World.from_document({"accounts": ["AKIDEXAMPLE"]})
    with pytest.raises(ValueError, match="is not an access key id"):
        World(accounts={"not a key!": ACCOUNT_A})
    assert World.from_document({"accounts": ACCOUNTS}).account_of(KEY_B) == ACCOUNT_B


def test_jobs_are_kept_apart_at_the_same_instant(emulator_factory: Callable[..., Emulator]) -> None:
    """Jobs started at the same instant in two Regions both run: the quotas never look across Regions."""
    clock = FakeClock()
    emu = emulator_factory(job_seconds=60, clock=clock)
    for region in ("eu-west-1", "eu-central-1", "us-east-1"):
        regional_client(emu.url, region).start_policy_generation(**start_request())
    assert {job.status for job in emu.backend.jobs()} == {"IN_PROGRESS"}
    clock.advance(seconds=61)
    assert {job.completed_on for job in emu.backend.jobs()} == {clock.now - timedelta(seconds=1)}


def test_emulator_refuses_a_world_whose_accounts_are_wrong(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`policygen emulator --world FILE` with an account that is not 12 digits: exit 2, naming the entry."""
    world = tmp_path / "world.json"
    world.write_text(json.dumps({"accounts": {KEY_A: "12345"}}))
    with pytest.raises(SystemExit) as caught:
        main(["--world", str(world)])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --world: {world}: accounts['{KEY_A}'] must be a 12-digit account id" in err
