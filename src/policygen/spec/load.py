"""Loading spec files: YAML or JSON, JSON Schema, semantic checks, located problems.

This is the one place where errors of ruamel.yaml and jsonschema are translated into
:class:`~policygen.errors.Problem` objects. A file is read once, checked against the schema as a
whole, then split into its generations (:mod:`policygen.spec.generations`), each merged over the
file's defaults and checked by the semantic rules (:mod:`policygen.spec.checks`); every problem is
reported at the line where the offending value was written.

Every file is read within the limits of :mod:`policygen.spec.limits`: its size is checked before
it is read, its depth and its size once YAML aliases are expanded are checked on each parser event
as the composer takes it (before the composer goes deeper, and before anything is constructed),
and anything that is not a regular file is refused unread (a named pipe or a device could make
reading wait forever).
"""

from __future__ import annotations

import errno
import functools
import itertools
import json
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    ScalarEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.parser import RoundTripParser
from ruamel.yaml.reader import ReaderError

from policygen.errors import Problem, SpecError
from policygen.spec.checks import Finding, check_request
from policygen.spec.generations import (
    Generation,
    escape,
    generations_of,
    is_generations_file,
    merged_size,
    unescape,
)
from policygen.spec.limits import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    MAX_NUMBER_DIGITS,
    MAX_PROBLEMS,
    MAX_QUOTED,
    MAX_TEXT,
    LongNumber,
    cut,
    digits_of,
    is_long_number,
    quote,
)
from policygen.spec.messages import label, required_in_generation, schema_findings
from policygen.spec.model import Spec, build_spec, terraform_identifier

#: File suffixes that a spec folder is searched for.
SPEC_SUFFIXES = (".yaml", ".yml", ".json")


class _ValueProblem(Exception):
    """A scalar whose tag says what it is cannot be read as that (``!!int abc``), with its place."""

    def __init__(self, node: ScalarNode, message: str) -> None:
        super().__init__(message)
        self.line, self.column = node.start_mark.line + 1, node.start_mark.column + 1
        self.message = message


class _Constructor(RoundTripConstructor):
    """Keeps timestamps as the strings the user wrote: the semantic checks parse and judge them.

    Numbers longer than :data:`MAX_NUMBER_DIGITS` digits are kept unread, as :class:`LongNumber`:
    converting a long run of digits takes time that grows with the square of its length, and
    Python refuses to convert more than 4,300 of them at all.
    """

    def construct_yaml_int(self, node: ScalarNode) -> Any:
        """An integer, or a :class:`LongNumber` when it has too many digits to read."""
        literal = str(node.value)
        body = literal.lstrip("+-").replace("_", "")
        body = body[2:] if body[:2].lower() in ("0x", "0o", "0b") else body
        digits = len(body)
        if digits > MAX_NUMBER_DIGITS and body.isalnum():
            return LongNumber(literal, digits)
        try:
            value = super().construct_yaml_int(node)
        except ValueError as exc:
            if body.isdigit():  # Python's own digit limit (PYTHONINTMAXSTRDIGITS) is set below ours
                return LongNumber(literal, digits)
            raise _ValueProblem(
                node, f"the value {quote(literal)} is tagged !!int but is not a whole number; remove the tag or fix it."
            ) from exc
        return LongNumber(literal, digits_of(value)) if is_long_number(value) else value

    def construct_yaml_float(self, node: ScalarNode) -> Any:
        """A number (``1e999`` is read as ``.inf``: the schema then says it is out of range)."""
        try:
            return super().construct_yaml_float(node)
        except ValueError as exc:
            literal = quote(str(node.value))
            raise _ValueProblem(
                node, f"the value {literal} is tagged !!float but is not a number; remove the tag or fix it."
            ) from exc


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)
_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
_Constructor.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)


