"""Policy documents: the grammar, located problems, and locations shaped like ValidatePolicy's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policygen.policy.document import (
    RESOURCE_POLICY,
    PolicyDocumentError,
    combine_policies,
    parse_policy,
    read_policy,
)
from tests.policy.helpers import BUCKET, allow, codes, deny, policy


def test_statement_as_an_object_is_one_statement() -> None:
    """`Statement` given as one object is one statement, numbered 0, with no index in its pointer."""
    doc = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": allow("s3:GetObject", BUCKET)}))
    assert len(doc.statements) == 1
    assert doc.statements[0].index == 0
    assert doc.statements[0].pointer == ("Statement",)


def test_statement_list_keeps_order() -> None:
    """Statements of a list keep their order and indices."""
    doc = parse_policy(policy(allow("s3:GetObject"), deny("s3:DeleteObject")))
    assert [(s.index, s.effect) for s in doc.statements] == [(0, "Allow"), (1, "Deny")]


def test_action_as_a_string_or_a_list() -> None:
    """`Action` may be one string or a list of strings; both give entries."""
    doc = parse_policy(policy(allow("s3:GetObject"), allow(["s3:PutObject", "s3:ListBucket"])))
    assert [e.value for e in doc.statements[0].actions or ()] == ["s3:GetObject"]
    assert [e.value for e in doc.statements[1].actions or ()] == ["s3:PutObject", "s3:ListBucket"]


def test_not_action_and_not_resource_are_marked() -> None:
    """A statement with NotAction and NotResource says so, and keeps their entries."""
    statement = parse_policy(policy(allow("iam:*", BUCKET, not_action=True, not_resource=True))).statements[0]
    assert statement.not_action
    assert statement.not_resource
    assert statement.action_element == "NotAction"
    assert [e.value for e in statement.resources or ()] == [BUCKET]


def test_a_valid_policy_has_no_problems() -> None:
    """A well-formed policy parses without a problem."""
    assert parse_policy(policy(allow("s3:GetObject", f"{BUCKET}/*"))).problems == ()


def test_json_syntax_error_raises_with_its_line_and_column() -> None:
    """A missing comma raises a JSON_SYNTAX_ERROR finding at the line and (0-based) column where it is."""
    text = '{\n  "Version": "2012-10-17"\n  "Statement": []\n}'
    with pytest.raises(PolicyDocumentError) as caught:
        parse_policy(text, name="draft.json")
    finding = caught.value.findings[0]
    assert finding.issue_code == "JSON_SYNTAX_ERROR"
    start = finding.locations[0].span.start
    assert (start.line, start.column, start.offset) == (3, 2, text.index('"Statement"'))
    assert "draft.json" in str(caught.value)
    assert "line 3 column 2" in finding.details


def test_nan_is_a_json_syntax_error() -> None:
    """NaN, which Python's json accepts, is a syntax error in a policy."""
    with pytest.raises(PolicyDocumentError) as caught:
        parse_policy('{"Version": NaN}')
    assert caught.value.findings[0].locations[0].span.start.offset == len('{"Version": ')


def test_unknown_top_level_element_is_located_at_its_key() -> None:
    """An unknown top-level key is INVALID_POLICY_ELEMENT, located at the key with a `key` path element."""
    doc = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [], "Statment": []}))
    problem = next(p for p in doc.problems if p.issue_code == "INVALID_POLICY_ELEMENT")
    assert problem.locations[0].to_dict()["path"] == [{"key": "Statment"}]


def test_unknown_statement_element_is_invalid() -> None:
    """An unknown key inside a statement is INVALID_POLICY_ELEMENT."""
    doc = parse_policy(policy(allow("s3:GetObject", Resources="*")))
    assert "INVALID_POLICY_ELEMENT" in codes(doc.problems)


def test_missing_effect_points_at_the_statement() -> None:
    """A statement without Effect is MISSING_EFFECT, located at the statement object."""
    doc = parse_policy(policy({"Action": "s3:GetObject", "Resource": "*"}))
    problem = doc.problems[0]
    assert problem.issue_code == "MISSING_EFFECT"
    assert problem.locations[0].to_dict()["path"] == [{"value": "Statement"}, {"index": 0}]


