"""Hostile policy documents at the endpoint (issue 21, item 3): AWS's error shapes, never a 500.

ValidatePolicy, CheckNoNewAccess and CheckAccessNotGranted answer a policy nested 10,000 deep or
holding a number that cannot be read with a ``ValidationException`` (400) naming the member; a
request body that is itself hostile is one that cannot be parsed (400). The endpoint as a process
stays within generous bounds of CPU time and peak memory, read from ``/proc`` (no wall clock).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .helpers import FAKE_AUTHORIZATION, make_client, raw_request

DEEP = "[" * 10_000 + "]" * 10_000
INFINITE = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", '
    '"Condition": {"NumericLessThan": {"s3:max-keys": 1e999999}}}]}'
)
LONG_NUMBER = '{"Version": "2012-10-17", "Statement": ' + "9" * 5000 + "}"
OK = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'
HOSTILE = {"deep": DEEP, "infinite": INFINITE, "long-number": LONG_NUMBER}
_RUN = "import sys; from policygen.emulator.cli import main; sys.exit(main(sys.argv[1:]))"


def _calls(client: Any, document: str) -> dict[str, tuple[str, Callable[[], Any]]]:
    """Each policy check with ``document`` in one member: (the member, the call)."""
    return {
        "ValidatePolicy": (
            "policyDocument",
            lambda: client.validate_policy(policyDocument=document, policyType="IDENTITY_POLICY"),
        ),
        "CheckNoNewAccess": (
            "newPolicyDocument",
            lambda: client.check_no_new_access(
                newPolicyDocument=document, existingPolicyDocument=OK, policyType="IDENTITY_POLICY"
            ),
        ),
        "CheckNoNewAccess (existing)": (
            "existingPolicyDocument",
            lambda: client.check_no_new_access(
                newPolicyDocument=OK, existingPolicyDocument=document, policyType="IDENTITY_POLICY"
            ),
        ),
        "CheckAccessNotGranted": (
            "policyDocument",
            lambda: client.check_access_not_granted(
                policyDocument=document, access=[{"actions": ["s3:GetObject"]}], policyType="IDENTITY_POLICY"
            ),
        ),
    }


@pytest.mark.parametrize("operation", sorted(_calls(None, "")))
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_policies_are_validation_exceptions(client: Any, operation: str, name: str) -> None:
    """Each check answers 400 ValidationException naming the member; the endpoint still serves."""
    member, call = _calls(client, HOSTILE[name])[operation]
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == ("ValidationException", 400)
    assert error["Error"]["Message"].startswith(f"Invalid {member}: The policy document {member} ")
    assert error["fieldList"] == [{"name": member, "message": "The policy document cannot be read."}]
    assert "findings" in client.validate_policy(policyDocument=OK, policyType="IDENTITY_POLICY")


def test_a_nul_or_a_syntax_error_is_a_finding_as_aws_answers(client: Any) -> None:
    """A NUL character or broken JSON within the limits is ValidatePolicy's JSON_SYNTAX_ERROR finding."""
    for document in ('{"Version": "2012-10-17"\x00}', '{"Version": '):
        (finding,) = client.validate_policy(policyDocument=document, policyType="IDENTITY_POLICY")["findings"]
        assert finding["issueCode"] == "JSON_SYNTAX_ERROR"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"policyDocument": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "nests arrays and objects too deep"),
        (b'{"policyType": "IDENTITY_POLICY", "maxResults": 1e999999}', "number too long or too large"),
        (b'{"policyType": "IDENTITY_\xff"}', "not UTF-8 text"),
    ],
)
def test_a_hostile_request_body_cannot_be_parsed(emulator: Any, body: bytes, detail: str) -> None:
    """A body nested 10,000 deep, with an infinite number or not UTF-8: 400 ValidationException, not 500."""
    headers = {"Authorization": FAKE_AUTHORIZATION, "Content-Type": "application/json"}
    status, answer, raw = raw_request(emulator.url, "POST", "/policy/validation", headers=headers, body=body)
    assert (status, answer["x-amzn-errortype"]) == (400, "ValidationException")
    document = json.loads(raw)
    assert document["reason"] == "cannotParse"
    assert detail in document["message"]


def test_the_endpoint_process_stays_bounded(tmp_path: Path) -> None:
    """Hostile requests cost the endpoint process little CPU and memory (read from /proc, not a clock)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("no /proc on this system")
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().removeprefix("listening on ")
        client = make_client(url)
        for document in HOSTILE.values():
            for _, call in _calls(client, document).values():
                with pytest.raises(ClientError):
                    call()
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak_kib = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
        ticks = [int(field) for field in Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13]]
        cpu_seconds = sum(ticks) / os.sysconf("SC_CLK_TCK")
        assert peak_kib < 400 * 1024
        assert cpu_seconds < 30
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