class _Composer(Composer):
    """Stays quiet about an anchor defined twice: YAML allows it (an alias means the latest one)."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.warn_double_anchors = False


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Parser = _BoundedParser
    yaml.Constructor = _Constructor
    yaml.Composer = _Composer
    return yaml


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of a spec document (``schemas/policy-generation.schema.json``)."""
    text = resources.files("policygen.spec").joinpath("policy-generation.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _unique_items(validator: Any, unique: Any, instance: Any, rule: Any) -> Iterator[ValidationError]:
    """``uniqueItems`` in linear time.

    jsonschema's own compares every pair of items when they cannot be sorted (numbers mixed with
    strings, say): 5,000 items of ``regions`` took 9 s. Its message, which echoes the whole
    list, is never shown (see :func:`policygen.spec.messages.schema_message`).
    """
    if unique and validator.is_type(instance, "array"):
        seen: set[Any] = set()
        for item in instance:
            key = _identity(item)
            if key in seen:
                yield ValidationError("the list has non-unique elements")
                return
            seen.add(key)


def _identity(value: Any) -> Any:
    """A hashable stand-in for a value, equal where JSON Schema calls values equal.

    ``true`` is not ``1``, ``1`` is ``1.0``, and mappings are equal whatever the order of their keys.
    """
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("string", str(value))
    if isinstance(value, list):
        return ("list", tuple(_identity(v) for v in value))
    if isinstance(value, dict):
        return ("mapping", frozenset((str(k), _identity(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return ("object", id(value))
    return ("object", value)


_Validator = validators.extend(Draft202012Validator, {"uniqueItems": _unique_items})  # type: ignore[no-untyped-call]


@functools.cache
def _validator() -> Any:
    return _Validator(schema())


@functools.cache
def _generation_validator() -> Any:
    """The schema of one complete generation, for merged documents (whatever keys they hold)."""
    root = {key: value for key, value in schema().items() if key not in ("type", "if", "then", "else")}
    return _Validator({**root, "$ref": "#/$defs/generation"})


def spec_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the spec files they hold, in a stable order.

    A folder's entries named ``*.yaml``, ``*.yml`` or ``*.json`` that are not folders are listed,
    regular files or not: a pipe, a device or a broken link named like a spec is refused when it
    is read, instead of being skipped without a word (a generation missing from synth would be
    destroyed by the next apply).
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(_folder_files(path))
        else:
            found.append(path)
    return found


def _folder_files(folder: Path) -> list[Path]:
    """The spec files of one folder, sorted by name (raises OSError when it cannot be listed)."""
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries if Path(e.name).suffix in SPEC_SUFFIXES and not _is_dir(e))
    return [folder / name for name in names]


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a symbolic link loop: not a folder (reading it says what it is)
        return False


def check_paths(paths: Iterable[str | Path], now: datetime | None = None) -> tuple[list[Spec], list[Problem]]:
    """Load every spec under ``paths``; return the specs and every problem of every file.

    The specs are returned only when there is no problem at all (else an empty list), so a caller
    never acts on part of a folder. Names must be unique across everything checked together.
    """
    paths = list(paths)
    specs: list[Spec] = []
    problems: list[Problem] = []
    names: list[_Name] = []
    if not paths:
        problems.append(Problem("<arguments>", 1, 1, "", "no spec files or folders given."))
    for raw in paths:
        path = Path(raw)
        try:
            files = _folder_files(path) if stat.S_ISDIR(os.stat(path).st_mode) else [path]
        except OSError as exc:
            problems.append(Problem(str(path), 1, 1, "", _unreadable(path, exc)))
            continue
        if not files:
            problems.append(Problem(str(path), 1, 1, "", "the folder holds no spec files (*.yaml, *.yml, *.json)."))
        for file in files:
            result = _check_file(file, now)
            specs.extend(result.specs)
            problems.extend(result.problems)
            names.extend(result.names)
    problems.extend(_duplicate_names(names))
    order = {file: index for index, file in enumerate(dict.fromkeys(p.file for p in problems))}
    problems.sort(key=lambda p: (order[p.file], p.line, p.column))
    return (specs if not problems else []), problems


def load_paths(paths: Iterable[str | Path], now: datetime | None = None) -> list[Spec]:
    """Load every spec under ``paths``; raise :class:`SpecError` listing all problems if any."""
    specs, problems = check_paths(paths, now)
    if problems:
        raise SpecError(problems)
    return specs


def from_document(doc: dict[str, Any], source: str = "<inline>", now: datetime | None = None) -> Spec:
    """Validate one generation given as a mapping (API field names) and build its :class:`Spec`.

    ``name`` may be left out here (the caller names the construct); the rest is checked as in a file.
    """
    problems = [Problem(source, 1, 1, pointer, message) for pointer, message in document_findings(doc, now)]
    if is_generations_file(doc):
        problems.append(Problem(source, 1, 1, "", "expected one generation, got a file of many; use load_paths."))
    if problems:
        raise SpecError(problems)
    return build_spec(doc, source)


def document_findings(doc: Any, now: datetime | None = None) -> list[Finding]:
    """Every problem of a spec document, of either form, as ``(pointer, message)``.

    Schema problems come first, then the semantic problems of every generation (merged over the
    defaults) at pointers the schema did not already fault. This is what the provider runs at
    plan time, so a request written by hand in HCL gets the same messages as a spec file.
    """
    return _analyse(doc, now)[1]


# ---- one file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    """Where a generation's name was written, for the check that names are unique."""

    name: str
    file: str
    line: int
    column: int
    pointer: str


@dataclass(frozen=True)
class _FileResult:
    specs: list[Spec]
    problems: list[Problem]
    names: list[_Name]


def _check_file(path: Path, now: datetime | None) -> _FileResult:
    file = str(path)
    doc, plain, problem = _read(path)
    if problem is not None:
        return _FileResult([], [problem], [])
    generations, findings = _analyse(plain, now)
    if isinstance(plain, dict) and not is_generations_file(plain) and "name" not in plain:
        findings.insert(0, ("/name", "name is required in a spec file; add it, e.g. `name: app-role`."))
    problems = sorted(
        (Problem(file, *_locate(doc, pointer), _shown_pointer(pointer), message) for pointer, message in findings),
        key=lambda p: (p.line, p.column),
    )
    names = [
        _Name(g.name, file, *_locate(doc, f"{g.pointer}/name"), f"{g.pointer}/name")
        for g in generations
        if g.name is not None
    ]
    if problems:
        return _FileResult([], problems, names)
    specs = [build_spec(g.document, f"{file}:{_locate(doc, g.pointer)[0]}") for g in generations]
    return _FileResult(specs, [], names)


def _read(path: Path) -> tuple[Any, Any, Problem | None]:
    """The file's YAML document (ruamel's nodes, and as plain data), or the problem that stops reading it."""
    file = str(path)
    text, problem = _read_text(path)
    if problem is not None:
        return None, None, problem
    assert text is not None
    try:
        doc = _yaml().load(text)
    except _LimitExceeded as exc:
        return None, None, Problem(file, exc.line, exc.column, "", exc.message)
    except DuplicateKeyError as exc:
        line, col = _mark(exc)
        return (
            None,
            None,
            Problem(file, line, col, "", f"duplicate key: {cut(str(exc.problem), 200)}; keep only one of them."),
        )
    except MarkedYAMLError as exc:
        line, col = _mark(exc)
        detail = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, None, Problem(file, line, col, "", f"YAML syntax error: {cut(detail, 200)}.")
    except ReaderError as exc:  # a character YAML does not allow (a control character)
        line, col = _position(text, exc.position)
        message = (
            f"the file holds the control character U+{exc.character:04X}, which YAML does not allow; "
            'remove it (or quote it as an escape, e.g. "\\t").'
            if isinstance(exc.character, int)
            else f"YAML syntax error: {cut(str(exc), 200)}."
        )
        return None, None, Problem(file, line, col, "", message)
    except YAMLError as exc:  # other errors of the reader carry no mark
        return None, None, Problem(file, 1, 1, "", f"YAML syntax error: {cut(str(exc), 200)}.")
    except _ValueProblem as exc:
        return None, None, Problem(file, exc.line, exc.column, "", exc.message)
    except (ValueError, TypeError) as exc:  # explicit tags with a bad value, e.g. `!!bool abc`
        message = f"YAML value error: {cut(str(exc), 200)}; remove the explicit tag or fix the value."
        return None, None, Problem(file, 1, 1, "", message)
    if doc is None:
        return None, None, Problem(file, 1, 1, "", "the file is empty; it must hold a spec mapping (see docs/spec.md).")
    if not isinstance(doc, dict):
        line, col = _locate(doc, "")
        message = f"the file holds {_json_kind(doc)}, not a mapping; a spec is a mapping of keys to values."
        return None, None, Problem(file, line, col, "", message)
    return doc, _plain(doc), None


def _read_text(path: Path) -> tuple[str | None, Problem | None]:
    """The text of a regular file of at most :data:`MAX_FILE_BYTES` bytes of UTF-8, or why not.

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
        return refused(_unreadable(path, exc))
    if not stat.S_ISREG(info.st_mode):
        return refused(_not_a_file(info.st_mode))
    if info.st_size > MAX_FILE_BYTES:
        return refused(_too_large(f"{info.st_size:,} bytes"))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                return refused(_not_a_file(info.st_mode))
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return refused(_unreadable(path, exc))
    if len(data) > MAX_FILE_BYTES:
        return refused(_too_large(f"more than {MAX_FILE_BYTES:,} bytes"))
    nul = data.find(b"\0")
    if nul >= 0:
        line, col = _position(data.decode("utf-8", "replace"), len(data[:nul].decode("utf-8", "replace")))
        message = (
            "the file holds a NUL byte: it is binary data (or UTF-16 text), not a YAML or JSON spec; "
            "give a spec file saved as UTF-8 text."
        )
        return refused(message, line, col)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line, col = _position(data[: exc.start].decode("utf-8", "replace"), exc.start)
        byte = data[exc.start]
        return refused(f"the file is not UTF-8 text: byte 0x{byte:02x} is not valid here; save it as UTF-8.", line, col)


def _unreadable(path: Path, exc: OSError) -> str:
    """Why a path given (or listed in a folder) cannot be read, in words."""
    if exc.errno == errno.ELOOP:
        return "the path is a loop of symbolic links (a link that leads back to itself); point it at a spec file."
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return f"the path is a symbolic link to {quote(os.readlink(path))}, which does not exist; fix the link."
    if exc.errno == errno.ENOENT:
        return "no such file or folder; check the path."
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder; check the path."
    return f"cannot read {'the folder' if path.is_dir() else 'the file'}: {exc.strerror or exc}."


def _not_a_file(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    kind = next((name for test, name in kinds if test(mode)), "not a regular file")
    return (
        f"the path is {kind}, not a regular file; it is not read, because reading it could wait forever "
        "or never end. Give the path of a spec file (*.yaml, *.yml, *.json)."
    )


def _too_large(size: str) -> str:
    return (
        f"the file is {size}, larger than the {MAX_FILE_BYTES:,} bytes (1 MiB) a spec file may have; "
        "a spec is a few kilobytes. Check that this is the right file, or split it into smaller files."
    )


def _position(text: str, index: int) -> tuple[int, int]:
    """Line and column (1-based) of the character at ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


# ---- bounds on the parser's events -------------------------------------------------------------


class _LimitExceeded(Exception):
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
        """Account one event; raise :class:`_LimitExceeded` where the document passes a limit."""
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
        raise _LimitExceeded(mark.line + 1, mark.column + 1, message)


class _BoundedParser(RoundTripParser):
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


def _mark(exc: MarkedYAMLError) -> tuple[int, int]:
    mark = exc.problem_mark or exc.context_mark
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


def _json_kind(value: Any) -> str:
    return "a list" if isinstance(value, list) else f"a single value ({type(value).__name__})"


# ---- checking a document -----------------------------------------------------------------------


#: Schema rules that fault a value itself: semantic checks of that value (and inside it) are skipped.
_VALUE_RULES = frozenset({"type", "pattern", "const", "minimum", "maximum", "minLength", "maxLength"})


def _analyse(doc: Any, now: datetime | None) -> tuple[list[Generation], list[Finding]]:
    """The generations of a document and every problem found, with pointers into the document.

    At most :data:`MAX_PROBLEMS` problems are gathered: past that, checking stops, and a last
    problem says so. Besides keeping the report readable, this bounds the work of a hostile
    document (each unknown Region, say, costs a search for the closest known one).
    """
    beyond = _beyond_limits(doc)
    if beyond:
        return [], beyond  # the schema and the checks recurse, and echo values: not for this document
    errors = list(itertools.islice(_validator().iter_errors(doc), MAX_PROBLEMS + 1))
    errors.sort(key=lambda e: [str(p) for p in e.absolute_path])
    findings: list[Finding] = [finding for e in errors for finding in schema_findings(e)]
    faulted = {_pointer(e.absolute_path) for e in errors if e.validator in _VALUE_RULES}
    if not isinstance(doc, dict) or len(findings) > MAX_PROBLEMS:
        return [], _capped(_unique(findings))
    if merged_size(doc, MAX_NODES) > MAX_NODES:
        findings.append(
            (
                "/generations",
                f"the generations of this file, each merged over `defaults`, hold more than {MAX_NODES:,} values; "
                "a generation holds a few dozen. Split the file into smaller files, or move what only some "
                "generations need out of `defaults`.",
            )
        )
        return [], _unique(findings)
    generations = generations_of(doc)
    findings.extend(_semantic_findings(doc, generations, faulted, now, MAX_PROBLEMS - len(findings)))
    return generations, _capped(_unique(findings))


def _semantic_findings(
    doc: dict[str, Any], generations: list[Generation], faulted: set[str], now: datetime | None, budget: int
) -> list[Finding]:
    """The problems of every generation (merged over the defaults) that the schema did not already fault.

    A problem of the defaults is reported once, at the defaults, noting the generations it is wrong
    for when it is not wrong for all. Checking stops once more than ``budget`` problems are found.
    """
    found: list[Finding] = []
    shared: dict[Finding, list[str]] = {}

    def full() -> bool:
        return len(found) + len(shared) > budget

    for generation in generations:
        found.extend(generation.conflicts)
        if is_generations_file(doc):
            found.extend(_missing(generation))
        for pointer, message in check_request(generation.document, now):
            source = generation.source_pointer(pointer)
            if _within(source, faulted):
                continue  # the schema already faulted this value
            if generation.from_entry(source):
                found.append((source, message))
            else:
                shared.setdefault((source, message), []).append(generation.name or generation.pointer)
            if full():
                break  # stop asking the generator: the rest of this generation is never checked
        if full():
            break
    for (source, message), users in shared.items():
        if len(users) == len(generations):
            found.append((source, message))  # wrong for every generation: the default itself is wrong
        else:
            which = ", ".join(quote(u) for u in users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
            found.append((source, f"{message} (in generation{'s' if len(users) > 1 else ''} {which})"))
    return found


def _capped(findings: list[Finding]) -> list[Finding]:
    """The first :data:`MAX_PROBLEMS` findings, and one more saying that checking stopped there."""
    if len(findings) <= MAX_PROBLEMS:
        return findings
    note = (
        f"more than {MAX_PROBLEMS} problems: checking stopped after the first {MAX_PROBLEMS}, listed here. "
        "Fix them and check again."
    )
    return [*findings[:MAX_PROBLEMS], ("", note)]


def _within(pointer: str, faulted: set[str]) -> bool:
    """Whether ``pointer`` is one of ``faulted`` or lies inside one (a lookup per level, not per pointer)."""
    while True:
        if pointer in faulted:
            return True
        if not pointer:
            return False
        pointer = pointer[: pointer.rfind("/")]


def _beyond_limits(doc: Any) -> list[Finding]:
    """The limits a plain document passes: depth, number of values, numbers too long to print.

    Files are bounded while they are parsed (:class:`_Bounds`); this bounds what the provider and
    the constructs hand over, which never went through YAML. The walk uses no recursion, counts
    shared and circular parts each time they are reached, and stops at the first limit passed.
    """
    stack: list[tuple[Any, tuple[Any, ...]]] = [(doc, ())]
    nodes = 0
    while stack:
        node, path = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return [("", f"the document holds more than {MAX_NODES:,} values; a request holds a few dozen.")]
        if isinstance(node, dict | list):
            if len(path) >= MAX_DEPTH:
                return [(_pointer(path), _too_deep_document())]
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((value, (*path, key)) for key, value in items)
        elif is_long_number(node) and not isinstance(node, LongNumber):  # YAML's are reported by the schema
            message = (
                f"{label(path)} is a number of about {digits_of(node):,} digits, more than the "
                f"{MAX_NUMBER_DIGITS:,} any value of a request may have; give the number meant."
            )
            return [(_pointer(path), message)]
    return []


def _too_deep_document() -> str:
    return (
        f"the document nests mappings and lists more than {MAX_DEPTH} levels deep here; a request nests at "
        "most 7. Remove the extra levels."
    )


def _missing(generation: Generation) -> Iterator[Finding]:
    """Required fields that neither the entry nor the defaults give (a merged document is complete)."""
    for error in _generation_validator().iter_errors(generation.document):
        if error.validator == "required":
            yield generation.pointer, required_in_generation(error, generation.name)


def _unique(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


# ---- names -------------------------------------------------------------------------------------


def _duplicate_names(names: list[_Name]) -> list[Problem]:
    """Names must be unique, and must stay unique once hyphens become underscores for Terraform."""
    by_name: dict[str, _Name] = {}
    by_identifier: dict[str, _Name] = {}
    problems = []
    for item in names:
        identifier = terraform_identifier(item.name)
        if item.name in by_name:
            first = by_name[item.name]
            message = (
                f"the name {quote(item.name)} is already used at {first.file}:{first.line}; names must be unique "
                "across all spec files checked together. Rename one of them."
            )
        elif identifier in by_identifier:
            first = by_identifier[identifier]
            message = (
                f"the name {quote(item.name)} becomes the Terraform name {quote(identifier)}, as "
                f"{quote(first.name)} at {first.file}:{first.line} does; rename one of them."
            )
        else:
            by_name[item.name] = by_identifier[identifier] = item
            continue
        problems.append(Problem(item.file, item.line, item.column, item.pointer, message))
    return problems


# ---- YAML nodes and pointers -------------------------------------------------------------------


def _plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (what jsonschema and Spec expect).

    Recursion is safe here: :class:`_Bounds` has already refused documents nested deeper than
    :data:`MAX_DEPTH`, larger than :data:`MAX_NODES` once aliases are expanded, or holding an
    alias inside its own anchor.
    """
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, TaggedScalar):
        return str(node.value)
    if isinstance(node, str):
        return str(node)
    return node


def _shown_pointer(pointer: str) -> str:
    """A pointer as a file's problem shows it: each key longer than :data:`MAX_QUOTED` is cut.

    An unknown key of half a megabyte would otherwise be printed whole (the message quotes it
    cut, the line and column say where it is).
    """
    if len(pointer) <= MAX_QUOTED:
        return pointer
    return "/".join(cut(part) for part in pointer.split("/"))


def _pointer(path: Iterable[Any]) -> str:
    return "".join("/" + escape(str(part)) for part in path)


def _locate(doc: Any, pointer: str) -> tuple[int, int]:
    """Line and column (1-based) of the value at ``pointer``, or of the deepest node that exists."""
    node, line, col = doc, 1, 1
    if isinstance(doc, CommentedMap | CommentedSeq):
        line, col = doc.lc.line + 1, doc.lc.col + 1
    for raw in [unescape(p) for p in pointer.split("/")[1:]]:
        try:
            if isinstance(node, CommentedMap) and raw in node:
                line, col = node.lc.value(raw)[0] + 1, node.lc.value(raw)[1] + 1
                node = node[raw]
            elif isinstance(node, CommentedSeq) and raw.isdigit() and int(raw) < len(node):
                line, col = node.lc.item(int(raw))[0] + 1, node.lc.item(int(raw))[1] + 1
                node = node[int(raw)]
            else:
                break
        except (KeyError, IndexError, TypeError):  # keys from a YAML merge (`<<:`) carry no position
            break
    return line, col