def test_effect_is_case_sensitive() -> None:
    """`"Effect": "allow"` is INVALID_EFFECT: IAM reads only Allow and Deny."""
    doc = parse_policy(policy({"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}))
    assert codes(doc.problems) == ["INVALID_EFFECT"]
    assert doc.statements[0].effect is None


def test_missing_action_is_an_error() -> None:
    """A statement with neither Action nor NotAction is MISSING_ACTION."""
    doc = parse_policy(policy({"Effect": "Allow", "Resource": "*"}))
    assert codes(doc.errors) == ["MISSING_ACTION"]


def test_action_with_not_action_is_an_unsupported_combination() -> None:
    """Action and NotAction in one statement is UNSUPPORTED_ELEMENT_COMBINATION."""
    doc = parse_policy(policy(allow("s3:GetObject", NotAction="s3:PutObject")))
    assert "UNSUPPORTED_ELEMENT_COMBINATION" in codes(doc.problems)


def test_identity_policy_needs_a_resource() -> None:
    """An identity policy statement without Resource or NotResource is MISSING_RESOURCE."""
    doc = parse_policy(policy({"Effect": "Allow", "Action": "s3:GetObject"}))
    assert codes(doc.problems) == ["MISSING_RESOURCE"]


def test_principal_is_unsupported_in_an_identity_policy() -> None:
    """Principal in an identity policy is UNSUPPORTED_PRINCIPAL."""
    doc = parse_policy(policy(allow("s3:GetObject", Principal={"AWS": "*"})))
    assert codes(doc.problems) == ["UNSUPPORTED_PRINCIPAL"]


def test_resource_policy_needs_a_principal() -> None:
    """A resource policy statement without Principal is MISSING_PRINCIPAL, and Principal is fine there."""
    without = parse_policy(policy(allow("s3:GetObject", BUCKET)), policy_type=RESOURCE_POLICY)
    with_principal = parse_policy(policy(allow("s3:GetObject", BUCKET, Principal="*")), policy_type=RESOURCE_POLICY)
    assert codes(without.problems) == ["MISSING_PRINCIPAL"]
    assert with_principal.problems == ()


def test_missing_version_is_a_warning() -> None:
    """A policy without Version gets the MISSING_VERSION warning, which is not an error."""
    doc = parse_policy(policy(allow("s3:GetObject"), version=None))
    assert codes(doc.problems) == ["MISSING_VERSION"]
    assert doc.errors == ()


def test_unknown_version_is_invalid() -> None:
    """A Version other than 2012-10-17 or 2008-10-17 is INVALID_VERSION."""
    doc = parse_policy(policy(allow("s3:GetObject"), version="2020-01-01"))
    assert codes(doc.problems) == ["INVALID_VERSION"]


def test_old_version_is_accepted() -> None:
    """Version 2008-10-17 is valid."""
    assert parse_policy(policy(allow("s3:GetObject"), version="2008-10-17")).problems == ()


def test_missing_statement_is_an_error() -> None:
    """A policy without Statement is MISSING_STATEMENT."""
    assert codes(parse_policy('{"Version": "2012-10-17"}').problems) == ["MISSING_STATEMENT"]


def test_value_of_the_wrong_type_is_a_data_type_mismatch() -> None:
    """`"Action": 5` is DATA_TYPE_MISMATCH at the Action value."""
    doc = parse_policy(policy({"Effect": "Allow", "Action": 5, "Resource": "*"}))
    problem = doc.problems[0]
    assert problem.issue_code == "DATA_TYPE_MISMATCH"
    assert problem.locations[0].to_dict()["path"] == [{"value": "Statement"}, {"index": 0}, {"value": "Action"}]


def test_a_policy_that_is_not_an_object_is_a_data_type_mismatch() -> None:
    """A JSON array at the top level is DATA_TYPE_MISMATCH."""
    assert codes(parse_policy("[]").problems) == ["DATA_TYPE_MISMATCH"]


def test_unknown_condition_operator_is_invalid() -> None:
    """A condition operator that does not exist is INVALID_CONDITION_OPERATOR."""
    doc = parse_policy(policy(allow("s3:GetObject", Condition={"StringEqualz": {"aws:username": "a"}})))
    assert codes(doc.problems) == ["INVALID_CONDITION_OPERATOR"]


def test_qualified_operators_are_valid() -> None:
    """ForAnyValue:StringLike and StringEqualsIfExists are valid operators."""
    condition = {"ForAnyValue:StringLike": {"aws:TagKeys": ["a*"]}, "StringEqualsIfExists": {"aws:username": "a"}}
    assert parse_policy(policy(allow("s3:GetObject", Condition=condition))).problems == ()


def test_null_with_if_exists_is_an_error() -> None:
    """NullIfExists is NULL_WITH_IF_EXISTS."""
    doc = parse_policy(policy(allow("s3:GetObject", Condition={"NullIfExists": {"aws:username": "true"}})))
    assert codes(doc.problems) == ["NULL_WITH_IF_EXISTS"]


def test_empty_arrays_and_blocks_are_suggestions() -> None:
    """An empty Action list and an empty Condition are suggestions, not errors."""
    doc = parse_policy(policy(allow([], Condition={})))
    assert codes(doc.problems) == ["EMPTY_ARRAY_ACTION", "EMPTY_OBJECT_CONDITION"]
    assert doc.errors == ()


def test_duplicate_sids_are_an_error_in_an_identity_policy() -> None:
    """Two statements with the same Sid are UNIQUE_SIDS_REQUIRED in an identity policy."""
    doc = parse_policy(policy(allow("s3:GetObject", Sid="Read"), allow("s3:ListBucket", Sid="Read")))
    assert codes(doc.problems) == ["UNIQUE_SIDS_REQUIRED"]


def test_sid_with_punctuation_is_unsupported() -> None:
    """A Sid with characters other than letters and digits is UNSUPPORTED_SID."""
    doc = parse_policy(policy(allow("s3:GetObject", Sid="read-objects")))
    assert codes(doc.problems) == ["UNSUPPORTED_SID"]


def test_location_of_a_list_entry_has_line_column_and_offset() -> None:
    """The second action of a list is located at its line, its 0-based column and its offset, quotes included."""
    text = policy(allow(["s3:GetObject", "s3:PutObject"], BUCKET))
    doc = parse_policy(text)
    location = doc.locate(doc.statements[0].actions[1].pointer)  # type: ignore[index]
    offset = text.index('"s3:PutObject"')
    line = text[:offset].count("\n") + 1
    column = offset - (text.rindex("\n", 0, offset) + 1)
    assert location.to_dict() == {
        "path": [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 1}],
        "span": {
            "start": {"line": line, "column": column, "offset": offset},
            "end": {"line": line, "column": column + len('"s3:PutObject"'), "offset": offset + len('"s3:PutObject"')},
        },
    }


def test_location_of_a_string_element_has_no_index() -> None:
    """An Action given as a string is located by the path to the element itself."""
    doc = parse_policy(policy(allow("s3:GetObject")))
    path = doc.locate(doc.statements[0].actions[0].pointer).to_dict()["path"]  # type: ignore[index]
    assert path == [{"value": "Statement"}, {"index": 0}, {"value": "Action"}]


def test_location_span_of_an_object_covers_its_braces() -> None:
    """A statement's span runs from its `{` to just after its `}`."""
    text = policy(allow("s3:GetObject"))
    span = parse_policy(text).locate(("Statement", 0)).span
    assert text[span.start.offset] == "{"
    assert text[span.end.offset - 1] == "}"


def test_location_of_a_missing_element_falls_back_to_its_parent() -> None:
    """Asking for an element the text lacks gives the location of the nearest element it has."""
    doc = parse_policy(policy(allow("s3:GetObject")))
    assert doc.locate(("Statement", 0, "Condition")).path == (("value", "Statement"), ("index", 0))


def test_locations_follow_unusual_layout() -> None:
    """Locations are right in a policy written on one line with odd spacing and escapes."""
    text = '{"Statement":[ {"Effect" :"Allow","Action":[ "s3:Get\\u004fbject" ,"s3:PutObject"],"Resource":"*"}]}'
    doc = parse_policy(text)
    location = doc.locate(("Statement", 0, "Action", 1))
    assert text[location.span.start.offset : location.span.end.offset] == '"s3:PutObject"'
    assert doc.statements[0].actions[0].value == "s3:GetObject"  # type: ignore[index]


def test_require_valid_raises_with_every_error() -> None:
    """require_valid raises PolicyDocumentError listing each error with its location."""
    doc = parse_policy(policy({"Action": "s3:GetObject"}), name="current.json")
    with pytest.raises(PolicyDocumentError) as caught:
        doc.require_valid()
    assert sorted(codes(caught.value.findings)) == ["MISSING_EFFECT", "MISSING_RESOURCE"]
    assert "current.json" in str(caught.value)
    assert "line 4" in str(caught.value)


def test_read_policy_parses_a_file(tmp_path: Path) -> None:
    """read_policy reads and parses a policy file, naming it after the path."""
    path = tmp_path / "draft.json"
    path.write_text(policy(allow("s3:GetObject")), encoding="utf-8")
    doc = read_policy(path)
    assert doc.name == str(path)
    assert doc.statements[0].is_allow


def test_read_policy_of_a_missing_file_raises(tmp_path: Path) -> None:
    """A policy file that does not exist raises PolicyDocumentError naming it."""
    with pytest.raises(PolicyDocumentError, match="could not be read"):
        read_policy(tmp_path / "missing.json")


def test_combine_policies_concatenates_statements_in_order() -> None:
    """Combining documents gives one document with all their statements, renumbered."""
    first = policy(allow("s3:GetObject", Sid="S3"))
    second = policy(allow("ec2:DescribeInstances", Sid="Ec2"), allow("sts:GetCallerIdentity", Sid="Sts"))
    combined = combine_policies([first, second])
    assert [(s.index, s.sid) for s in combined.statements] == [(0, "S3"), (1, "Ec2"), (2, "Sts")]
    assert combined.version == "2012-10-17"
