"""Docs that come from the declarations (issue 22, item 1): attribute tables and the JSON Schema's descriptions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from policygen._names import POLICY_GENERATION_TYPE
from policygen.provider.configuration import PolicygenProvider
from policygen.spec.attributes import GENERATED_POLICY, POLICY_CHECK, POLICY_GENERATION
from policygen.spec.fields import REQUEST_FIELDS

ROOT = Path(__file__).resolve().parent.parent


def test_the_docs_are_written_from_the_declarations() -> None:
    """`scripts/docs.py --check` finds every table and schema description as `make docs` writes it."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "docs.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_a_drifted_table_is_named(tmp_path: Path) -> None:
    """A table edited by hand is found, and the message names its file and type and says what to run."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import docs  # the script, as a module
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    text = f"<!-- attributes:{POLICY_GENERATION_TYPE} -->\n| edited by hand |\n<!-- /attributes -->\n"
    assert "edited by hand" not in docs.render(text)
    assert "`principal_arn`" in docs.render(text)


def test_the_provider_schema_is_the_declarations() -> None:
    """Every declared attribute is in the provider's schema with its description, and nothing else is."""
    provider = PolicygenProvider()
    schemas = {
        klass.get_name(): klass.get_schema().to_pb()
        for klass in (*provider.get_resources(), *provider.get_data_sources())
    }
    for name, declared in (
        ("policy_generation", POLICY_GENERATION),
        ("generated_policy", GENERATED_POLICY),
        ("policy_check", POLICY_CHECK),
    ):
        attributes = {a.name: a.description for a in schemas[name].block.attributes}
        assert attributes == {a.name: a.description for a in declared}, name


def test_the_json_schema_describes_each_field_as_the_table_does() -> None:
    """The JSON Schema's description of principalArn is the table's (one example of what the check holds)."""
    schema = json.loads((ROOT / "schemas" / "policy-generation.schema.json").read_text())
    (principal,) = [f for f in REQUEST_FIELDS if f.api == "principalArn"]
    assert schema["$defs"]["principalArn"]["description"] == principal.description
