"""Terraform types that the ``tf`` framework lacks: a list of objects with optional attributes."""

from __future__ import annotations

import json
from typing import Any

from tf.types import TfType, Unknown


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

    def _each(self, item: Any, how: str) -> Any:
        if item is None or item is Unknown:
            return item
        return {
            name: (item.get(name) if item.get(name) in (None, Unknown) else getattr(t, how)(item[name]))
            for name, t in self.attributes.items()
        }
