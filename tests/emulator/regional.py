"""Helpers for the Region and account tests: unmodified boto3 clients signed for any Region and access key."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.config

#: Two access keys a world maps to two accounts (``World(accounts=ACCOUNTS)``).
KEY_A, KEY_B = "AKIAACCOUNTAAAAAAAAA", "AKIAACCOUNTBBBBBBBBB"
ACCOUNT_A, ACCOUNT_B = "111111111111", "222222222222"
ACCOUNTS = {KEY_A: ACCOUNT_A, KEY_B: ACCOUNT_B}


def regional_client(url: str, region: str, access_key: str = "AKIDEXAMPLE") -> Any:
    """An accessanalyzer client for the endpoint that signs for ``region`` with ``access_key``; no retries."""
    return boto3.client(
        "accessanalyzer",
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=access_key,
        aws_secret_access_key="secret",
        config=botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=30),
    )


def unknown_id_error(client: Any, job_id: str) -> dict[str, Any]:
    """What GetGeneratedPolicy answers for ``job_id``, with the id replaced by ``<id>`` (for comparisons)."""
    from botocore.exceptions import ClientError

    try:
        client.get_generated_policy(jobId=job_id)
    except ClientError as error:
        response = {k: v for k, v in error.response.items() if k != "ResponseMetadata"}
        response["status"] = error.response["ResponseMetadata"]["HTTPStatusCode"]
        return _replace(response, job_id)
    raise AssertionError(f"GetGeneratedPolicy of {job_id} succeeded")


def _replace(value: Any, job_id: str) -> Any:
    if isinstance(value, str):
        return value.replace(job_id, "<id>")
    if isinstance(value, dict):
        return {k: _replace(v, job_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, job_id) for v in value]
    return value
