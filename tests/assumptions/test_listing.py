"""What policygen assumes of ListPolicyGenerations: its entries, pages, order, filter and seven days.

One test per assumption of docs/assumptions.md, run on the embedded endpoint and, on demand, on a
real account.
"""

from __future__ import annotations

from datetime import timedelta

from policygen.aws.client import FINAL_STATUSES

from .targets import Target, listed

#: The list covers the last seven days (Access Analyzer's API reference).
HISTORY = timedelta(days=7)
#: Leeway for the difference between this machine's clock and the service's.
CLOCK_SKEW = timedelta(hours=1)


def test_listed_status_and_start_are_get_s(target: Target) -> None:
    """A listed job's status and startedOn are those GetGeneratedPolicy gives (a running job may end between).

    A plan refreshes every job from one list instead of one GetGeneratedPolicy each (provider/recent.py).
    """
    target.seed_history()
    for generation in list(listed(target.client, max_pages=1))[:20]:
        details = target.client.get_generated_policy(jobId=generation["jobId"])["jobDetails"]
        assert details["startedOn"] == generation["startedOn"]
        assert details["status"] == generation["status"] or (
            generation["status"] == "IN_PROGRESS" and details["status"] in FINAL_STATUSES
        )


def test_list_pages_with_max_results_and_next_token(target: Target) -> None:
    """maxResults bounds a page, nextToken leads to the next one, and the pages hold every job once, in order."""
    target.ended_jobs(2)
    first = target.client.list_policy_generations(principalArn=target.principal_arn, maxResults=1)
    assert len(first["policyGenerations"]) == 1
    assert first.get("nextToken")
    paged: list[str] = []
    params = {"principalArn": target.principal_arn, "maxResults": 1}
    for _ in range(10):
        page = target.client.list_policy_generations(**params)
        assert len(page["policyGenerations"]) <= 1
        paged += [g["jobId"] for g in page["policyGenerations"]]
        if not page.get("nextToken"):
            break
        params["nextToken"] = page["nextToken"]
    unpaged = [g["jobId"] for g in listed(target.client, principalArn=target.principal_arn)]
    assert len(paged) == len(set(paged))
    assert paged == unpaged[: len(paged)]


def test_list_is_newest_first(target: Target) -> None:
    """ListPolicyGenerations gives the newest job first (nothing in policygen relies on it: the CLI sorts)."""
    target.ended_jobs(2)
    started = [g["startedOn"] for g in listed(target.client, principalArn=target.principal_arn)]
    assert started == sorted(started, reverse=True)


def test_list_filters_by_principal(target: Target) -> None:
    """principalArn keeps that principal's jobs alone; the unfiltered list has the others' too."""
    mine = target.ended_jobs(1)[0]
    theirs = target.other_principal_job()
    filtered = list(listed(target.client, principalArn=target.principal_arn))
    assert {g["principalArn"] for g in filtered} == {target.principal_arn}
    assert mine in {g["jobId"] for g in filtered}
    if theirs is not None:
        assert theirs not in {g["jobId"] for g in filtered}
        assert theirs in {g["jobId"] for g in listed(target.client)}


def test_list_keeps_seven_days(target: Target) -> None:
    """The list holds the jobs of the last seven days and no older ones."""
    aged = target.aged_job()
    recent = target.ended_jobs(1)[0]
    generations = list(listed(target.client))
    assert recent in {g["jobId"] for g in generations}
    assert all(g["startedOn"] > target.now() - HISTORY - CLOCK_SKEW for g in generations)
    if aged is not None:
        assert aged not in {g["jobId"] for g in generations}
