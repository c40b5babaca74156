"""Reading and checking operation inputs against botocore's ``accessanalyzer`` service model.

The model is the single source of truth for where each input member lives (path, query string,
JSON body), its type, and its constraints (required, pattern, min/max, enum). This module turns a
raw HTTP request into typed parameters and answers a ``ValidationException`` worded as AWS's
Coral-based services word it::

    1 validation error detected: Value 'x' at 'policyGenerationDetails.principalArn' failed to
    satisfy constraint: Member must satisfy regular expression pattern: arn:[^:]*:iam::...

Patterns are matched against the whole value (Java's ``String.matches``, which is how the service
behaves), not searched for anywhere in it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import unquote

import botocore.loaders
import botocore.model

from policygen.emulator.exceptions import ValidationException
from policygen.errors import PolicyLimitError
from policygen.policy.reading import load_json

SERVICE_NAME = "accessanalyzer"
API_VERSION = "2019-11-01"


@cache
def service_model() -> botocore.model.ServiceModel:
    """The ``accessanalyzer`` 2019-11-01 service model shipped with botocore (loaded once)."""
    data = botocore.loaders.Loader().load_service_model(SERVICE_NAME, "service-2", API_VERSION)
    return botocore.model.ServiceModel(data, SERVICE_NAME)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def parse_timestamp(value: Any, path: str) -> datetime:
    """An ISO 8601 string (as botocore sends it) or epoch seconds, as an aware UTC datetime."""
    try:
        if isinstance(value, bool):
            raise TypeError(value)
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        parsed = datetime.fromisoformat(str(value))
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise _cannot_parse(path, f"Expected a timestamp, got {value!r}.") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as the service returns timestamps."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _cannot_parse(path: str, detail: str) -> ValidationException:
    return ValidationException(f"Cannot parse the request: {detail}", reason="cannotParse", fields=[(path, detail)])


def _convert(shape: botocore.model.Shape, value: Any, path: str) -> Any:
    """A JSON value converted to the shape's Python type; a wrong JSON type cannot be parsed."""
    if value is None:
        return None
    kind = shape.type_name
    if isinstance(shape, botocore.model.StructureShape):
        if not isinstance(value, dict):
            raise _cannot_parse(path, "Expected a JSON object.")
        return {
            name: _convert(member, value[name], _join(path, name))
            for name, member in shape.members.items()
            if name in value
        }
    if isinstance(shape, botocore.model.ListShape):
        if not isinstance(value, list):
            raise _cannot_parse(path, "Expected a JSON array.")
        return [_convert(shape.member, item, f"{path}.{i}.member") for i, item in enumerate(value, 1)]
    if kind == "timestamp":
        return parse_timestamp(value, path)
    if kind == "string" and not isinstance(value, str):
        raise _cannot_parse(path, "Expected a string.")
    if kind == "boolean" and not isinstance(value, bool):
        raise _cannot_parse(path, "Expected a boolean.")
    if kind in {"integer", "long"} and (isinstance(value, bool) or not isinstance(value, int)):
        raise _cannot_parse(path, "Expected an integer.")
    return value


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _from_text(shape: botocore.model.Shape, text: str, path: str) -> Any:
    """A query-string or path value converted to the shape's type."""
    if shape.type_name == "boolean":
        if text.lower() not in {"true", "false"}:
            raise _cannot_parse(path, f"Expected true or false, got {text!r}.")
        return text.lower() == "true"
    if shape.type_name in {"integer", "long"}:
        try:
            return int(text)
        except ValueError as exc:
            raise _cannot_parse(path, f"Expected an integer, got {text!r}.") from exc
    return text


def parse_input(
    operation: botocore.model.OperationModel,
    uri_params: dict[str, str],
    query: dict[str, list[str]],
    body: bytes,
) -> dict[str, Any]:
    """The operation's input members, read from the path, the query string and the JSON body."""
    shape = operation.input_shape
    if shape is None:
        return {}
    document = body_document(body)
    params: dict[str, Any] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            if wire_name in uri_params:
                params[name] = _from_text(member, unquote(uri_params[wire_name]), name)
        elif location == "querystring":
            if wire_name in query:
                params[name] = _from_text(member, query[wire_name][-1], name)
        elif location is None and name in document:
            params[name] = _convert(member, document[name], name)
    return params


