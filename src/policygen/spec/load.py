"""Loading spec files: YAML or JSON, located problems.

This is the one place where errors of ruamel.yaml are translated into
:class:`~policygen.errors.Problem` objects, and where the findings of jsonschema and of the
semantic checks become problems of a file. A file is read once (:mod:`policygen.spec.reading`),
parsed here, and its document checked by :mod:`policygen.spec.analysis` (the schema as a whole,
then each generation merged over the file's defaults); every problem is reported at the line where
the offending value was written.

Every file is read within the limits of :mod:`policygen.spec.limits`: its size is checked before
it is read, its depth and its size once YAML aliases are expanded are checked on each parser event
as the composer takes it (before the composer goes deeper, and before anything is constructed),
and anything that is not a regular file is refused unread (a named pipe or a device could make
reading wait forever); :mod:`policygen.spec.reading` does both.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.reader import ReaderError

from policygen.errors import Problem, SpecError
from policygen.spec.analysis import analyse, document_findings
from policygen.spec.analysis import schema as schema  # noqa: PLC0414 (policygen.spec hands it out from here)
from policygen.spec.generations import is_generations_file, unescape
from policygen.spec.limits import MAX_NUMBER_DIGITS, MAX_QUOTED, LongNumber, cut, digits_of, is_long_number, quote
from policygen.spec.model import Spec, build_spec, terraform_identifier
from policygen.spec.reading import BoundedParser, LimitExceeded, folder_files, position, read_text, unreadable


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
    yaml.Parser = BoundedParser
    yaml.Constructor = _Constructor
    yaml.Composer = _Composer
    return yaml


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
            found.extend(folder_files(path))
        else:
            found.append(path)
    return found


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
            files = folder_files(path) if stat.S_ISDIR(os.stat(path).st_mode) else [path]
        except OSError as exc:
            problems.append(Problem(str(path), 1, 1, "", unreadable(path, exc)))
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
    generations, findings = analyse(plain, now)
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
    text, problem = read_text(path)
    if problem is not None:
        return None, None, problem
    assert text is not None
    try:
        doc = _yaml().load(text)
    except LimitExceeded as exc:
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
        line, col = position(text, exc.position)
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


def _mark(exc: MarkedYAMLError) -> tuple[int, int]:
    mark = exc.problem_mark or exc.context_mark
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


def _json_kind(value: Any) -> str:
    return "a list" if isinstance(value, list) else f"a single value ({type(value).__name__})"


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

    Recursion is safe here: the parser's bounds (:class:`policygen.spec.reading._Bounds`) have
    already refused documents nested deeper than :data:`~policygen.spec.limits.MAX_DEPTH`, larger
    than :data:`~policygen.spec.limits.MAX_NODES` once aliases are expanded, or holding an alias
    inside its own anchor.
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
