"""Reading a plan for ``policygen review``: the JSON of ``terraform show -json``, from a file or stdin.

:func:`read_plan` and :func:`load_plan` refuse what is not a plan (a binary plan file raises
:class:`~policygen.errors.BinaryPlanError`), and check the JSON type of every value the rules read,
so that a plan edited by hand gets a message naming the value, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from policygen.errors import BinaryPlanError, PolicygenError
from policygen.review.model import POLICY_READS, RESOURCE_TYPE
from policygen.spec.fields import REQUEST_FIELDS, Field
from policygen.spec.timestamps import parse_time

#: The first bytes of a zip archive, which is what ``terraform plan -out=PLANFILE`` writes.
_ZIP_MAGIC = b"PK\x03\x04"
#: The deepest module nesting read (``module_calls``); Terraform configurations stay far below.
MAX_MODULE_DEPTH = 100


def read_plan(path: str) -> dict[str, Any]:
    """Read and parse ``terraform show -json`` output from a file, or from standard input for ``-``.

    Raises:
        BinaryPlanError: the input is binary, for example the plan file itself.
        PolicygenError: it cannot be read, is not JSON, is not a plan, or has values of the wrong type.
    """
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        # Bytes when there are any, so that a binary plan piped in is recognised as such.
        return load_plan(stream.read() if stream is not None else sys.stdin.read(), "standard input")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PolicygenError(
            f"Cannot read the plan {path}: {exc.strerror or exc}. Pass the output of "
            "`terraform show -json PLANFILE` as a file, or - to read it from standard input."
        ) from exc
    return load_plan(data, path)


def load_plan(text: str | bytes, source: str = "the plan") -> dict[str, Any]:
    """Parse ``terraform show -json`` output; raise PolicygenError when it is not a plan.

    Bytes may be UTF-8, UTF-16 or UTF-32 (what a shell redirect writes on Windows), with or
    without a byte order mark; bytes that are none of these raise :class:`BinaryPlanError`.
    Every value :func:`review_plan` reads is checked for its JSON type, so that a plan edited by
    hand (or by a hostile script) gets a message naming the value, never a traceback.
    """
    if isinstance(text, bytes):
        text = _decode(text, source)
    if not text.strip():
        raise PolicygenError(
            f"{source} is empty: `terraform show -json PLANFILE` gave nothing, which it does when it fails "
            "(its error goes to standard error, not into the pipe). Run it in the folder where the plan was "
            "made, the one where `terraform init` ran (for a cdktf app, cdktf.out/stacks/STACK), and pass "
            "its output."
        )
    try:
        plan = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicygenError(
            f"{source} is not JSON ({exc.msg} at line {exc.lineno}); pass the output of "
            "`terraform show -json PLANFILE`, not the plan file itself."
        ) from exc
    except RecursionError as exc:
        raise PolicygenError(
            f"{source} nests its JSON too deeply to be a Terraform plan; pass the output of "
            "`terraform show -json PLANFILE`."
        ) from exc
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise PolicygenError(
            f"{source} is JSON but not Terraform's; pass the output of `terraform show -json PLANFILE`."
        )
    if "planned_values" not in plan and "resource_changes" not in plan:
        raise PolicygenError(
            f"{source} is Terraform state, not a plan; save a plan with `terraform plan -out=PLANFILE` "
            "and pass the output of `terraform show -json PLANFILE`."
        )
    try:
        _check_plan(plan)
    except _WrongType as wrong:
        raise PolicygenError(
            f"{source} is not a plan as `terraform show -json` writes it: {wrong}. Pass its unmodified "
            "output (`terraform show -json PLANFILE`)."
        ) from None
    return plan


def _decode(data: bytes, source: str) -> str:
    """The text of a plan read as bytes; BinaryPlanError for a plan file or other binary data."""
    show = f"terraform show -json {source if source != 'standard input' else 'PLANFILE'}"
    if data.startswith(_ZIP_MAGIC):
        raise BinaryPlanError(
            f"{source} is a binary plan file, as `terraform plan -out` saves it; policygen reads its JSON. "
            f"Run `{show} > plan.json` and pass plan.json, or pipe it: `{show} | policygen review -`."
        )
    try:
        return data.decode(json.detect_encoding(data)).removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise BinaryPlanError(
            f"{source} is binary data, not the JSON of a plan; run `{show}` and pass its output."
        ) from None


class _WrongType(Exception):
    """A value of the plan whose JSON type ``review_plan`` cannot read; ``str()`` says which and why."""


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    return next((name for name, types in _JSON_TYPES.items() if isinstance(value, types)), type(value).__name__)


def _a(kind: str) -> str:
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _expect(value: Any, where: str, kind: str, *, required: bool = False) -> Any:
    """``value`` when its JSON type is ``kind`` (or null, unless ``required``); else raise _WrongType."""
    if value is None and not required:
        return None
    if _json_type(value) != kind:
        actual = _json_type(value)
        raise _WrongType(f"{where} is {'null' if actual == 'null' else _a(actual)}, not {_a(kind)}")
    return value


def _expect_strings(value: Any, where: str) -> None:
    """An array of strings, or null."""
    for index, item in enumerate(_expect(value, where, "array") or []):
        _expect(item, f"{where}[{index}]", "string", required=True)


def _check_window_times(values: dict[str, Any], where: str, timestamp: Any) -> None:
    """The window's times must be comparable with what the review subtracts them from.

    The review computes ``end_time - start_time``, or, without an end, ``timestamp - start_time``:
    a time without a zone cannot be subtracted from one with a zone (Terraform writes RFC 3339
    times, which have one).
    """
    start, end, stamp = parse_time(values.get("start_time")), parse_time(values.get("end_time")), parse_time(timestamp)
    other, other_where = (end, f"{where}.end_time") if end is not None else (stamp, "timestamp")
    if start is not None and other is not None and (start.tzinfo is None) != (other.tzinfo is None):
        naive = f"{where}.start_time" if start.tzinfo is None else other_where
        raise _WrongType(
            f"{naive} has no time zone while {other_where if naive != other_where else f'{where}.start_time'} "
            "has one, so the window cannot be measured; Terraform's RFC 3339 times have a zone (Z or +00:00)"
        )


def _check_plan(plan: dict[str, Any]) -> None:
    """Check the JSON types of everything :func:`review_plan` reads; raise _WrongType at the first wrong one."""
    _expect(plan.get("timestamp"), "timestamp", "string")
    for index, change in enumerate(_expect(plan.get("resource_changes"), "resource_changes", "array") or []):
        where = f"resource_changes[{index}]"
        _expect(change, where, "object", required=True)
        if change.get("type") != RESOURCE_TYPE:
            continue
        _expect(change.get("address"), f"{where}.address", "string", required=True)
        for key in ("name", "module_address"):
            _expect(change.get(key), f"{where}.{key}", "string")
        body = _expect(change.get("change"), f"{where}.change", "object", required=True)
        _check_change(body, f"{where}.change")
        _check_window_times(body.get("after") or {}, f"{where}.change.after", plan.get("timestamp"))
    configuration = _expect(plan.get("configuration"), "configuration", "object") or {}
    providers = _expect(configuration.get("provider_config"), "configuration.provider_config", "object") or {}
    for key, value in providers.items():
        where = f"configuration.provider_config[{key!r}]"
        provider = _expect(value, where, "object") or {}
        expressions = _expect(provider.get("expressions"), f"{where}.expressions", "object") or {}
        region = _expect(expressions.get("region"), f"{where}.expressions.region", "object") or {}
        _expect(region.get("constant_value"), f"{where}.expressions.region.constant_value", "string")
        _expect_strings(region.get("references"), f"{where}.expressions.region.references")
    _check_module(configuration.get("root_module"), "configuration.root_module", 0)
    _check_policy_reads(plan)


def _check_change(body: dict[str, Any], where: str) -> None:
    """The ``change`` of one policy generation: actions, before/after values, replace paths."""
    if "actions" in body:
        _expect(body["actions"], f"{where}.actions", "array", required=True)
        _expect_strings(body["actions"], f"{where}.actions")
    for index, path in enumerate(_expect(body.get("replace_paths"), f"{where}.replace_paths", "array") or []):
        _expect(path, f"{where}.replace_paths[{index}]", "array", required=True)
    _expect(body.get("after_unknown"), f"{where}.after_unknown", "object")
    for side in ("before", "after"):
        values = _expect(body.get(side), f"{where}.{side}", "object") or {}
        _check_fields(values, REQUEST_FIELDS, f"{where}.{side}")


#: The JSON type of each kind of request field (policygen.spec.fields) in `terraform show -json`.
_JSON_TYPE = {
    "string": "string",
    "timestamp": "string",
    "number": "number",
    "boolean": "boolean",
    "strings": "array",
    "string_map": "object",
    "objects": "array",
}


def _check_fields(values: dict[str, Any], fields: tuple[Field, ...], where: str) -> None:
    """The request's attributes in a plan, typed as the one table of the request's fields declares them."""
    for field in fields:
        value = _expect(values.get(field.attribute), f"{where}.{field.attribute}", _JSON_TYPE[field.kind])
        if field.kind == "strings":
            _expect_strings(value, f"{where}.{field.attribute}")
        elif field.kind == "objects":
            for index, item in enumerate(value or []):
                at = f"{where}.{field.attribute}[{index}]"
                _check_fields(_expect(item, at, "object", required=True), field.items, at)


def _check_module(module: Any, where: str, depth: int) -> None:
    """A module of the configuration: its resources and, nested, the modules it calls."""
    if depth > MAX_MODULE_DEPTH:
        raise _WrongType(f"{where} nests modules more than {MAX_MODULE_DEPTH} deep")
    module = _expect(module, where, "object") or {}
    for index, resource in enumerate(_expect(module.get("resources"), f"{where}.resources", "array") or []):
        at = f"{where}.resources[{index}]"
        _expect(resource, at, "object", required=True)
        if resource.get("type") == RESOURCE_TYPE:
            _expect(resource.get("name"), f"{at}.name", "string", required=True)
            _expect(resource.get("provider_config_key"), f"{at}.provider_config_key", "string")
    for name, call in (_expect(module.get("module_calls"), f"{where}.module_calls", "object") or {}).items():
        at = f"{where}.module_calls[{name!r}]"
        _check_module((_expect(call, at, "object") or {}).get("module"), f"{at}.module", depth + 1)


def _check_policy_reads(plan: dict[str, Any]) -> None:
    """The JSON types of what :func:`_policy_reads` reads (called by :func:`_check_plan`)."""
    prior = _expect(plan.get("prior_state"), "prior_state", "object") or {}
    values = _expect(prior.get("values"), "prior_state.values", "object") or {}
    _check_data_module(values.get("root_module"), "prior_state.values.root_module", 0)
    for index, change in enumerate(plan.get("resource_changes") or []):
        if change.get("mode") == "data" and change.get("type") in POLICY_READS:
            where = f"resource_changes[{index}]"
            _expect(change.get("address"), f"{where}.address", "string", required=True)
            body = _expect(change.get("change"), f"{where}.change", "object") or {}
            _expect_strings(body.get("actions"), f"{where}.change.actions")


def _check_data_module(module: Any, where: str, depth: int) -> None:
    module = _expect(module, where, "object") or {}
    for index, resource in enumerate(_expect(module.get("resources"), f"{where}.resources", "array") or []):
        at = f"{where}.resources[{index}]"
        _expect(resource, at, "object", required=True)
        if resource.get("mode") != "data" or resource.get("type") not in POLICY_READS:
            continue
        _expect(resource.get("address"), f"{at}.address", "string", required=True)
        values = _expect(resource.get("values"), f"{at}.values", "object") or {}
        for key in ("result", "message", "job_id", "status", "policy", "reference"):
            _expect(values.get(key), f"{at}.values.{key}", "string")
        for key in ("new_access", "granted_denied_actions"):
            _expect(values.get(key), f"{at}.values.{key}", "boolean")
        _expect_strings(values.get("policies"), f"{at}.values.policies")
        for number, finding in enumerate(_expect(values.get("findings"), f"{at}.values.findings", "array") or []):
            _expect(finding, f"{at}.values.findings[{number}]", "object", required=True)
            for key in ("finding_type", "issue_code", "location", "details"):
                _expect(finding.get(key), f"{at}.values.findings[{number}].{key}", "string")
    if depth < MAX_MODULE_DEPTH:
        for index, child in enumerate(_expect(module.get("child_modules"), f"{where}.child_modules", "array") or []):
            _check_data_module(child, f"{where}.child_modules[{index}]", depth + 1)
