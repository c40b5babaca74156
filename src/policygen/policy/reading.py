"""Reading a policy in bounded time and memory: its file, then its JSON, before anything is built.

Every offline reader of a policy (``policygen check`` and ``diff``, the embedded endpoint's policy
checks, :func:`policygen.policy.parse_policy`) comes through here, so a hostile document is refused
with one sentence instead of a traceback, a hang or gigabytes of memory:

* **A file** is read as spec files are (:func:`policygen.spec.reading.read_text`, worded for
  policies): only a regular file (not ``/dev/zero``, not a FIFO), at most 1 MiB, UTF-8, no NUL
  bytes. Its problems are the caller's to word (the CLI: a usage error).
* **The text** (:func:`load_json`): at most :data:`MAX_POLICY_CHARS` characters; nested at most
  :data:`MAX_POLICY_DEPTH` levels, counted by a scan that does not recurse, before ``json.loads``
  (which recurses, and ended in ``RecursionError`` at 10,000 levels); every number at most
  :data:`~policygen.spec.limits.MAX_NUMBER_DIGITS` digits and finite once read (``1e999999`` reads as
  infinity; a 5,000-digit integer cannot be read at all). A document past a limit raises
  :class:`~policygen.errors.PolicyLimitError`; a JSON syntax error is left to ``json.loads``.

The limits are the spec's (:mod:`policygen.spec.limits`) and sit far above any IAM policy: AWS allows
6,144 characters in a managed policy and 20 KB in a bucket policy, and a policy nests 5 or 6 levels.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from policygen.errors import PolicyLimitError
from policygen.spec.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NUMBER_DIGITS
from policygen.spec.reading import FileKind

#: Most characters of a policy document read (1 MiB, as a spec file; the endpoint's body limit too).
MAX_POLICY_CHARS = MAX_FILE_BYTES
#: Deepest nesting of arrays and objects read.
MAX_POLICY_DEPTH = MAX_DEPTH
#: How messages about a policy file word it.
POLICY_FILE = FileKind(
    "policy file",
    "a JSON policy",
    " (JSON)",
    "an IAM policy is a few kilobytes (AWS allows 6,144 characters in a managed policy)",
)

# The characters that open or close a level, start or end a string, or escape the next character.
_STRUCTURE = re.compile(r'["\\\[\]{}]')


def nesting_depth(text: str, stop: int = MAX_POLICY_DEPTH) -> int:
    """How deep arrays and objects nest in a JSON text, outside strings; counting stops past ``stop``.

    A loop over the structural characters only, with no recursion, in time linear in the text.
    Brackets of a text that is not JSON are counted as they come; ``json.loads`` says what is wrong.
    """
    depth = deepest = 0
    in_string = False
    skip_to = 0  # an escaped character is not structure
    for match in _STRUCTURE.finditer(text):
        index = match.start()
        if index < skip_to:
            continue
        char = match.group()
        if in_string:
            if char == "\\":
                skip_to = index + 2
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop:
                    break
        elif char in "]}":
            depth -= 1
    return deepest


def load_json(text: str, name: str, *, parse_constant: Callable[[str], Any] | None = None) -> Any:
    """The JSON value of a policy document, or :class:`~policygen.errors.PolicyLimitError` past a limit.

    ``name`` names the document in messages. A syntax error raises ``json.JSONDecodeError``, as
    ``json.loads`` does (``parse_constant`` is passed on to it).
    """
    if len(text) > MAX_POLICY_CHARS:
        raise PolicyLimitError(
            name,
            "size",
            f"The policy document {name} is {len(text):,} characters long, more than the {MAX_POLICY_CHARS:,} "
            f"policygen reads; {POLICY_FILE.typical}. Check that this is the right document.",
        )
    if nesting_depth(text) > MAX_POLICY_DEPTH:
        raise PolicyLimitError(
            name,
            "depth",
            f"The policy document {name} nests arrays and objects more than {MAX_POLICY_DEPTH} levels deep, "
            "which policygen does not read; an IAM policy nests 5 or 6 levels. Check that this is the right "
            "document.",
        )

    def integer(digits: str) -> int:
        _check_length(digits, name)
        return int(digits)

    def number(literal: str) -> float:
        _check_length(literal, name)
        value = float(literal)
        if not math.isfinite(value):
            raise PolicyLimitError(
                name,
                "number",
                f"The policy document {name} holds the number {literal[:40]}, which is too large to be read as a "
                "number (it would be infinity); IAM compares numbers such as 10 or 3.5. Write the value as a "
                "string, or fix it.",
            )
        return value

    return json.loads(text, parse_int=integer, parse_float=number, parse_constant=parse_constant)


def _check_length(literal: str, name: str) -> None:
    """PolicyLimitError for a number written with more than MAX_NUMBER_DIGITS characters."""
    if len(literal) > MAX_NUMBER_DIGITS:
        raise PolicyLimitError(
            name,
            "number",
            f"The policy document {name} holds a number written with {len(literal):,} characters, more than the "
            f"{MAX_NUMBER_DIGITS:,} policygen reads; IAM compares numbers such as 10 or 3.5. Fix the value.",
        )
