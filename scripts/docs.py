"""Writes the docs that come from the declarations (``make docs``): attribute tables and the JSON Schema.

- Each table of README.md and docs/attributes.md stands between ``<!-- attributes:TYPE -->`` and
  ``<!-- /attributes -->``; TYPE names a resource or data source (src/policygen/spec/attributes.py).
- Each request field's description in schemas/policy-generation.schema.json is the table of fields'
  (src/policygen/spec/fields.py), in the API's names (``lookbackDays`` where the table says
  ``lookback_days``), since spec files use the API's names.

``--check`` writes nothing and exits 1, naming each table or description that differs from its
declaration (tests/test_docs_tables.py runs it), so the docs cannot drift from the schema.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from policygen._names import GENERATED_POLICY_TYPE, POLICY_CHECK_TYPE, POLICY_GENERATION_TYPE
from policygen.spec.attributes import GENERATED_POLICY, POLICY_CHECK, POLICY_GENERATION, markdown_table
from policygen.spec.fields import ATTRIBUTE_OF, REQUEST_FIELDS, TRAIL_FIELDS

ROOT = Path(__file__).resolve().parent.parent
FILES = (ROOT / "README.md", ROOT / "docs" / "attributes.md")
SCHEMA = ROOT / "schemas" / "policy-generation.schema.json"
API_OF = {attribute: api for api, attribute in ATTRIBUTE_OF.items()}
TABLES = {
    POLICY_GENERATION_TYPE: POLICY_GENERATION,
    GENERATED_POLICY_TYPE: GENERATED_POLICY,
    POLICY_CHECK_TYPE: POLICY_CHECK,
}
BLOCK = re.compile(r"(<!-- attributes:(?P<type>[a-z_]+) -->\n)(?P<body>.*?)(<!-- /attributes -->)", re.S)


def render(text: str) -> str:
    """``text`` with every marked table written from its declaration."""

    def table(match: re.Match[str]) -> str:
        kind = match.group("type")
        if kind not in TABLES:
            raise SystemExit(f"unknown table type {kind!r}; known: {', '.join(TABLES)}")
        return match.group(1) + markdown_table(TABLES[kind]) + match.group(4)

    return BLOCK.sub(table, text)


def in_api_terms(text: str) -> str:
    """A description in the API's names: `` `lookback_days` `` -> `` `lookbackDays` ``."""
    return re.sub(r"`([a-z_]+)`", lambda m: f"`{API_OF.get(m.group(1), m.group(1))}`", text)


def schema_descriptions(schema: dict[str, object]) -> dict[str, str]:
    """Each field's description as the JSON Schema has it now, keyed by where it lives (``$defs/...``)."""
    found: dict[str, str] = {}
    defs = schema["$defs"]
    assert isinstance(defs, dict)

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    for name, entry in value.items():
                        if name in ATTRIBUTE_OF and isinstance(entry, dict):
                            ref = entry.get("$ref")
                            where = ref.removeprefix("#/") if isinstance(ref, str) else f"{path}/properties/{name}"
                            target = defs[ref.rsplit("/", 1)[1]] if isinstance(ref, str) else entry
                            found[f"{where}|{name}"] = str(target.get("description", ""))
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}/{index}")

    walk(schema, "")
    return found


def render_schema(text: str) -> tuple[str, list[str]]:
    """The schema's text with every field's description from the table of fields, and the fields changed."""
    wanted = {f.api: in_api_terms(f.description) for f in (*REQUEST_FIELDS, *TRAIL_FIELDS)}
    changed = []
    for where, old in schema_descriptions(json.loads(text)).items():
        name = where.rsplit("|", 1)[1]
        if old != wanted[name]:
            changed.append(name)
            # Each description is a unique string of the file: replace its JSON spelling in place,
            # keeping the file's own layout.
            text = text.replace(json.dumps(old, ensure_ascii=False), json.dumps(wanted[name], ensure_ascii=False), 1)
    return text, sorted(set(changed))


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) every marked table of README.md and docs/attributes.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming the tables that differ")
    args = parser.parse_args(argv)
    stale = []
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        new = render(text)
        if new == text:
            continue
        if args.check:
            stale += [
                f"{path.relative_to(ROOT)}: {m.group('type')}" for m in BLOCK.finditer(text) if m.group(0) not in new
            ]
        else:
            path.write_text(new, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    schema = SCHEMA.read_text(encoding="utf-8")
    new_schema, fields = render_schema(schema)
    if fields and args.check:
        stale += [f"{SCHEMA.relative_to(ROOT)}: {name}" for name in fields]
    elif fields:
        SCHEMA.write_text(new_schema, encoding="utf-8")
        print(f"wrote {SCHEMA.relative_to(ROOT)} ({', '.join(fields)})")
    if stale:
        print(
            "these docs differ from the declarations (src/policygen/spec/attributes.py and fields.py); "
            "run `make docs`:\n  " + "\n  ".join(stale),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
