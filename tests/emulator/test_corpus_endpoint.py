"""The embedded endpoint against answers AWS published or Access Analyzer gave, through boto3 (tests/policy/corpus)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.policy.corpus_cases import OPERATIONS, Case, cases, client_answer, engine_answer

ALL = [case for operation in OPERATIONS for case in cases(operation)]


@pytest.mark.parametrize("case", ALL, ids=[case.name for case in ALL])
def test_endpoint_answers_as_the_engine(client: Any, case: Case) -> None:
    """Over the wire with boto3 the endpoint gives the engine's answer (held to AWS's in test_corpus.py)."""
    assert client_answer(client, case) == engine_answer(case)


def test_endpoint_never_passes_what_aws_fails(client: Any) -> None:
    """No access check of the endpoint answers PASS where AWS answers FAIL, but the one noted in the corpus."""
    lenient = [
        case.name
        for case in ALL
        if case.expected == "FAIL"
        and client_answer(client, case) == "PASS"
        and not (case.note and "disagreement" in case.note)
    ]
    assert lenient == []
