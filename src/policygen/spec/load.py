"""Loading spec files: YAML or JSON, JSON Schema, semantic checks, located problems.

This is the one place where errors of ruamel.yaml and jsonschema are translated into
:class:`~policygen.errors.Problem` objects. A file is read once, checked against the schema as a
whole, then split into its generations (:mod:`policygen.spec.generations`), each merged over the
file's defaults and checked by the semantic rules (:mod:`policygen.spec.checks`); every problem is
reported at the line where the offending value was written.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from policygen.errors import Problem, SpecError
from policygen.spec.checks import Finding, check_request, format_timestamp, parse_timestamp
from policygen.spec.generations import Generation, escape, generations_of, is_generations_file, unescape
from policygen.spec.messages import required_in_generation, schema_findings
from policygen.spec.model import Spec, Trail, terraform_identifier

#: File suffixes that a spec folder is searched for.
SPEC_SUFFIXES = (".yaml", ".yml", ".json")


class _Constructor(RoundTripConstructor):
    """Keeps timestamps as the strings the user wrote: the semantic checks parse and judge them."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _Constructor
    return yaml


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of a spec document (``schemas/policy-generation.schema.json``)."""
    text = resources.files("policygen.spec").joinpath("policy-generation.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


@functools.cache
def _generation_validator() -> Draft202012Validator:
    """The schema of one complete generation, for merged documents (whatever keys they hold)."""
    root = {key: value for key, value in schema().items() if key not in ("type", "if", "then", "else")}
    return Draft202012Validator({**root, "$ref": "#/$defs/generation"})


def spec_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the spec files they hold, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file()))
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
        if not path.exists():
            problems.append(Problem(str(path), 1, 1, "", "no such file or folder; check the path."))
        elif path.is_dir() and not spec_files([path]):
            problems.append(Problem(str(path), 1, 1, "", "the folder holds no spec files (*.yaml, *.yml, *.json)."))
        for file in spec_files([path]) if path.exists() else []:
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
    return _build(doc, source)


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
        (Problem(file, *_locate(doc, pointer), pointer, message) for pointer, message in findings),
        key=lambda p: (p.line, p.column),
    )
    names = [
        _Name(g.name, file, *_locate(doc, f"{g.pointer}/name"), f"{g.pointer}/name")
        for g in generations
        if g.name is not None
    ]
    if problems:
        return _FileResult([], problems, names)
    specs = [_build(g.document, f"{file}:{_locate(doc, g.pointer)[0]}") for g in generations]
    return _FileResult(specs, [], names)


def _read(path: Path) -> tuple[Any, Any, Problem | None]:
    """The file's YAML document (ruamel's nodes, and as plain data), or the problem that stops reading it."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, None, Problem(file, 1, 1, "", "the file is not UTF-8 text; save it as UTF-8.")
    except OSError as exc:
        return None, None, Problem(file, 1, 1, "", f"cannot read the file: {exc.strerror or exc}.")
    try:
        doc = _yaml().load(text)
    except DuplicateKeyError as exc:
        line, col = _mark(exc)
        return None, None, Problem(file, line, col, "", f"duplicate key: {exc.problem}; keep only one of them.")
    except MarkedYAMLError as exc:
        line, col = _mark(exc)
        detail = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return None, None, Problem(file, line, col, "", f"YAML syntax error: {detail}.")
    except YAMLError as exc:  # errors of the reader (bad characters) carry no mark
        return None, None, Problem(file, 1, 1, "", f"YAML syntax error: {exc}.")
    except (ValueError, TypeError) as exc:  # explicit tags with a bad value, e.g. `!!int abc`
        message = f"YAML value error: {exc}; remove the explicit tag or fix the value."
        return None, None, Problem(file, 1, 1, "", message)
    if doc is None:
        return None, None, Problem(file, 1, 1, "", "the file is empty; it must hold a spec mapping (see docs/spec.md).")
    if not isinstance(doc, dict):
        line, col = _locate(doc, "")
        message = f"the file holds {_json_kind(doc)}, not a mapping; a spec is a mapping of keys to values."
        return None, None, Problem(file, line, col, "", message)
    try:
        plain = _plain(doc)
    except _RecursiveAliasError:
        message = "the file holds a recursive YAML alias (an anchor used inside its own node); remove it."
        return None, None, Problem(file, 1, 1, "", message)
    return doc, plain, None