def body_document(body: bytes) -> dict[str, Any]:
    """The JSON object of a request body (``{}`` when empty), read in bounded time and memory.

    Read as policies are (:func:`policygen.policy.reading.load_json`): a body nested thousands of
    levels deep, or holding a number that cannot be read, is a ``ValidationException`` like any body
    that cannot be parsed, never a ``RecursionError`` answered 500.
    """
    if not body.strip():
        return {}
    try:
        document = load_json(body.decode("utf-8"), "(request body)")
    except UnicodeDecodeError as exc:
        raise _cannot_parse("", "The request body is not UTF-8 text, so it is not valid JSON.") from exc
    except json.JSONDecodeError as exc:
        raise _cannot_parse("", "The request body is not valid JSON.") from exc
    except PolicyLimitError as exc:
        detail = {
            "depth": "The request body nests arrays and objects too deep to be read.",
            "number": "The request body holds a number too long or too large to be read.",
        }.get(exc.limit, "The request body is too large to be read.")
        raise _cannot_parse("", detail) from exc
    if not isinstance(document, dict):
        raise _cannot_parse("", "The request body must be a JSON object.")
    return document


def _render(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, datetime):
        return f"'{format_timestamp(value)}'"
    if isinstance(value, bool):
        return f"'{str(value).lower()}'"
    return f"'{value}'"


def _violations(shape: botocore.model.Shape, value: Any, path: str) -> list[tuple[str, Any, str]]:
    """Every constraint of the model the value breaks, as (path, value, constraint) triples."""
    found: list[tuple[str, Any, str]] = []
    meta = shape.metadata
    if isinstance(shape, botocore.model.StructureShape):
        for name in shape.required_members:
            if value.get(name) is None:
                found.append((_join(path, name), None, "Member must not be null"))
        for name, member in shape.members.items():
            if value.get(name) is not None:
                found += _violations(member, value[name], _join(path, name))
        return found
    if isinstance(shape, botocore.model.ListShape):
        for i, item in enumerate(value, 1):
            found += _violations(shape.member, item, f"{path}.{i}.member")
    elif isinstance(value, str):
        if "pattern" in meta and not _compiled(meta["pattern"]).fullmatch(value):
            found.append((path, value, f"Member must satisfy regular expression pattern: {meta['pattern']}"))
        if shape.enum and value not in shape.enum:
            found.append((path, value, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"))
    if isinstance(value, list | str):
        return found + _bounds(meta, len(value), value, path, "length")
    if isinstance(value, int) and not isinstance(value, bool):
        return found + _bounds(meta, value, value, path, "value")
    return found


def _bounds(meta: dict[str, Any], measure: int, value: Any, path: str, what: str) -> list[tuple[str, Any, str]]:
    """The model's ``min``/``max`` on a length or a value."""
    found = []
    if "min" in meta and measure < meta["min"]:
        found.append((path, value, f"Member must have {what} greater than or equal to {meta['min']}"))
    if "max" in meta and measure > meta["max"]:
        found.append((path, value, f"Member must have {what} less than or equal to {meta['max']}"))
    return found


def validate_input(operation: botocore.model.OperationModel, params: dict[str, Any]) -> None:
    """Raise a ``ValidationException`` listing every model constraint the parameters break."""
    if operation.input_shape is None:
        return
    found = _violations(operation.input_shape, params, "")
    if not found:
        return
    count = len(found)
    detail = "; ".join(
        f"Value {_render(value)} at '{path}' failed to satisfy constraint: {constraint}"
        for path, value, constraint in found
    )
    raise ValidationException(
        f"{count} validation error{'s' if count > 1 else ''} detected: {detail}",
        reason="fieldValidationFailed",
        fields=[(path, constraint) for path, _, constraint in found],
    )
