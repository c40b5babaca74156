"""IAM wildcard patterns (``*`` any run of characters, ``?`` exactly one), and how two of them relate.

IAM matches actions without regard to case and resource ARNs with regard to it, so every function
here compares characters exactly: callers lower-case actions first. :func:`contains` answers "does
every string the inner pattern matches also match the outer one" (is a grant covered by another);
:func:`overlaps` answers "is there a string both match" (could a Deny touch a grant). Both treat
the inner pattern's wildcards as wildcards, not as literal characters, so ``s3:Get*`` does not
contain ``s3:G*``, and ``a?c`` does not contain ``a*c``.
"""

from __future__ import annotations

import functools
import re


def has_wildcard(text: str) -> bool:
    """Whether ``text`` contains an IAM wildcard character (``*`` or ``?``)."""
    return "*" in text or "?" in text


def wildcard_regex(pattern: str, *, ignore_case: bool = True) -> re.Pattern[str]:
    """The regular expression of an IAM wildcard pattern; it must match a whole string (``fullmatch``)."""
    parts = (".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
    return re.compile("".join(parts), (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


@functools.lru_cache(maxsize=65536)
def contains(outer: str, inner: str) -> bool:
    """Whether every string ``inner`` matches is matched by ``outer`` (both are patterns)."""
    if outer in (inner, "*"):
        return True
    # Whatever precedes outer's first wildcard must begin inner: this settles most pairs of ARNs at once.
    if not inner.startswith(_literal_head(outer)):
        return False
    m, n = len(outer), len(inner)
    # covered[i][j]: outer[i:] covers inner[j:]; filled from the ends backwards.
    covered = [[False] * (n + 1) for _ in range(m + 1)]
    covered[m][n] = True
    for i in range(m - 1, -1, -1):
        for j in range(n, -1, -1):
            char = outer[i]
            if char == "*":
                # The star matches nothing, or swallows the inner pattern's next token, whatever it is.
                covered[i][j] = covered[i + 1][j] or (j < n and covered[i][j + 1])
            elif j < n and inner[j] != "*":
                # A `?` covers any one character or `?`; a literal covers only itself.
                covered[i][j] = (char == "?" or char == inner[j]) and covered[i + 1][j + 1]
    return covered[0][0]


@functools.lru_cache(maxsize=65536)
def overlaps(first: str, second: str) -> bool:
    """Whether some string is matched by both patterns."""
    if first == second or "*" in (first, second):
        return True
    head_a, head_b = _literal_head(first), _literal_head(second)
    if head_a[: len(head_b)] != head_b[: len(head_a)]:
        return False
    m, n = len(first), len(second)
    # both[i][j]: first[i:] and second[j:] match a common string.
    both = [[False] * (n + 1) for _ in range(m + 1)]
    both[m][n] = True
    for j in range(n - 1, -1, -1):
        both[m][j] = second[j] == "*" and both[m][j + 1]
    for i in range(m - 1, -1, -1):
        both[i][n] = first[i] == "*" and both[i + 1][n]
        for j in range(n - 1, -1, -1):
            a, b = first[i], second[j]
            if a == "*":
                both[i][j] = both[i + 1][j] or both[i][j + 1]
            elif b == "*":
                both[i][j] = both[i][j + 1] or both[i + 1][j]
            else:
                both[i][j] = (a == b or "?" in (a, b)) and both[i + 1][j + 1]
    return both[0][0]


def _literal_head(pattern: str) -> str:
    """The part of a pattern before its first wildcard."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    return pattern[:cut]
