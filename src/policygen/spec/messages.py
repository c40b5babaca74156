"""Messages for JSON Schema errors: what is wrong, the value received, and how to fix it.

jsonschema's own messages (``'x' does not match '^arn:aws[a-z-]*:iam::...'``) name a regular
expression instead of the mistake. These functions turn each kind of schema error into one full
sentence, using :mod:`policygen.spec.arns` to say exactly what is wrong with an ARN or a Region.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, cast

from jsonschema.exceptions import ValidationError

from policygen.spec.arns import ArnKind, arn_problem, region_problem
from policygen.spec.generations import escape

#: What to write for a missing field, shown in the message that asks for it.
EXAMPLES = {
    "name": "name: app-role",
    "policyGenerationDetails": "policyGenerationDetails: {principalArn: arn:aws:iam::123456789012:role/app}",
    "principalArn": "principalArn: arn:aws:iam::123456789012:role/app",
    "cloudTrailDetails": "cloudTrailDetails: {trails: [...], accessRole: ..., lookbackDays: 30}",
    "trails": "trails: [{cloudTrailArn: arn:aws:cloudtrail:us-east-1:123456789012:trail/management, allRegions: true}]",
    "accessRole": "accessRole: arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole",
    "cloudTrailArn": "cloudTrailArn: arn:aws:cloudtrail:us-east-1:123456789012:trail/management",
    "version": "version: 1",
    "generations": "generations: [{name: app, principalArn: arn:aws:iam::123456789012:role/app}]",
}

_KINDS = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null (an empty value)",
}
_WANTED = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
}
_REQUIRED = re.compile(r"^'(.*)' is a required property$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


def kind_of(value: Any) -> str:
    """How a value's type is called in messages (JSON's words, as the user sees YAML)."""
    return _KINDS.get(type(value), f"a {type(value).__name__} value")


def label(path: Any) -> str:
    """The field an error is about, as the user writes it: ``accessRole``, ``trails[0]``, ``the document``."""
    parts = list(path)
    if not parts:
        return "the document"
    if isinstance(parts[-1], int):
        return f"{parts[-2]}[{parts[-1]}]" if len(parts) > 1 else f"item {parts[-1]}"
    if len(parts) > 1 and parts[-2] == "triggers":
        return f"the trigger {parts[-1]!r}"
    return str(parts[-1])


def schema_findings(error: ValidationError) -> list[tuple[str, str]]:
    """``(pointer, message)`` for a JSON Schema error; an unknown key is reported at the key itself."""
    pointer = "".join("/" + escape(str(part)) for part in error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        allowed = sorted(key for key in known if key != "$schema")
        return [
            (f"{pointer}/{escape(str(key))}", _unknown_key(str(key), allowed))
            for key in error.instance
            if key not in known
        ]
    return [(pointer, schema_message(error))]


def schema_message(error: ValidationError) -> str:
    """A full-sentence message for a JSON Schema error, with the fix where we know it."""
    field = label(error.absolute_path)
    rule: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    value = error.instance
    if error.validator == "required":
        missing = _missing_key(error)
        example = EXAMPLES.get(missing, f"{missing}: ...")
        return f"{missing!r} is required here but missing; add it, e.g. `{example}`."
    if error.validator == "pattern":
        return _pattern(error, field)
    if error.validator == "type":
        wanted = _WANTED.get(str(error.validator_value), str(error.validator_value))
        hint = ' Quote the value, e.g. rev: "2".' if field.startswith("the trigger") else ""
        return f"{field} must be {wanted}, not {kind_of(value)}.{hint}"
    if error.validator == "minItems":
        return f"{field} is empty; list at least {error.validator_value} item(s)."
    if error.validator == "const":
        return f"{field} must be {error.validator_value!r}, not {value!r}: the only version of this file format."
    if error.validator in ("minimum", "maximum"):
        low, high = rule.get("minimum"), rule.get("maximum")
        return f"{field} must be between {low} and {high}, not {value!r}."
    if error.validator in ("minLength", "maxLength"):
        return (
            f"{field} must be {rule.get('minLength', 0)} to {rule.get('maxLength')} characters long, "
            f"not {len(value) if isinstance(value, str) else value!r}."
        )
    if error.validator == "uniqueItems":
        return f"{field} lists the same value more than once; remove the duplicates."
    return f"{field}: {error.message}."


def required_in_generation(error: ValidationError, name: str | None) -> str:
    """Message for a field that an entry of ``generations``, merged over the defaults, still lacks."""
    missing = _missing_key(error)
    where = ".".join([*(str(p) for p in error.absolute_path), missing])
    who = f"generation {name!r}" if name else "this generation"
    if where in ("policyGenerationDetails", "policyGenerationDetails.principalArn"):
        return (
            f"{who} has no principal; add `principalArn: arn:aws:iam::123456789012:role/<name>` "
            "to the entry (or to `defaults`)."
        )
    return f"{who} has no {where}, neither in the entry nor in `defaults`; add it to one of them."


def _missing_key(error: ValidationError) -> str:
    """The property a ``required`` error is about (jsonschema reports one error per missing property)."""
    found = _REQUIRED.match(error.message)
    return found.group(1) if found else "a field"


def _unknown_key(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}; allowed keys here: {', '.join(allowed)}."


def _pattern(error: ValidationError, field: str) -> str:
    path = list(error.absolute_path)
    value = error.instance
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    explained: str | None = None
    if key in ("principalArn", "accessRole", "cloudTrailArn"):
        explained = arn_problem(value, cast(ArnKind, key))
    elif key == "regions":
        explained = region_problem(value)
    elif key == "name":
        explained = _name_problem(str(value))
    if explained:
        return explained
    description = error.schema.get("description", "") if isinstance(error.schema, dict) else ""
    return f"{value!r} is not valid for {field}. {description}".strip()


def _name_problem(name: str) -> str | None:
    """Why a name cannot become a Terraform identifier."""
    if _NAME.match(name):
        return None
    fix = "Use letters, digits, underscores and hyphens, starting with a letter or underscore, e.g. app-role."
    if not name:
        reason = "it is empty"
    elif not (name[0].isascii() and (name[0].isalpha() or name[0] == "_")):
        reason = f"it starts with {name[0]!r}"
    elif len(name) > 64:
        reason = f"it is {len(name)} characters long, at most 64 are allowed"
    else:
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in "_-"))})
        reason = f"it contains {', '.join(repr(c) for c in bad)}"
    return f"the name {name!r} cannot become a Terraform identifier: {reason}. {fix}"
