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
from collections.abc import Mapping
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
    try:
        return _valid(instance, schema, root if root is not None else schema)
    except (_Unsure, RecursionError):
        return False


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


def _is_type(instance: Any, name: str) -> bool:
    """Draft 2020-12's types, as jsonschema's type checker tells them apart."""
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "string":
        return isinstance(instance, str)
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "null":
        return instance is None
    if isinstance(instance, bool):
        return False
    if name == "number":
        return isinstance(instance, int | float)
    if name == "integer":
        return isinstance(instance, int) or (isinstance(instance, float) and instance.is_integer())
    raise _Unsure(name)


def _resolve(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """A ``#/$defs/NAME`` reference within the root schema; anything else is not followed."""
    prefix = "#/$defs/"
    if not ref.startswith(prefix) or "/" in ref[len(prefix) :] or "~" in ref:
        raise _Unsure(ref)
    target = root.get("$defs", {}).get(ref[len(prefix) :])
    if not isinstance(target, Mapping):
        raise _Unsure(ref)
    return target


def _valid(instance: Any, schema: Any, root: Mapping[str, Any]) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    if not isinstance(schema, Mapping):
        raise _Unsure(repr(schema))
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword in ("then", "else"):
            continue
        if not _keyword_holds(keyword, value, instance, schema, root):
            return False
    return True


def _keyword_holds(keyword: str, value: Any, instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    """Whether ``instance`` passes one keyword of ``schema`` (each keyword checks its own type)."""
    if keyword == "$ref":
        return _valid(instance, _resolve(value, root), root)
    if keyword == "type":
        if not isinstance(value, str):
            raise _Unsure("type")
        return _is_type(instance, value)
    if keyword == "if":
        branch = "then" if _valid(instance, value, root) else "else"
        return _valid(instance, schema.get(branch, True), root)
    if keyword == "anyOf":
        return any(_valid(instance, option, root) for option in value)
    if keyword == "const":
        return bool(identity(instance) == identity(value))
    if isinstance(instance, dict):
        return _object_keyword(keyword, value, instance, schema, root)
    if isinstance(instance, list):
        return _array_keyword(keyword, value, instance, root)
    if isinstance(instance, str):
        return _string_keyword(keyword, value, instance)
    if _is_type(instance, "number"):
        return _number_keyword(keyword, value, instance)
    return _known(keyword)


def _object_keyword(keyword: str, value: Any, instance: dict[Any, Any], schema: Mapping[str, Any], root: Any) -> bool:
    if keyword == "required":
        return all(name in instance for name in value)
    if keyword == "properties":
        return all(_valid(instance[name], sub, root) for name, sub in value.items() if name in instance)
    if keyword == "additionalProperties":
        declared = schema.get("properties", {})
        if "patternProperties" in schema:
            raise _Unsure("patternProperties")
        return all(_valid(item, value, root) for name, item in instance.items() if name not in declared)
    return _known(keyword)


def _array_keyword(keyword: str, value: Any, instance: list[Any], root: Any) -> bool:
    if keyword == "items":
        return all(_valid(item, value, root) for item in instance)
    if keyword == "minItems":
        return bool(len(instance) >= value)
    if keyword == "uniqueItems":
        return not value or all_unique(instance)
    return _known(keyword)


def _string_keyword(keyword: str, value: Any, instance: str) -> bool:
    if keyword == "pattern":
        return re.search(value, instance) is not None
    if keyword == "minLength":
        return bool(len(instance) >= value)
    if keyword == "maxLength":
        return bool(len(instance) <= value)
    return _known(keyword)


def _number_keyword(keyword: str, value: Any, instance: float) -> bool:
    if keyword == "minimum":
        return bool(instance >= value)
    if keyword == "maximum":
        return bool(instance <= value)
    return _known(keyword)


#: Every keyword interpreted above, by the type it applies to; a keyword for another type holds.
_INTERPRETED = frozenset(
    {"required", "properties", "additionalProperties", "items", "minItems", "uniqueItems", "pattern", "minLength"}
    | {"maxLength", "minimum", "maximum"}
)


def _known(keyword: str) -> bool:
    """A keyword that does not apply to the instance's type holds; one never interpreted is unsure."""
    if keyword in _INTERPRETED:
        return True
    raise _Unsure(keyword)
