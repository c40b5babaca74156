"""The gate of the real-AWS side: who may run it, against what, and as whom. It fails closed.

The assumptions suite runs against real AWS only when ``POLICYGEN_REAL_AWS_ACCOUNT`` names a
12-digit account (docs/assumptions.md). Everything here stands between that variable and the first
call to a public endpoint:

* without the variable (or with it empty) no AWS client is ever made: :func:`sides` is then
  ``emulator`` alone;
* with it, every check below must pass before the first Access Analyzer call, and any that does
  not pass fails the tests (never skips them): ``CI=true``, a pytest-xdist worker (the real-AWS
  tests share one job and run in order), an account that is not 12 digits, no Region, an endpoint
  of Access Analyzer or STS that is not AWS's (an ``AWS_ENDPOINT_URL*`` or a profile's
  ``endpoint_url`` pointing elsewhere), and credentials whose account (sts:GetCallerIdentity)
  is not the named one.

What is AWS's is read from botocore's own partitions table (``partitions.json``), so a new
partition needs no change here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

#: Names the account the real-AWS side runs in; unset or empty: the emulator side alone.
ACCOUNT_VARIABLE = "POLICYGEN_REAL_AWS_ACCOUNT"
#: The trail and the access role a StartPolicyGeneration names; without both, the real-AWS tests
#: that start a job are skipped (those that start none still run).
TRAIL_VARIABLE = "POLICYGEN_REAL_AWS_TRAIL_ARN"
ACCESS_ROLE_VARIABLE = "POLICYGEN_REAL_AWS_ACCESS_ROLE_ARN"
#: The IAM role or user whose activity the jobs analyse; default: the access role.
PRINCIPAL_VARIABLE = "POLICYGEN_REAL_AWS_PRINCIPAL_ARN"
#: The id of a job started more than seven days ago (optional: the one test that needs it skips without).
OLD_JOB_VARIABLE = "POLICYGEN_REAL_AWS_OLD_JOB_ID"
#: The pytest marker of every test's real-AWS side: ``-m real_aws`` runs that side alone.
MARKER = "real_aws"

_ACCOUNT = re.compile(r"[0-9]{12}")


class RealAwsRefused(Exception):
    """The real-AWS side may not run as configured; the message says why and what to change."""


@dataclass(frozen=True)
class RealAwsSettings:
    """What the real-AWS side was given by the environment."""

    account: str
    trail_arn: str | None
    access_role_arn: str | None
    principal_arn: str | None
    old_job_id: str | None


def requested(environ: Mapping[str, str]) -> bool:
    """Whether the environment asks for the real-AWS side (the account variable is set and not empty)."""
    return bool(environ.get(ACCOUNT_VARIABLE))


def sides(environ: Mapping[str, str]) -> list[str]:
    """The sides every assumption runs on: ``emulator`` always, ``aws`` only when asked for.

    ``aws`` is listed whenever the variable is set, under ``CI=true`` too: there it fails
    (:func:`settings`) instead of quietly not running, so a CI job that sets it learns it at once.
    """
    return ["emulator", "aws"] if requested(environ) else ["emulator"]


def settings(environ: Mapping[str, str]) -> RealAwsSettings:
    """The real-AWS side's settings, or :class:`RealAwsRefused` for an environment it must not run in.

    Nothing here makes a client or calls anything.
    """
    if not requested(environ):
        raise RealAwsRefused(f"{ACCOUNT_VARIABLE} is not set: the real-AWS side does not run.")
    account = environ[ACCOUNT_VARIABLE]
    if environ.get("CI", "").strip().lower() == "true":
        raise RealAwsRefused(
            f"CI=true and {ACCOUNT_VARIABLE} is set: the real-AWS assumptions never run in CI. Unset "
            f"{ACCOUNT_VARIABLE} in the CI job (make test and make check ignore it)."
        )
    if environ.get("PYTEST_XDIST_WORKER"):
        raise RealAwsRefused(
            "The real-AWS side runs in one process, in file order (its tests share one job and a "
            "budget of starts): run it with `-p no:xdist`, as docs/assumptions.md shows."
        )
    if not _ACCOUNT.fullmatch(account):
        raise RealAwsRefused(f"{ACCOUNT_VARIABLE} must be a 12-digit AWS account id; got {account[:40]!r}.")
    return RealAwsSettings(
        account=account,
        trail_arn=environ.get(TRAIL_VARIABLE) or None,
        access_role_arn=environ.get(ACCESS_ROLE_VARIABLE) or None,
        principal_arn=environ.get(PRINCIPAL_VARIABLE) or None,
        old_job_id=environ.get(OLD_JOB_VARIABLE) or None,
    )


def aws_dns_suffixes() -> frozenset[str]:
    """Every DNS suffix of AWS's partitions (amazonaws.com, api.aws, amazonaws.com.cn, ...), from botocore."""
    import botocore.loaders

    partitions = botocore.loaders.create_loader().load_data("partitions")["partitions"]
    return frozenset(
        suffix
        for partition in partitions
        for suffix in (partition["outputs"]["dnsSuffix"], partition["outputs"]["dualStackDnsSuffix"])
    )


