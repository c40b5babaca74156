"""Shared test values and helpers: fake ARNs, a boto3 client factory, request builders."""

from __future__ import annotations

import http.client
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.config

ACCOUNT = "123456789012"
PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:role/App"
ACCESS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/AccessAnalyzerMonitorServiceRole"
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/management-events"


def make_client(url: str, *, retries: int = 0) -> Any:
    """An accessanalyzer client for the endpoint, with fake credentials and no retries by default."""
    return boto3.client(
        "accessanalyzer",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=botocore.config.Config(
            retries={"mode": "standard", "total_max_attempts": retries + 1}, connect_timeout=2, read_timeout=5
        ),
    )


def start_request(
    principal: str = PRINCIPAL, *, days: int = 2, token: str | None = None, **trail: Any
) -> dict[str, Any]:
    """StartPolicyGeneration keyword arguments for a window of ``days`` ending now."""
    request: dict[str, Any] = {
        "policyGenerationDetails": {"principalArn": principal},
        "cloudTrailDetails": {
            "trails": [{"cloudTrailArn": TRAIL, **(trail or {"allRegions": True})}],
            "accessRole": ACCESS_ROLE,
            "startTime": datetime.now(UTC) - timedelta(days=days),
        },
    }
    if token is not None:
        request["clientToken"] = token
    return request


def raw_request(
    url: str, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One plain HTTP request (no SDK, no signature): status, lower-cased headers, body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()
