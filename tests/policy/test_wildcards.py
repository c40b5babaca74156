"""IAM wildcard patterns compared with each other: containment and overlap."""

from __future__ import annotations

from policygen.policy.wildcards import contains, overlaps, wildcard_regex


def test_star_contains_everything() -> None:
    """`*` contains any pattern."""
    assert contains("*", "arn:aws:s3:::bucket/*")


def test_prefix_pattern_contains_a_longer_prefix() -> None:
    """`bucket/*` contains `bucket/logs/*`."""
    assert contains("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/logs/*")


def test_specific_arn_does_not_contain_a_wildcard() -> None:
    """An exact ARN does not contain a pattern that matches more than it."""
    assert not contains("arn:aws:s3:::bucket/a", "arn:aws:s3:::bucket/*")


def test_question_mark_does_not_contain_star() -> None:
    """`a?c` does not contain `a*c`: the star may match more than one character."""
    assert not contains("a?c", "a*c")


def test_star_contains_question_mark() -> None:
    """`a*c` contains `a?c`."""
    assert contains("a*c", "a?c")


def test_shorter_prefix_is_not_contained_in_longer_one() -> None:
    """`s3:Get*` does not contain `s3:G*` (which also matches s3:GrantSomething)."""
    assert not contains("s3:get*", "s3:g*")


def test_patterns_with_a_common_string_overlap() -> None:
    """`s3:Get*` and `s3:*Object` overlap (s3:GetObject)."""
    assert overlaps("s3:get*", "s3:*object")


def test_disjoint_prefixes_do_not_overlap() -> None:
    """`a*` and `b*` share no string."""
    assert not overlaps("a*", "b*")


def test_wildcard_regex_matches_whole_strings_without_case() -> None:
    """The regex of `s3:Get*` matches `S3:GETOBJECT` and not `xs3:GetObject`."""
    regex = wildcard_regex("s3:Get*")
    assert regex.fullmatch("S3:GETOBJECT")
    assert not regex.fullmatch("xs3:GetObject")
