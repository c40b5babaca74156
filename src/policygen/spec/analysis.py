"""Checking a spec document: its limits, the JSON Schema, and the semantic rules of every generation.

A document (of either form, from a file or handed over by the provider or the constructs) is
checked against the schema as a whole, then split into its generations
(:mod:`policygen.spec.generations`), each merged over the file's defaults and checked by the
semantic rules (:mod:`policygen.spec.checks`). The result is ``(pointer, message)`` findings:
jsonschema's errors are worded by :mod:`policygen.spec.messages`, and :mod:`policygen.spec.load`
places the findings of a file at their lines, as :class:`~policygen.errors.Problem` objects.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from importlib import resources
from typing import Any

from policygen.spec.checks import Finding, check_request
from policygen.spec.conforms import all_unique, conforms
from policygen.spec.generations import Generation, escape, generations_of, is_generations_file, merged_size
from policygen.spec.limits import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_NUMBER_DIGITS,
    MAX_PROBLEMS,
    LongNumber,
    digits_of,
    is_long_number,
    quote,
)
from policygen.spec.messages import label, required_in_generation, schema_findings
from policygen.spec.once import once


@once
def schema() -> dict[str, Any]:
    """The JSON Schema of a spec document (``schemas/policy-generation.schema.json``)."""
    text = resources.files("policygen.spec").joinpath("policy-generation.schema.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _unique_items(validator: Any, unique: Any, instance: Any, rule: Any) -> Iterator[Any]:
    """``uniqueItems`` in linear time.

    jsonschema's own compares every pair of items when they cannot be sorted (numbers mixed with
    strings, say): 5,000 items of ``regions`` took 9 s. Its message, which echoes the whole
    list, is never shown (see :func:`policygen.spec.messages.schema_message`).
    """
    from jsonschema.exceptions import ValidationError

    if unique and validator.is_type(instance, "array") and not all_unique(instance):
        yield ValidationError("the list has non-unique elements")


@once
def _validator_class() -> Any:
    """Draft 2020-12 with the linear ``uniqueItems``. jsonschema is imported only once a document
    fails :func:`~policygen.spec.conforms.conforms`, to find and word its errors."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(Draft202012Validator, {"uniqueItems": _unique_items})  # type: ignore[no-untyped-call]


@once
def _validator() -> Any:
    return _validator_class()(schema())


@once
def _generation_schema() -> dict[str, Any]:
    """The schema of one complete generation, for merged documents (whatever keys they hold)."""
    root = {key: value for key, value in schema().items() if key not in ("type", "if", "then", "else")}
    return {**root, "$ref": "#/$defs/generation"}


@once
def _generation_validator() -> Any:
    return _validator_class()(_generation_schema())


# ---- checking a document -----------------------------------------------------------------------


#: Schema rules that fault a value itself: semantic checks of that value (and inside it) are skipped.
_VALUE_RULES = frozenset({"type", "pattern", "const", "minimum", "maximum", "minLength", "maxLength"})


def analyse(doc: Any, now: datetime | None) -> tuple[list[Generation], list[Finding]]:
    """The generations of a document and every problem found, with pointers into the document.

    At most :data:`MAX_PROBLEMS` problems are gathered: past that, checking stops, and a last
    problem says so. Besides keeping the report readable, this bounds the work of a hostile
    document (each unknown Region, say, costs a search for the closest known one).
    """
    beyond = _beyond_limits(doc)
    if beyond:
        return [], beyond  # the schema and the checks recurse, and echo values: not for this document
    errors = [] if conforms(doc, schema()) else list(itertools.islice(_validator().iter_errors(doc), MAX_PROBLEMS + 1))
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


def document_findings(doc: Any, now: datetime | None = None) -> list[Finding]:
    """Every problem of a spec document, of either form, as ``(pointer, message)``.

    Schema problems come first, then the semantic problems of every generation (merged over the
    defaults) at pointers the schema did not already fault. This is what the provider runs at
    plan time, so a request written by hand in HCL gets the same messages as a spec file.
    """
    return analyse(doc, now)[1]


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

    Files are bounded while they are parsed (:class:`policygen.spec.reading._Bounds`); this
    bounds what the provider and the constructs hand over, which never went through YAML. The walk
    uses no recursion, counts shared and circular parts each time they are reached, and stops at
    the first limit passed.
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
    if conforms(generation.document, _generation_schema()):
        return
    for error in _generation_validator().iter_errors(generation.document):
        if error.validator == "required":
            yield generation.pointer, required_in_generation(error, generation.name)


def _unique(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


def _pointer(path: Iterable[Any]) -> str:
    return "".join("/" + escape(str(part)) for part in path)
