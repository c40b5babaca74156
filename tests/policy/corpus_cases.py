"""The corpus of answers published by AWS or recorded from Access Analyzer, and policygen's agreement with it.

Each file under ``tests/policy/corpus/`` holds the cases of one operation, each naming its source
(repository, path, commit and address). :func:`cases` reads them; :func:`engine_answer` answers a
case with :mod:`policygen.policy`; :func:`client_answer` answers it through a boto3 client (the
embedded endpoint in the tests); :func:`agreement` counts how many answers match. The tests in
``tests/policy/test_corpus.py`` and ``tests/emulator/test_corpus_endpoint.py`` run every case, and
``scripts/policy_agreement.py`` prints the numbers the README quotes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policygen.policy import Access, check_access_not_granted, check_no_new_access, validate_policy

CORPUS = Path(__file__).parent / "corpus"
OPERATIONS = ("ValidatePolicy", "CheckNoNewAccess", "CheckAccessNotGranted")
_FILES = {
    "ValidatePolicy": "validate_policy.json",
    "CheckNoNewAccess": "check_no_new_access.json",
    "CheckAccessNotGranted": "check_access_not_granted.json",
}


@dataclass(frozen=True)
class Case:
    """One case: the operation, the request's members, the answer AWS gave, and where that answer is published."""

    operation: str
    id: str
    request: dict[str, Any]
    expected: Any
    source: dict[str, Any]
    note: str | None = None

    @property
    def name(self) -> str:
        """A test id: the operation, the source file's name and the case."""
        return f"{self.operation}:{Path(self.source['path']).stem}:{self.id}"


def cases(operation: str) -> Iterator[Case]:
    """Every case of an operation, in the corpus's order."""
    data = json.loads((CORPUS / _FILES[operation]).read_text())
    if operation == "CheckNoNewAccess":
        for group in data["groups"]:
            for case in group["cases"]:
                request = {
                    "newPolicyDocument": json.dumps(case["newPolicyDocument"]),
                    "existingPolicyDocument": json.dumps(group["existingPolicyDocument"]),
                    "policyType": group["policyType"],
                }
                yield Case(operation, case["id"], request, case["expected"], group["source"], case.get("note"))
        return
    for case in data["cases"]:
        request = {"policyDocument": json.dumps(case["policyDocument"]), "policyType": case["policyType"]}
        if "validatePolicyResourceType" in case:
            request["validatePolicyResourceType"] = case["validatePolicyResourceType"]
        if "access" in case:
            request["access"] = case["access"]
        expected = (
            sorted(f["issueCode"] for f in case["expected"]) if operation == "ValidatePolicy" else case["expected"]
        )
        yield Case(operation, case["id"], request, expected, case["source"], case.get("note"))


def engine_answer(case: Case) -> Any:
    """policygen's answer: the sorted issue codes for ValidatePolicy, PASS or FAIL for the checks."""
    request = case.request
    if case.operation == "ValidatePolicy":
        findings = validate_policy(
            request["policyDocument"],
            policy_type=request["policyType"],
            resource_type=request.get("validatePolicyResourceType"),
        )
        return sorted(f.issue_code for f in findings)
    if case.operation == "CheckNoNewAccess":
        return check_no_new_access(
            request["newPolicyDocument"], request["existingPolicyDocument"], policy_type=request["policyType"]
        ).result
    access = [Access(tuple(a.get("actions", ())), tuple(a.get("resources", ()))) for a in request["access"]]
    return check_access_not_granted(request["policyDocument"], access, policy_type=request["policyType"]).result


def client_answer(client: Any, case: Case) -> Any:
    """The answer of an Access Analyzer endpoint to the case, through a boto3 client."""
    if case.operation == "ValidatePolicy":
        pages = client.get_paginator("validate_policy").paginate(**case.request)
        return sorted(f["issueCode"] for page in pages for f in page["findings"])
    if case.operation == "CheckNoNewAccess":
        return client.check_no_new_access(**case.request)["result"]
    return client.check_access_not_granted(**case.request)["result"]


def agreement(operation: str, answer: Callable[[Case], Any] = engine_answer) -> tuple[int, int, list[Case]]:
    """How many answers match AWS's, out of how many, and the cases where AWS said FAIL and the answer PASS."""
    agreed = total = 0
    lenient: list[Case] = []
    for case in cases(operation):
        got = answer(case)
        total += 1
        agreed += got == case.expected
        if case.expected == "FAIL" and got == "PASS":
            lenient.append(case)
    return agreed, total, lenient
