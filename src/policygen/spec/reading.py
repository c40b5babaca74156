"""Reading a spec file safely: the bytes of a regular file within the size limit, and a bounded parser.

The first job is reading a file: anything that is not a regular file is refused unread (a named
pipe or a device could make reading wait forever), its size is checked before it is read and no
more than the limit is read, and it must be UTF-8 text without NUL bytes. The second is counting
the YAML parser's events (:class:`BoundedParser`), so that a document nesting too deep or growing
too large once its aliases are expanded is stopped before the composer goes deeper or anything is
built. Neither translates an error of ruamel.yaml: :mod:`policygen.spec.load` does, and turns
:class:`LimitExceeded` into a :class:`~policygen.errors.Problem`.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    ScalarEvent,
)
from ruamel.yaml.parser import RoundTripParser

from policygen.errors import PolicygenError, Problem
from policygen.spec.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES, MAX_TEXT, cut, quote

#: File suffixes that a spec folder is searched for.
SPEC_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class FileKind:
    """What a file read by :func:`read_text` should be, for its messages (policy files are read alike)."""

    noun: str  # "spec file"
    content: str  # "a YAML or JSON spec"
    names: str  # " (*.yaml, *.yml, *.json)"
    typical: str  # "a spec is a few kilobytes"


SPEC_FILE = FileKind("spec file", "a YAML or JSON spec", " (*.yaml, *.yml, *.json)", "a spec is a few kilobytes")


def folder_files(folder: Path) -> list[Path]:
    """The spec files of one folder, sorted by name (raises OSError when it cannot be listed)."""
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries if Path(e.name).suffix in SPEC_SUFFIXES and not _is_dir(e))
    return [folder / name for name in names]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symbolic link loop: not a folder (reading it says what it is)
        return False


def read_text(path: Path, kind: FileKind = SPEC_FILE) -> tuple[str | None, Problem | None]:
    """The text of a regular file of at most :data:`MAX_FILE_BYTES` bytes of UTF-8, or why not.

    ``kind`` words the messages (a spec file by default; ``policygen check`` and ``diff`` read policy
    files with the same bounds).

    The path is checked before it is opened: a named pipe would make ``open`` or ``read`` wait
    forever for a writer, and a device such as ``/dev/zero`` never ends. It is opened without
    blocking and checked again, in case it was replaced in between, and no more than the limit
    (and one byte) is read, in case it grew.
    """
    file = str(path)

    def refused(message: str, line: int = 1, column: int = 1) -> tuple[None, Problem]:
        return None, Problem(file, line, column, "", message)

    try:
        info = os.stat(path)
    except OSError as exc:
        return refused(unreadable(path, exc))
    if not stat.S_ISREG(info.st_mode):
        return refused(_not_a_file(info.st_mode, kind))
    if info.st_size > MAX_FILE_BYTES:
        return refused(_too_large(f"{info.st_size:,} bytes", kind))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                return refused(_not_a_file(info.st_mode, kind))
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return refused(unreadable(path, exc))
    if len(data) > MAX_FILE_BYTES:
        return refused(_too_large(f"more than {MAX_FILE_BYTES:,} bytes", kind))
    nul = data.find(b"\0")
    if nul >= 0:
        line, col = position(data.decode("utf-8", "replace"), len(data[:nul].decode("utf-8", "replace")))
        message = (
            f"the file holds a NUL byte: it is binary data (or UTF-16 text), not {kind.content}; "
            f"give a {kind.noun} saved as UTF-8 text."
        )
        return refused(message, line, col)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line, col = position(data[: exc.start].decode("utf-8", "replace"), exc.start)
        byte = data[exc.start]
        return refused(f"the file is not UTF-8 text: byte 0x{byte:02x} is not valid here; save it as UTF-8.", line, col)


def unreadable(path: Path, exc: OSError) -> str:
    """Why a path given (or listed in a folder) cannot be read, in words."""
    if exc.errno == errno.ELOOP:
        return "the path is a loop of symbolic links (a link that leads back to itself); point it at a spec file."
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return f"the path is a symbolic link to {quote(os.readlink(path))}, which does not exist; fix the link."
    if exc.errno == errno.ENOENT and not path.is_absolute():
        return f"no such file or folder in the working folder, {os.getcwd()}; check the path."
    if exc.errno == errno.ENOENT:
        return "no such file or folder; check the path."
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder; check the path."
    return f"cannot read {'the folder' if path.is_dir() else 'the file'}: {exc.strerror or exc}."


def _not_a_file(mode: int, kind: FileKind) -> str:
    kinds = (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    found = next((name for test, name in kinds if test(mode)), "not a regular file")
    return (
        f"the path is {found}, not a regular file; it is not read, because reading it could wait forever "
        f"or never end. Give the path of a {kind.noun}{kind.names}."
    )


def _too_large(size: str, kind: FileKind) -> str:
    return (
        f"the file is {size}, larger than the {MAX_FILE_BYTES:,} bytes (1 MiB) a {kind.noun} may have; "
        f"{kind.typical}. Check that this is the right file, or split it into smaller files."
    )


def position(text: str, index: int) -> tuple[int, int]:
    """Line and column (1-based) of the character at ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


# ---- bounds on the parser's events -------------------------------------------------------------