def _mark(exc: MarkedYAMLError) -> tuple[int, int]:
    mark = exc.problem_mark or exc.context_mark
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


def _json_kind(value: Any) -> str:
    return "a list" if isinstance(value, list) else f"a single value ({type(value).__name__})"


# ---- checking a document -----------------------------------------------------------------------


#: Schema rules that fault a value itself: semantic checks of that value (and inside it) are skipped.
_VALUE_RULES = frozenset({"type", "pattern", "const", "minimum", "maximum", "minLength", "maxLength"})


def _analyse(doc: Any, now: datetime | None) -> tuple[list[Generation], list[Finding]]:
    """The generations of a document and every problem found, with pointers into the document."""
    errors = sorted(_validator().iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    findings: list[Finding] = [finding for e in errors for finding in schema_findings(e)]
    faulted = {_pointer(e.absolute_path) for e in errors if e.validator in _VALUE_RULES}
    if not isinstance(doc, dict):
        return [], _unique(findings)
    generations = generations_of(doc)
    many = is_generations_file(doc)
    shared: dict[Finding, list[str]] = {}
    for generation in generations:
        findings.extend(generation.conflicts)
        if many:
            findings.extend(_missing(generation))
        for pointer, message in check_request(generation.document, now):
            source = generation.source_pointer(pointer)
            if any(source == f or source.startswith(f + "/") for f in faulted):
                continue  # the schema already faulted this value
            if generation.from_entry(source):
                findings.append((source, message))
            else:
                shared.setdefault((source, message), []).append(generation.name or generation.pointer)
    for (source, message), users in shared.items():
        if len(users) == len(generations):
            findings.append((source, message))  # wrong for every generation: the default itself is wrong
        else:
            which = ", ".join(repr(u) for u in users)
            findings.append((source, f"{message} (in generation{'s' if len(users) > 1 else ''} {which})"))
    return generations, _unique(findings)


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
                f"the name {item.name!r} is already used at {first.file}:{first.line}; names must be unique "
                "across all spec files checked together. Rename one of them."
            )
        elif identifier in by_identifier:
            first = by_identifier[identifier]
            message = (
                f"the name {item.name!r} becomes the Terraform name {identifier!r}, as {first.name!r} at "
                f"{first.file}:{first.line} does; rename one of them."
            )
        else:
            by_name[item.name] = by_identifier[identifier] = item
            continue
        problems.append(Problem(item.file, item.line, item.column, item.pointer, message))
    return problems


# ---- building Specs ----------------------------------------------------------------------------


def _build(doc: dict[str, Any], source: str) -> Spec:
    details = doc["cloudTrailDetails"]
    times = {key: _normal_time(details[key]) for key in ("startTime", "endTime") if key in details}
    lookback = details.get("lookbackDays")
    spec = Spec(
        name=doc.get("name", ""),
        principal_arn=doc["policyGenerationDetails"]["principalArn"],
        access_role=details["accessRole"],
        trails=tuple(
            Trail(t["cloudTrailArn"], tuple(t.get("regions", ())), t.get("allRegions")) for t in details["trails"]
        ),
        start_time=times.get("startTime"),
        end_time=times.get("endTime"),
        lookback_days=None if lookback is None else int(lookback),
        client_token=doc.get("clientToken"),
        triggers=dict(doc.get("triggers", {})),
        source=source,
    )
    object.__setattr__(spec, "validated", True)  # frozen: set once, here, after every check passed
    return spec


def _normal_time(value: str) -> str:
    parsed = parse_timestamp(value)
    assert parsed is not None, "validated before building"
    return format_timestamp(parsed)


# ---- YAML nodes and pointers -------------------------------------------------------------------


class _RecursiveAliasError(Exception):
    """A YAML anchor is used inside its own node: the document has no finite JSON form."""


def _plain(node: Any, seen: frozenset[int] = frozenset()) -> Any:
    """ruamel's commented containers as plain dicts and lists (what jsonschema and Spec expect)."""
    if isinstance(node, dict | list):
        if id(node) in seen:
            raise _RecursiveAliasError
        seen = seen | {id(node)}
        if isinstance(node, dict):
            return {str(k): _plain(v, seen) for k, v in node.items()}
        return [_plain(v, seen) for v in node]
    if isinstance(node, TaggedScalar):
        return str(node.value)
    if isinstance(node, str):
        return str(node)
    return node


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
