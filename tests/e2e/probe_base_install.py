"""What the CDK Terrain tests' venv holds after ``pip install -e .`` alone (run there by ``make setup``).

Prints one JSON object: the distributions installed, which of cdktf, cdktn, jsii and constructs can
be imported, the exit status of ``policygen validate`` on the folder given as the first argument, and
the error that ``from policygen import PolicyGeneration`` raises without a constructs' framework.
tests/e2e/test_cdktn_cli.py reads it from ``.make/venv-cdktn/base-install.json``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def main() -> None:
    """Print the record of this environment."""
    record: dict[str, Any] = {
        "distributions": sorted(d.metadata["Name"].lower() for d in importlib.metadata.distributions()),
        "modules": {m: importlib.util.find_spec(m) is not None for m in ("cdktf", "cdktn", "jsii", "constructs")},
    }

    cli = Path(sys.executable).parent / "policygen"
    validate = subprocess.run([str(cli), "validate", sys.argv[1]], capture_output=True, check=False)
    record["validate"] = validate.returncode
    try:
        from policygen import PolicyGeneration  # noqa: F401
    except ImportError as exc:
        record["constructs_error"] = str(exc)
    print(json.dumps(record))


if __name__ == "__main__":
    main()
