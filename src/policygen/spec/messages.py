"""Messages for JSON Schema errors: what is wrong, the value received, and how to fix it.

jsonschema's own messages (``'x' does not match '^arn:aws[a-z-]*:iam::...'``) name a regular
expression instead of the mistake. These functions turn each kind of schema error into one full
sentence, using :mod:`policygen.spec.arns` to say exactly what is wrong with an ARN or a Region.
Every value a message quotes goes through :func:`policygen.spec.limits.quote`, which cuts it.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import TYPE_CHECKING, Any, cast

from policygen.spec.arns import ArnKind, arn_problem, region_problem
from policygen.spec.generations import escape
from policygen.spec.limits import LongNumber, cut, quote

if TYPE_CHECKING:  # jsonschema is imported only for a document that fails the schema
    from jsonschema.exceptions import ValidationError

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

_KINDS: dict[type, str] = {
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
#: What a number counts, for fields whose numbers count something.
_UNITS = {"lookbackDays": "days"}
_REQUIRED = re.compile(r"^'(.*)' is a required property$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


def kind_of(value: Any) -> str:
    """How a value's type is called in messages (JSON's words, as the user sees YAML)."""
    if isinstance(value, LongNumber):
        return repr(value)  # "a number of 5,000 digits"
    # isinstance, not type(): ruamel reads some numbers as subclasses (ScalarInt, ScalarFloat),
    # and bool is an int, so it is asked first.
    return next((name for kind, name in _KINDS.items() if isinstance(value, kind)), f"a {type(value).__name__} value")


def label(path: Any) -> str:
    """The field an error is about, as the user writes it: ``accessRole``, ``trails[0]``, ``the document``."""
    parts = list(path)
    if not parts:
        return "the document"
    if isinstance(parts[-1], int):
        return f"{parts[-2]}[{parts[-1]}]" if len(parts) > 1 else f"item {parts[-1]}"
    if len(parts) > 1 and parts[-2] == "triggers":
        return f"the trigger {quote(parts[-1])}"
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
        return f"{quote(missing)} is required here but missing; add it, e.g. `{example}`."
    if error.validator == "pattern":
        return _pattern(error, field)
    if error.validator in ("type", "minimum", "maximum") and _counted(rule, value):
        return _number(field, rule, value, str(error.absolute_path[-1]) if error.absolute_path else "")
    if error.validator == "type":
        wanted = _WANTED.get(str(error.validator_value), str(error.validator_value))
        hint = ' Quote the value, e.g. rev: "2".' if field.startswith("the trigger") else ""
        return f"{field} must be {wanted}, not {kind_of(value)}.{hint}"
    if error.validator == "minItems":
        return f"{field} is empty; list at least {error.validator_value} item(s)."
    if error.validator == "const":
        return f"{field} must be {error.validator_value!r}, not {quote(value)}: the only version of this file format."
    if error.validator in ("minimum", "maximum"):
        low, high = rule.get("minimum"), rule.get("maximum")
        return f"{field} must be between {low} and {high}, not {quote(value)}."
    if error.validator in ("minLength", "maxLength"):
        return (
            f"{field} must be {rule.get('minLength', 0)} to {rule.get('maxLength')} characters long, "
            f"not {len(value) if isinstance(value, str) else quote(value)}."
        )
    if error.validator == "uniqueItems":
        return f"{field} lists the same value more than once; remove the duplicates."
    return f"{field}: {cut(error.message, 200)}."


def _counted(rule: dict[str, Any], value: Any) -> bool:
    """Whether a range error is about a number that is no ordinary whole number (``.inf``, ``7.5``, huge)."""
    if "minimum" not in rule or "maximum" not in rule or isinstance(value, bool):
        return False
    if isinstance(value, LongNumber | float):
        return True
    return isinstance(value, int) and abs(value) > 10**15


def _number(field: str, rule: dict[str, Any], value: Any, key: str) -> str:
    """``lookbackDays must be a whole number of days from 1 to 90, not .inf.``"""
    unit = _UNITS.get(key)
    wanted = "a whole number" if rule.get("type") == "integer" else "a number"
    shown = repr(value) if isinstance(value, LongNumber) else quote(value)
    if isinstance(value, float) and math.isnan(value):
        shown += " (not a number)"
    elif isinstance(value, float) and math.isinf(value):
        shown += " (infinity; YAML reads 1e999 and any number too large as .inf)"
    wanted += f" of {unit}" if unit else ""
    return f"{field} must be {wanted} from {rule['minimum']} to {rule['maximum']}, not {shown}."


def required_in_generation(error: ValidationError, name: str | None) -> str:
    """Message for a field that an entry of ``generations``, merged over the defaults, still lacks."""
    missing = _missing_key(error)
    where = ".".join([*(str(p) for p in error.absolute_path), missing])
    who = f"generation {quote(name)}" if name else "this generation"
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
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6) if len(key) < 64 else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {quote(key)}{hint}; allowed keys here: {', '.join(allowed)}."


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
    return f"{quote(value)} is not valid for {field}. {description}".strip()


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
        more = f" and {len(bad) - 5} other characters" if len(bad) > 5 else ""
        reason = f"it contains {', '.join(repr(c) for c in bad[:5])}{more}"
    return f"the name {quote(name)} cannot become a Terraform identifier: {reason}. {fix}"
