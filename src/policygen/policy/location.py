"""Where a value sits in a JSON text, in the shape Access Analyzer's ValidatePolicy reports it.

A :class:`Location` is a ``path`` through the JSON (``{"value": "Statement"}``, ``{"index": 0}``,
``{"value": "Action"}``, ``{"index": 2}``; ``{"key": "Foo"}`` names an object key itself) and a
``span`` of two :class:`Position` values, as botocore's model defines them (shapes ``Location``,
``PathElement``, ``Span``, ``Position``): ``line`` counts from 1, ``column`` and ``offset`` from 0,
the end is exclusive, and a string's span includes its quotes.

Python's ``json`` module reports no positions for the values it decodes, so :class:`SourceMap`
scans the text once more, after ``json.loads`` has accepted it, and records the span of every value
and every key by its pointer (``("Statement", 0, "Action", 2)``).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Literal

#: A pointer into a JSON document: object keys and array indices, outermost first.
Pointer = tuple[str | int, ...]
#: One element of a ValidatePolicy path: ``("value", "Statement")``, ``("index", 0)`` or ``("key", "Foo")``.
PathElement = tuple[Literal["key", "value", "index"], str | int]

_WHITESPACE = " \t\n\r"
# Everything json.loads accepts outside strings, arrays and objects (it has accepted the text already).
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


@dataclass(frozen=True, order=True)
class Position:
    """A place in the text: ``line`` from 1, ``column`` and ``offset`` (characters) from 0."""

    line: int
    column: int
    offset: int

    def to_dict(self) -> dict[str, int]:
        """The position in botocore's ``Position`` shape."""
        return {"line": self.line, "column": self.column, "offset": self.offset}


@dataclass(frozen=True)
class Span:
    """A stretch of the text: ``start`` inclusive, ``end`` exclusive."""

    start: Position
    end: Position

    def to_dict(self) -> dict[str, dict[str, int]]:
        """The span in botocore's ``Span`` shape."""
        return {"start": self.start.to_dict(), "end": self.end.to_dict()}


@dataclass(frozen=True)
class Location:
    """A place in a policy: the path to it through the JSON and the span of its text."""

    path: tuple[PathElement, ...]
    span: Span

    def to_dict(self) -> dict[str, object]:
        """The location in botocore's ``Location`` shape."""
        return {"path": [{kind: value} for kind, value in self.path], "span": self.span.to_dict()}

    def __str__(self) -> str:
        start = self.span.start
        return f"line {start.line}, column {start.column}"


def path_of(pointer: Pointer, *, key: bool = False) -> tuple[PathElement, ...]:
    """The ValidatePolicy path of a pointer; with ``key`` the last element names the key, not its value."""
    elements: list[PathElement] = [("index", part) if isinstance(part, int) else ("value", part) for part in pointer]
    if key and elements and elements[-1][0] == "value":
        elements[-1] = ("key", elements[-1][1])
    return tuple(elements)


def position_at(text: str, offset: int) -> Position:
    """The position of a character offset in ``text`` (for texts that are not valid JSON too)."""
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(line=text.count("\n", 0, offset) + 1, column=offset - line_start, offset=offset)


class SourceMap:
    """The spans of every value and key of a JSON text that ``json.loads`` accepts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self._values: dict[Pointer, tuple[int, int]] = {}
        self._keys: dict[Pointer, tuple[int, int]] = {}
        start = self._skip(0)
        if start < len(text):
            self._scan(start, ())

    def position(self, offset: int) -> Position:
        """The line, column and offset of a character offset."""
        line = bisect.bisect_right(self._line_starts, offset)
        return Position(line=line, column=offset - self._line_starts[line - 1], offset=offset)

    def span(self, start: int, end: int) -> Span:
        """The span between two character offsets."""
        return Span(self.position(start), self.position(end))

    def has(self, pointer: Pointer) -> bool:
        """Whether the text has a value at ``pointer``."""
        return pointer in self._values

    def locate(self, pointer: Pointer, *, key: bool = False) -> Location:
        """The location of the value (or, with ``key``, of the key) at ``pointer``.

        A pointer the text does not have (an element that is missing) falls back to its nearest
        ancestor that exists, so that "add an Effect" points at the statement that lacks one.
        """
        table = self._keys if key else self._values
        if pointer in table:
            start, end = table[pointer]
            return Location(path_of(pointer, key=key), self.span(start, end))
        for cut in range(len(pointer) - 1, -1, -1):
            if pointer[:cut] in self._values:
                start, end = self._values[pointer[:cut]]
                return Location(path_of(pointer[:cut]), self.span(start, end))
        return Location((), self.span(0, len(self.text)))

    def _skip(self, index: int) -> int:
        while index < len(self.text) and self.text[index] in _WHITESPACE:
            index += 1
        return index

    def _string_end(self, index: int) -> int:
        # `index` is at the opening quote of a string json.loads has decoded, so escapes are well formed.
        index += 1
        while self.text[index] != '"':
            index += 2 if self.text[index] == "\\" else 1
        return index + 1

    def _scan(self, start: int, pointer: Pointer) -> int:
        text = self.text
        char = text[start]
        if char == "{":
            index = self._skip(start + 1)
            while text[index] != "}":
                key_end = self._string_end(index)
                child = (*pointer, json.loads(text[index:key_end]))
                self._keys[child] = (index, key_end)
                index = self._skip(self._scan(self._skip(self._skip(key_end) + 1), child))
                if text[index] == ",":
                    index = self._skip(index + 1)
            end = index + 1
        elif char == "[":
            index = self._skip(start + 1)
            position = 0
            while text[index] != "]":
                index = self._skip(self._scan(index, (*pointer, position)))
                position += 1
                if text[index] == ",":
                    index = self._skip(index + 1)
            end = index + 1
        elif char == '"':
            end = self._string_end(start)
        else:
            match = _SCALAR.match(text, start)
            end = match.end() if match else start + 1
        self._values[pointer] = (start, end)
        return end
