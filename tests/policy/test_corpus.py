"""policygen's policy engine against answers AWS published or Access Analyzer gave (tests/policy/corpus)."""

from __future__ import annotations

import pytest

from tests.policy.corpus_cases import OPERATIONS, Case, cases, engine_answer

ALL = [case for operation in OPERATIONS for case in cases(operation)]
#: Cases where policygen answers otherwise than the published answer, each explained in the corpus's note.
DISAGREEMENTS = frozenset(case.name for case in ALL if case.note and "disagreement" in case.note)


@pytest.mark.parametrize("case", ALL, ids=[case.name for case in ALL])
def test_engine_answers_as_aws(case: Case) -> None:
    """The engine's answer is AWS's (the exact set of issue codes, or PASS/FAIL), except the noted disagreements."""
    if case.name in DISAGREEMENTS:
        assert engine_answer(case) != case.expected
    else:
        assert engine_answer(case) == case.expected


def test_every_case_names_its_source() -> None:
    """Each case says where AWS's answer was published or recorded: repository, path and commit."""
    assert all(case.source["repo"] and case.source["path"] and len(case.source["commit"]) == 40 for case in ALL)


def test_the_corpus_covers_each_operation() -> None:
    """The three operations have cases, and CheckNoNewAccess has both resource and identity policies."""
    assert {case.operation for case in ALL} == set(OPERATIONS)
    types = {case.request["policyType"] for case in ALL if case.operation == "CheckNoNewAccess"}
    assert types == {"IDENTITY_POLICY", "RESOURCE_POLICY"}
