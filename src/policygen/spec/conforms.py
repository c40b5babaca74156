"""Whether a document is valid against the spec's JSON Schema, answered without jsonschema.

The provider checks its configuration on two of Terraform's three launches per ``plan``, and
importing jsonschema (with referencing and the metaschemas it loads) costs about 65 ms of each
(bench/package.py). Nearly every configuration is valid, so :func:`conforms` answers the common
case: it interprets the keywords ``schemas/policy-generation.schema.json`` uses, and nothing else.

Only its ``True`` is trusted. ``False`` means "invalid, or not sure": the caller then runs
jsonschema, which finds and words the errors as before (:mod:`policygen.spec.analysis`). A keyword
this module does not know, or a ``$ref`` it cannot follow, makes it answer ``False``, so a schema
that grows a keyword is still checked in full, only more slowly. tests/spec/test_conforms.py holds
that every ``True`` here is jsonschema's verdict too, on every document of the suite and on
generated ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

#: Keywords that only describe: they never fault a value (``format`` is an annotation in draft
#: 2020-12 unless a format checker is asked for, and policygen's validator asks for none).
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description", "format", "$comment", "examples"})


class _Unsure(Exception):
    """The schema uses something this module does not interpret."""


def conforms(instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> bool:
    """True when ``instance`` is valid against ``schema`` (whose ``$ref`` point into ``root``).

    False when it is not, or when the schema uses a keyword that is not interpreted here.
    """
    root = root if root is not None else schema
    entry = _COMPILED.get(id(schema))
    if entry is None or entry[0] is not schema or entry[1] is not root:
        try:
            check: _Check | None = _compile(schema, root, {})
        except _Unsure:
            check = None
        entry = _COMPILED[id(schema)] = (schema, root, check)  # holds schema: its id is not reused
    try:
        return entry[2] is not None and entry[2](instance)
    except RecursionError:
        return False


_Check = Callable[[Any], bool]
#: Each schema asked about, compiled once into nested checks (None: it uses what is not interpreted).
_COMPILED: dict[int, tuple[Any, Any, _Check | None]] = {}


def identity(value: Any) -> Any:
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
        return ("list", tuple(identity(v) for v in value))
    if isinstance(value, dict):
        return ("mapping", frozenset((str(k), identity(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return ("object", id(value))
    return ("object", value)


def all_unique(items: list[Any]) -> bool:
    """``uniqueItems`` in linear time (jsonschema's own compares every pair of unsortable items)."""
    seen: set[Any] = set()
    for item in items:
        key = identity(item)
        if key in seen:
            return False
        seen.add(key)
    return True


def _resolve(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """A ``#/$defs/NAME`` reference within the root schema; anything else is not followed."""
    prefix = "#/$defs/"
    if not ref.startswith(prefix) or "/" in ref[len(prefix) :] or "~" in ref:
        raise _Unsure(ref)
    target = root.get("$defs", {}).get(ref[len(prefix) :])
    if not isinstance(target, Mapping):
        raise _Unsure(ref)
    return target


def _compile(schema: Any, root: Mapping[str, Any], seen: dict[int, list[_Check]]) -> _Check:
    """The check of ``schema``: every keyword's, all of which must hold. Raises _Unsure for what is not known.

    ``seen`` holds the schemas being compiled, so that a ``$ref`` back into one of them (a recursive
    schema) is followed when the check runs instead of compiled again.
    """
    if schema is True:
        return lambda instance: True
    if schema is False:
        return lambda instance: False
    if not isinstance(schema, Mapping):
        raise _Unsure(repr(schema))
    if id(schema) in seen:
        pending = seen[id(schema)]
        return lambda instance: pending[0](instance)  # noqa: PLW0108 (filled in once its compilation ends)
    slot: list[_Check] = []
    seen[id(schema)] = slot
    checks = [
        _keyword_check(keyword, value, schema, root, seen)
        for keyword, value in schema.items()
        if keyword not in _ANNOTATIONS and keyword not in ("then", "else")
    ]
    del seen[id(schema)]

    def every(instance: Any) -> bool:
        return all(check(instance) for check in checks)

    slot.append(every)
    return every


def _keyword_check(  # noqa: PLR0912 (one branch per keyword, as the specification lists them)
    keyword: str, value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], seen: dict[int, list[_Check]]
) -> _Check:
    """The check of one keyword; each keyword checks only the instances of its own type."""
    if keyword == "$ref":
        return _compile(_resolve(value, root), root, seen)
    if keyword == "type":
        if not isinstance(value, str) or value not in _TYPES:
            raise _Unsure("type")
        return _TYPES[value]
    if keyword == "if":
        condition = _compile(value, root, seen)
        then = _compile(schema.get("then", True), root, seen)
        otherwise = _compile(schema.get("else", True), root, seen)
        return lambda instance: then(instance) if condition(instance) else otherwise(instance)
    if keyword == "anyOf":
        options = [_compile(option, root, seen) for option in value]
        return lambda instance: any(option(instance) for option in options)
    if keyword == "const":
        expected = identity(value)
        return lambda instance: bool(identity(instance) == expected)
    if keyword == "required":
        names = list(value)
        return lambda instance: not isinstance(instance, dict) or all(name in instance for name in names)
    if keyword == "properties":
        properties = [(name, _compile(sub, root, seen)) for name, sub in value.items()]
        return lambda instance: (
            not isinstance(instance, dict)
            or all(check(instance[name]) for name, check in properties if name in instance)
        )
    if keyword == "additionalProperties":
        if "patternProperties" in schema:
            raise _Unsure("patternProperties")
        declared = frozenset(schema.get("properties", {}))
        other = _compile(value, root, seen)
        return lambda instance: (
            not isinstance(instance, dict)
            or all(other(item) for name, item in instance.items() if name not in declared)
        )
    if keyword == "items":
        item_check = _compile(value, root, seen)
        return lambda instance: not isinstance(instance, list) or all(item_check(item) for item in instance)
    if keyword == "minItems":
        return lambda instance: not isinstance(instance, list) or len(instance) >= value
    if keyword == "uniqueItems":
        return lambda instance: not value or not isinstance(instance, list) or all_unique(instance)
    if keyword == "pattern":
        search = re.compile(value).search
        return lambda instance: not isinstance(instance, str) or search(instance) is not None
    if keyword == "minLength":
        return lambda instance: not isinstance(instance, str) or len(instance) >= value
    if keyword == "maxLength":
        return lambda instance: not isinstance(instance, str) or len(instance) <= value
    if keyword == "minimum":
        return lambda instance: not _is_number(instance) or bool(instance >= value)
    if keyword == "maximum":
        return lambda instance: not _is_number(instance) or bool(instance <= value)
    raise _Unsure(keyword)


def _is_number(instance: Any) -> bool:
    return isinstance(instance, int | float) and not isinstance(instance, bool)


#: Draft 2020-12's types, as jsonschema's type checker tells them apart.
_TYPES: dict[str, _Check] = {
    "object": lambda instance: isinstance(instance, dict),
    "array": lambda instance: isinstance(instance, list),
    "string": lambda instance: isinstance(instance, str),
    "boolean": lambda instance: isinstance(instance, bool),
    "null": lambda instance: instance is None,
    "number": _is_number,
    "integer": lambda instance: (
        (isinstance(instance, int) and not isinstance(instance, bool))
        or (isinstance(instance, float) and instance.is_integer())
    ),
}