class LimitExceeded(PolicygenError):
    """The document passed a limit at this place (1-based line and column)."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


@dataclass
class _Open:
    """A mapping or list the parser has opened and not yet closed, and what it holds so far."""

    anchor: str | None
    line: int
    nodes: int = 1
    text: int = 0
    height: int = 0


@dataclass(frozen=True)
class _Size:
    """A node once aliases are expanded: its values, its characters of text, its nesting."""

    nodes: int
    text: int
    height: int


class _Bounds:
    """Counts the parser's events as ruamel's composer takes them, and stops it at the first limit passed.

    The composer builds nodes recursively, so thousands of levels of nesting ended in a
    ``RecursionError``; and it shares an aliased node rather than copying it, so the copy into plain
    data (and every check after it) did the work of the expanded document: a few hundred bytes of
    anchors referring to anchors expand to billions of values. Events come one at a time from a
    parser that does not recurse, so counting them bounds the depth, the number of values and the
    amount of text of the expanded document before the composer goes one level deeper or any of
    it is built: each alias counts as everything its anchor holds.
    """

    def __init__(self) -> None:
        self.latest: dict[str, _Open | _Size] = {}  # what each anchor means now (an alias uses the latest)
        self.stack: list[_Open] = []
        self.nodes = 0
        self.chars = 0

    def see(self, event: Any) -> None:
        """Account one event; raise :class:`LimitExceeded` where the document passes a limit."""
        if isinstance(event, DocumentStartEvent):
            self.latest.clear()  # anchors belong to their document
        elif isinstance(event, CollectionEndEvent):
            done = self.stack.pop()
            size = _Size(done.nodes, done.text, done.height + 1)
            if done.anchor is not None and self.latest.get(done.anchor) is done:
                self.latest[done.anchor] = size
            self._add(size)
        elif isinstance(event, AliasEvent):
            self._alias(event)
        elif isinstance(event, CollectionStartEvent):
            if len(self.stack) >= MAX_DEPTH:
                self._stop(event, _too_deep("here"))
            opened = _Open(event.anchor, event.start_mark.line + 1)
            if event.anchor is not None:
                self.latest[str(event.anchor)] = opened
            self.stack.append(opened)
            self._count(event, 1, 0)
        elif isinstance(event, ScalarEvent):
            size = _Size(1, len(event.value), 0)
            if event.anchor is not None:
                self.latest[str(event.anchor)] = size
            self._add(size)
            self._count(event, 1, size.text)

    def _alias(self, event: AliasEvent) -> None:
        name = str(event.anchor)
        target = self.latest.get(name)
        if isinstance(target, _Open):
            self._stop(
                event,
                f"the alias *{cut(name, 40)} is used inside the node of its own anchor &{cut(name, 40)} "
                f"(line {target.line}), which would make the document infinite; remove the alias.",
            )
        size = target or _Size(1, 0, 0)  # an undefined alias: the composer reports it
        if len(self.stack) + size.height > MAX_DEPTH:
            self._stop(event, _too_deep(f"with the alias *{cut(name, 40)} expanded"))
        if self.nodes + size.nodes > MAX_NODES or self.chars + size.text > MAX_TEXT:
            self._stop(event, _too_big_alias(name, size, self.nodes + size.nodes > MAX_NODES))
        self._add(size)
        self._count(event, size.nodes, size.text)

    def _add(self, size: _Size) -> None:
        """Add a finished child (a scalar, an expanded alias, a closed mapping or list) to its parent."""
        if self.stack:
            parent = self.stack[-1]
            parent.nodes += size.nodes
            parent.text += size.text
            parent.height = max(parent.height, size.height)

    def _count(self, event: Any, nodes: int, chars: int) -> None:
        self.nodes += nodes
        self.chars += chars
        if self.nodes > MAX_NODES:
            self._stop(
                event,
                f"the file holds more than {MAX_NODES:,} values (keys, items and scalars); a spec holds a few "
                "dozen. Split it into smaller files.",
            )

    @staticmethod
    def _stop(event: Any, message: str) -> NoReturn:
        mark = event.start_mark
        raise LimitExceeded(mark.line + 1, mark.column + 1, message)


class BoundedParser(RoundTripParser):
    """ruamel's round-trip parser, with every event it hands the composer counted by :class:`_Bounds`."""

    def reset_parser(self) -> None:
        """Start counting afresh (ruamel resets a parser before and after each use)."""
        super().reset_parser()
        self.bounds = _Bounds()

    def get_event(self) -> Any:
        """The next event, once it is counted (the composer takes every event through here)."""
        event = super().get_event()
        self.bounds.see(event)
        return event


def _too_deep(where: str) -> str:
    return (
        f"the file nests mappings and lists more than {MAX_DEPTH} levels deep {where}; a spec nests at most 7. "
        "Remove the extra levels."
    )


def _too_big_alias(name: str, size: _Size, values: bool) -> str:
    amount = f"{size.nodes:,} values" if values else f"{size.text:,} characters of text"
    limit = f"{MAX_NODES:,} values" if values else f"{MAX_TEXT:,} characters of text"
    return (
        f"the alias *{cut(name, 40)} repeats {amount} here, which takes the document past {limit} once its "
        "aliases are expanded (a spec holds a few dozen values). Write the values out, or share them with "
        "`defaults` in a file of many generations (see docs/spec.md)."
    )