def endpoint_refusal(prefix: str, url: str) -> str | None:
    """Why ``url`` is not an AWS endpoint of the service whose endpoint prefix is ``prefix``; None when it is.

    An AWS endpoint is ``https://PREFIX[-fips].REGION.SUFFIX`` (or ``https://PREFIX.SUFFIX`` for a
    global one such as STS's), with one of the partitions' suffixes, on the default port.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    label = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
    suffixes = "|".join(re.escape(s) for s in sorted(aws_dns_suffixes(), key=len, reverse=True))
    shape = re.compile(rf"{re.escape(prefix)}(?:-fips)?(?:\.{label})?\.(?:{suffixes})")
    if parts.scheme != "https" or parts.port not in (None, 443) or parts.username or parts.password:
        return f"{url} is not an https URL on the default port"
    if parts.path not in ("", "/") or parts.query:
        return f"{url} has a path or a query, which AWS's endpoints have not"
    if not shape.fullmatch(host):
        return f"{host} is not an AWS endpoint of {prefix} ({prefix}.REGION.amazonaws.com and the like)"
    return None


def check_endpoints(clients: Mapping[str, Any]) -> None:
    """:class:`RealAwsRefused` unless every client (by endpoint prefix) would call AWS's own endpoint."""
    for prefix, client in clients.items():
        problem = endpoint_refusal(prefix, client.meta.endpoint_url)
        if problem:
            raise RealAwsRefused(
                f"{ACCOUNT_VARIABLE} is set, but the {prefix} client would call {client.meta.endpoint_url}: "
                f"{problem}. The real-AWS side calls only AWS; unset AWS_ENDPOINT_URL, "
                f"AWS_ENDPOINT_URL_* and the profile's endpoint_url (or set "
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true)."
            )


def check_identity(account: str, sts: Any) -> str:
    """The caller's ARN, after sts:GetCallerIdentity shows the credentials belong to ``account``.

    Any failure of the call (no credentials, expired ones) refuses too: the side never runs on
    credentials it could not check.
    """
    import botocore.exceptions

    try:
        identity = sts.get_caller_identity()
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise RealAwsRefused(f"sts:GetCallerIdentity failed, so the credentials' account is unknown: {exc}") from exc
    if identity.get("Account") != account:
        raise RealAwsRefused(
            f"{ACCOUNT_VARIABLE} names account {account}, but the credentials are {identity.get('Arn')} of "
            f"account {identity.get('Account')}. Use credentials of the named account, or name theirs."
        )
    arn: str = identity["Arn"]
    return arn


@dataclass(frozen=True)
class RealAws:
    """Checked clients of the named account: Access Analyzer and STS, on AWS's endpoints."""

    settings: RealAwsSettings
    accessanalyzer: Any
    caller_arn: str

    @property
    def region(self) -> str:
        """The Region the clients call."""
        region: str = self.accessanalyzer.meta.region_name
        return region


def connect() -> RealAws:
    """The real-AWS clients, once every check of the module's docstring has passed.

    Reads ``os.environ`` (boto3's configuration chain does too). The only call made before the last
    check is sts:GetCallerIdentity, to AWS's own STS endpoint. Raises :class:`RealAwsRefused`.
    """
    import boto3
    import botocore.config
    import botocore.exceptions

    environ = os.environ
    given = settings(environ)
    config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 3})
    try:
        # AWS_REGION as the provider reads it (aws/client.py); botocore itself reads AWS_DEFAULT_REGION.
        session = boto3.session.Session(region_name=environ.get("AWS_REGION") or None)
        accessanalyzer = session.client("accessanalyzer", config=config)
        sts = session.client("sts", config=config)
    except (botocore.exceptions.BotoCoreError, ValueError) as exc:
        raise RealAwsRefused(f"No AWS client could be made ({exc}); set AWS_REGION and credentials.") from exc
    if not accessanalyzer.meta.region_name:
        raise RealAwsRefused("No AWS Region is configured; set AWS_REGION.")
    check_endpoints({"access-analyzer": accessanalyzer, "sts": sts})
    caller = check_identity(given.account, sts)
    return RealAws(given, accessanalyzer, caller)
