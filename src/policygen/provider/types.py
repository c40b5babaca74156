"""Terraform types that the ``tf`` framework lacks (a list of objects with optional attributes), and the
schema attribute of each declaration of :mod:`policygen.spec.attributes`."""

from __future__ import annotations

import json
from typing import Any

from tf.schema import Attribute
from tf.types import Bool, List, Map, Number, String, TfType, Unknown

from policygen.spec.attributes import TfAttribute
from policygen.spec.timestamps import parse_time


class ObjectList(TfType):
    """``list(object({...}))``; attributes named in ``optional`` may be left out in configuration.

    Values are Python lists of dicts that always hold every attribute (None where unset), which is
    how Terraform sends objects and how it expects them back.
    """

    def __init__(self, attributes: dict[str, TfType], optional: set[str] | None = None) -> None:
        self.attributes = attributes
        self.optional = sorted(optional or ())

    def tf_type(self) -> bytes:
        fields = {name: json.loads(t.tf_type()) for name, t in self.attributes.items()}
        obj: list[Any] = ["object", fields, self.optional] if self.optional else ["object", fields]
        return json.dumps(["list", obj], separators=(",", ":")).encode()

    def encode(self, value: Any) -> Any:
        if value is None or value is Unknown:
            return value
        return [self._each(item, "encode") for item in value]

    def decode(self, value: Any) -> Any:
        if value is None or value is Unknown:
            return value
        return [self._each(item, "decode") for item in value]

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        """Equal when equal after :meth:`normalize` (so an imported value matches its configuration)."""
        return bool(self.normalize(a_decoded) == self.normalize(b_decoded))

    def normalize(self, value: Any) -> Any:
        """The value in a canonical form; here the value itself (subclasses say what is equivalent)."""
        return value

    def _each(self, item: Any, how: str) -> Any:
        if item is None or item is Unknown:
            return item
        return {
            name: (item.get(name) if item.get(name) in (None, Unknown) else getattr(t, how)(item[name]))
            for name, t in self.attributes.items()
        }


class Timestamp(String):
    """An RFC 3339 string; two spellings of the same instant (``Z`` / ``+00:00``) are equal."""

    def semantically_equal(self, a_decoded: Any, b_decoded: Any) -> bool:
        return bool(_instant(a_decoded) == _instant(b_decoded))


def _instant(value: Any) -> Any:
    """The instant ``value`` names, or ``value`` itself when it names none (compared as it is)."""
    parsed = parse_time(value)
    return value if parsed is None else parsed


def type_of(kind: str, objects: TfType | None = None) -> TfType:
    """The tf type of a kind of value (:data:`policygen.spec.attributes.Kind`); ``objects`` for lists of objects."""
    simple: dict[str, type[TfType]] = {"string": String, "timestamp": Timestamp, "number": Number, "boolean": Bool}
    if kind in simple:
        return simple[kind]()
    if kind == "strings":
        return List(String())
    if kind == "string_map":
        return Map(String())
    if objects is None:
        raise TypeError(f"a value of kind {kind!r} holds objects: pass their type")
    return objects


def schema_attribute(declared: TfAttribute, objects: TfType | None = None) -> Attribute:
    """The tf schema attribute of a declaration (:mod:`policygen.spec.attributes`).

    ``objects`` is the type of a declaration whose kind is a list of objects (``trails``, ``findings``).
    """
    return Attribute(
        declared.name,
        type_of(declared.kind, objects),
        description=declared.description,
        required=declared.required,
        optional=declared.optional,
        computed=declared.computed,
        requires_replace=declared.forces_replacement,
    )


def contains_unknown(value: Any) -> bool:
    """Whether ``value`` (a configuration, or part of one) holds a value known only at apply."""
    if value is Unknown:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False
