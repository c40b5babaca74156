"""Loading spec files: YAML or JSON, JSON Schema, semantic checks, located problems.

This is the one place where errors of ruamel.yaml and jsonschema are translated into
:class:`~policygen.errors.Problem` objects.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

from policygen.errors import Problem, SpecError
from policygen.spec.checks import check_request, format_timestamp, parse_timestamp
from policygen.spec.model import Spec, Trail

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
    """Load every spec under ``paths``; return the valid specs and every problem of every file."""
    specs: list[Spec] = []
    problems: list[Problem] = []
    files = spec_files(paths)
    if not files:
        problems.append(Problem("<arguments>", 1, 1, "", "no spec files found (*.yaml, *.yml, *.json)."))
    for path in files:
        file_specs, file_problems = _check_file(path, now)
        specs.extend(file_specs)
        problems.extend(file_problems)
    problems.extend(_duplicate_names(specs))
    return (specs if not problems else []), problems


def load_paths(paths: Iterable[str | Path], now: datetime | None = None) -> list[Spec]:
    """Load every spec under ``paths``; raise :class:`SpecError` listing all problems if any."""
    specs, problems = check_paths(paths, now)
    if problems:
        raise SpecError(problems)
    return specs


def from_document(doc: dict[str, Any], source: str = "<inline>", now: datetime | None = None) -> Spec:
    """Validate one spec document given as a mapping (API field names) and build its :class:`Spec`."""
    problems = [Problem(source, 1, 1, pointer, message) for pointer, message in document_findings(doc, now)]
    if problems:
        raise SpecError(problems)
    return _build(doc, source)


def document_findings(doc: Any, now: datetime | None = None) -> list[tuple[str, str]]:
    """Every problem of a document as ``(pointer, message)``: schema first, then semantics."""
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        return [(_pointer(e.absolute_path), _schema_message(e)) for e in errors]
    return list(check_request(doc, now))


def _check_file(path: Path, now: datetime | None) -> tuple[list[Spec], list[Problem]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return [], [Problem(name, 1, 1, "", f"cannot read the file: {exc.strerror}.")]
    except UnicodeDecodeError:
        return [], [Problem(name, 1, 1, "", "the file is not UTF-8 text.")]
    try:
        doc = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        detail = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return [], [Problem(name, line, col, "", f"YAML syntax error: {detail}.")]
    if doc is None:
        return [], [Problem(name, 1, 1, "", "the file is empty; it must hold a spec mapping.")]
    if not isinstance(doc, dict):
        return [], [Problem(name, 1, 1, "", f"the file holds a {type(doc).__name__}, not a spec mapping.")]
    findings = document_findings(_plain(doc), now)
    if "name" not in doc:
        findings.insert(0, ("/name", "name is required in a spec file; add `name: <identifier>`."))
    if findings:
        return [], [Problem(name, *_locate(doc, pointer), pointer, msg) for pointer, msg in findings]
    line, _ = _locate(doc, "")
    return [_build(_plain(doc), f"{name}:{line}")], []


def _build(doc: dict[str, Any], source: str) -> Spec:
    details = doc["cloudTrailDetails"]
    request = {
        "policyGenerationDetails": {"principalArn": doc["policyGenerationDetails"]["principalArn"]},
        "cloudTrailDetails": {
            **details,
            **{key: _normal_time(details[key]) for key in ("startTime", "endTime") if key in details},
        },
    }
    return Spec(
        name=doc["name"],
        principal_arn=request["policyGenerationDetails"]["principalArn"],
        access_role=details["accessRole"],
        trails=tuple(
            Trail(t["cloudTrailArn"], tuple(t.get("regions", ())), t.get("allRegions")) for t in details["trails"]
        ),
        start_time=request["cloudTrailDetails"].get("startTime"),
        end_time=request["cloudTrailDetails"].get("endTime"),
        lookback_days=details.get("lookbackDays"),
        client_token=doc.get("clientToken"),
        source=source,
    )


def _normal_time(value: str) -> str:
    parsed = parse_timestamp(value)
    assert parsed is not None, "validated before building"
    return format_timestamp(parsed)


def _duplicate_names(specs: Sequence[Spec]) -> list[Problem]:
    seen: dict[str, Spec] = {}
    problems = []
    for spec in specs:
        if spec.name in seen:
            file, _, line = spec.source.rpartition(":")
            problems.append(
                Problem(
                    file,
                    int(line),
                    1,
                    "/name",
                    f"the name {spec.name!r} is already used by {seen[spec.name].source}; names must be unique.",
                )
            )
        else:
            seen[spec.name] = spec
    return problems


def _plain(node: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists (what jsonschema and Spec expect)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def _pointer(path: Iterable[Any]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _locate(doc: Any, pointer: str) -> tuple[int, int]:
    """Line and column (1-based) of the value at ``pointer``, or of the deepest node that exists."""
    node, line, col = doc, 1, 1
    if isinstance(doc, CommentedMap | CommentedSeq):
        line, col = doc.lc.line + 1, doc.lc.col + 1
    for raw in [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]:
        if isinstance(node, CommentedMap) and raw in node:
            line, col = node.lc.value(raw)[0] + 1, node.lc.value(raw)[1] + 1
            node = node[raw]
        elif isinstance(node, CommentedSeq) and raw.isdigit() and int(raw) < len(node):
            line, col = node.lc.item(int(raw))[0] + 1, node.lc.item(int(raw))[1] + 1
            node = node[int(raw)]
        else:
            break
    return line, col


def _schema_message(error: ValidationError) -> str:
    """A full-sentence message for a JSON Schema error, with the fix where we know it."""
    field = error.absolute_path[-1] if error.absolute_path else "the document"
    rule: dict[str, Any] = dict(error.schema) if isinstance(error.schema, dict) else {}
    description = rule.get("description", "")
    if error.validator == "additionalProperties":
        allowed = sorted(rule.get("properties", {}))
        parts = []
        for key in sorted(set(cast(dict[str, Any], error.instance)) - set(allowed)):
            close = difflib.get_close_matches(key, allowed, n=1)
            parts.append(f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        return f"{'; '.join(parts)}; allowed keys here: {', '.join(allowed)}."
    if error.validator == "required":
        return f"{error.message.replace(' is a required property', '')} is required here but missing."
    if error.validator == "pattern":
        return f"{error.instance!r} is not valid for {field}. {description}".strip()
    if error.validator == "type":
        return f"{field} must be of type {error.validator_value}, not {type(error.instance).__name__}."
    if error.validator == "minItems":
        return f"{field} must hold at least {error.validator_value} item(s)."
    return f"{field}: {error.message}."
