"""The client settings checks: a Region, an endpoint URL and the environment they default to.

What boto3 would refuse (or misuse) when the Access Analyzer client is made, said in one sentence
with the fix, before the client is made: the CLI checks its flags and the environment with these,
the provider checks its configuration at plan, and :mod:`policygen.aws.client` checks again before it
calls botocore. :mod:`policygen.aws.client` re-exports these names.

``quote`` comes from :mod:`policygen.spec.limits` at import: :mod:`policygen.spec` loads its own
names lazily, so that import costs well under a millisecond and loads no schema machinery.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

from policygen.errors import ServiceError
from policygen.spec.limits import quote

#: The variables boto3 reads an Access Analyzer endpoint URL from, the first one set winning
#: (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true).
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_ACCESSANALYZER", "AWS_ENDPOINT_URL")
#: Environment variables a Region comes from when none is configured (AWS_REGION: see AccessAnalyzer._make_client).
REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
#: A host name as botocore accepts it (its ``is_valid_endpoint_url``): dot-separated labels.
_HOST_NAME = re.compile(r"((?!-)[A-Z\d-]{1,63}(?<!-)\.)*((?!-)[A-Z\d-]{1,63}(?<!-))", re.IGNORECASE)


def endpoint_url_problem(url: str) -> str | None:
    """What keeps ``url`` from being an endpoint URL botocore can call, as a clause; None when it can.

    The URL needs an ``http`` or ``https`` scheme, a host (a name, an IPv4 address, or an IPv6
    address in brackets) and, when it has one, a port from 1 to 65535. botocore itself refuses
    most of these only when the client is made, with a ValueError and no hint of the fix.
    """
    if not url.strip():
        return "it is empty; give a URL such as http://127.0.0.1:4566"
    if any(char.isspace() or not char.isprintable() for char in url):
        return "it contains spaces or control characters; remove them"
    if "://" not in url:
        return f"it has no scheme; write http://{url} (or https://{url})"
    try:
        parts = urlsplit(url)
    except ValueError:
        if "[" in url and "]" not in url:
            return "its IPv6 address has no closing ']'; write it as http://[::1]:PORT"
        return "its host in brackets is not an IPv6 address; write it as http://[::1]:PORT"
    if parts.scheme.lower() not in ("http", "https"):
        return f"its scheme is {parts.scheme}://; use http:// or https://"
    return _host_problem(parts.netloc.rpartition("@")[2], parts.hostname) or _port_problem(parts)


def _host_problem(netloc: str, host: str | None) -> str | None:
    """What is wrong with an endpoint URL's host (``netloc`` without user info), if anything."""
    if netloc.count(":") > 1 and not netloc.startswith("["):
        return "an IPv6 address must be in brackets, as in http://[::1]:PORT"
    if not host:
        return "it names no host; write http://HOST:PORT"
    if ":" in host:
        try:
            ipaddress.IPv6Address(host.partition("%")[0])
        except ValueError:
            return f"its host [{host[:80]}] is not an IPv6 address"
    elif len(host) > 255 or not _HOST_NAME.fullmatch(host.rstrip(".")):
        return f"its host {host[:80]!r} is not a valid host name; use letters, digits, '-' and '.'"
    return None


def _port_problem(parts: SplitResult) -> str | None:
    """What is wrong with an endpoint URL's port, if it has one."""
    netloc = parts.netloc.rpartition("@")[2]
    port_text = netloc.rpartition("]")[2].partition(":")[2] if netloc.startswith("[") else netloc.partition(":")[2]
    if not port_text:
        return None
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or not 1 <= port <= 65535:
        return f"its port {port_text[:20]} is not a number from 1 to 65535"
    return None


def quote_value(value: str) -> str:
    """``value`` quoted for a message, cut to a readable length (policygen.spec.limits.quote)."""
    return quote(value)


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` is not an endpoint URL botocore can call, as a sentence; None when it is one."""
    clause = endpoint_url_problem(url)
    return None if clause is None else f"{quote_value(url)} is not an endpoint URL: {clause}."


def configured_endpoint(environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The endpoint variable botocore would use, as ``(name, value)``, or None."""
    if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").strip().lower() == "true":
        return None
    return next(((name, environ[name]) for name in ENDPOINT_VARIABLES if environ.get(name)), None)


def region_problem(region: str) -> str | None:
    """Why ``region`` is not a Region name, in one sentence; None when it is one."""
    # Imported when needed: policygen.spec.arns brings difflib and its tables of ARN patterns,
    # about 2.5 ms of the ~33 ms that `import policygen.cli` takes, which --help and the provider's
    # start-up need not pay (measured with `python -X importtime -c "import policygen.cli"`).
    from policygen.spec.arns import REGION_PATTERN

    if REGION_PATTERN.match(region):
        return None
    example = "write it like us-east-1 or eu-west-1 (or leave it out for AWS_REGION)"
    return f"{quote_value(region)} is not a Region name; {example}."


def settings_problems(
    region: str | None, endpoint_url: str | None, environ: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """Every problem of a Region and endpoint, and of the environment variables they default to.

    Returns ``(where, message)`` pairs; ``where`` is ``"region"``, ``"endpoint"`` or the name of the
    environment variable at fault. The provider reports them at plan, on the attribute; the client
    refuses them before botocore would fail with a bare ValueError.
    """
    environ = os.environ if environ is None else environ
    problems: list[tuple[str, str]] = []
    if region is not None:
        if problem := region_problem(region):
            problems.append(("region", problem))
    else:
        for variable in REGION_VARIABLES:
            if environ.get(variable) and (problem := region_problem(environ[variable])):
                problems.append((variable, f"{variable}: {problem}"))
    if endpoint_url is not None:
        if problem := endpoint_problem(endpoint_url):
            problems.append(("endpoint", problem))
    elif configured := configured_endpoint(environ):
        variable, value = configured
        if problem := endpoint_problem(value):
            problems.append((variable, f"{variable}: {problem} Fix or unset the variable."))
    return problems


def max_attempts_from_environment() -> int:
    """AWS_MAX_ATTEMPTS as a number of attempts (default 8), or a ServiceError naming it."""
    raw = os.environ.get("AWS_MAX_ATTEMPTS") or "8"
    if raw.strip().isdigit() and int(raw) >= 1:
        return int(raw)
    raise ServiceError(f"AWS_MAX_ATTEMPTS={raw[:40]!r} is not a whole number of 1 or more; fix or unset it.")
