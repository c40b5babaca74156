"""The limits of what a spec may hold, and how a value is quoted in a message.

A spec is tiny: a file of one generation holds about 25 values, nested 5 levels deep, in well
under a kilobyte. These limits sit far above that, and far below what could make checking a file
slow or large: every file is refused before it is parsed when it is too large, and while it is
parsed (before anything is built) when aliases would expand it too far or it nests too deep. The
same limits bound the documents the provider and the constructs check. They are listed in
``docs/spec.md`` ("Limits").
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

#: Largest spec file read, in bytes (1 MiB); larger files are refused before they are read.
MAX_FILE_BYTES = 1 << 20

#: Most values (mappings, lists, keys and scalars) a document may hold after YAML aliases are
#: expanded, and most values all generations of a file may hold once merged over ``defaults``.
MAX_NODES = 10_000

#: Most characters of scalar text a document may hold after YAML aliases are expanded: one
#: anchor of a long string used many times would otherwise become gigabytes of text to check.
MAX_TEXT = MAX_FILE_BYTES

#: Deepest nesting of mappings and lists (a file of many generations nests 7 levels).
MAX_DEPTH = 64

#: Most digits of a number; longer numbers are not even read (a spec's numbers are 1 to 90).
MAX_NUMBER_DIGITS = 1_000

#: Most characters of a value quoted in a message; a longer one is cut, and its length given.
MAX_QUOTED = 80

#: Most problems reported for one file (or one document): past that, checking stops and says so.
MAX_PROBLEMS = 100

_MAX_NUMBER_BITS = math.ceil(MAX_NUMBER_DIGITS * math.log2(10))
_BITS_PER_DIGIT = math.log2(10)


@dataclass(frozen=True)
class LongNumber:
    """A number written with more than :data:`MAX_NUMBER_DIGITS` digits, kept unread.

    Reading it could take seconds (converting digits to an integer is quadratic) and printing it
    fails past Python's own limit, so the loader keeps it as this placeholder: the schema then
    reports it like any value of the wrong type, in plain words.
    """

    text: str
    digits: int

    def __str__(self) -> str:
        return self.text  # as a mapping key, it is the key as written

    def __repr__(self) -> str:
        return f"a number of {self.digits:,} digits"


def digits_of(value: int) -> int:
    """How many decimal digits an integer has, without converting it to text (which can fail)."""
    bits = abs(value).bit_length()
    if bits <= _MAX_NUMBER_BITS:
        try:
            return len(str(abs(value)))
        except ValueError:  # PYTHONINTMAXSTRDIGITS set below our own limit
            pass
    return int(bits / _BITS_PER_DIGIT) + 1


def is_long_number(value: object) -> bool:
    """Whether ``value`` is a number with more than :data:`MAX_NUMBER_DIGITS` digits."""
    if isinstance(value, LongNumber):
        return True
    return isinstance(value, int) and not isinstance(value, bool) and abs(value).bit_length() > _MAX_NUMBER_BITS


def quote(value: object) -> str:
    """``value`` as a message shows it: as Python's ``repr``, cut to :data:`MAX_QUOTED` characters.

    A cut string ends in ``… (N characters)``; numbers are written as YAML writes them (``.inf``,
    ``.nan``); lists and mappings show their first items only. Every message that quotes a value
    the user wrote goes through here, so no message echoes a megabyte back.
    """
    if isinstance(value, str):
        if len(value) <= MAX_QUOTED:
            return repr(value)
        return f"{value[:MAX_QUOTED]!r}… ({len(value):,} characters)"
    return _text(value, 0)


def cut(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` cut to ``limit`` characters, ending in ``… (N characters)`` when it was longer."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_QUOTED else f"{text[:MAX_QUOTED]}…"


def _text(value: object, depth: int) -> str:
    """A short rendering of any value: containers show at most a few items, two levels deep."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(float(value))
    if isinstance(value, int):
        try:
            text = "" if is_long_number(value) else str(int(value))
        except ValueError:  # PYTHONINTMAXSTRDIGITS set below our own limit
            text = ""
        if not text:
            return f"a number of about {digits_of(value):,} digits"
        return text if len(text) <= MAX_QUOTED else f"{text[:MAX_QUOTED]}… ({len(text):,} digits)"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, list | tuple | dict):
        if depth >= 2:
            return "[…]" if isinstance(value, list | tuple) else "{…}"
        items = list(itertools.islice(value.items() if isinstance(value, dict) else value, 4))
        if isinstance(value, dict):
            shown = [f"{_text(k, depth + 1)}: {_text(v, depth + 1)}" for k, v in items]
        else:
            shown = [_text(item, depth + 1) for item in items]
        more = ", …" if len(value) > len(items) else ""
        body = ", ".join(shown) + more
        return _cut(f"{{{body}}}" if isinstance(value, dict) else f"[{body}]")
    return _cut(repr(value))
