"""The README's examples stay true."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from policygen._names import NO_INSTALL_ENV
from tests.conftest import ROOT, isolated_env


def test_construct_example_synthesizes(tmp_path: Path) -> None:
    """The Python example under "Using the construct in your own app" runs and synthesizes its stack."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Using the construct in your own app") :]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the section has no Python example"
    (tmp_path / "app.py").write_text(match.group(1))
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    env = {**isolated_env(tmp_path / "home"), "CDKTF_OUTDIR": str(tmp_path / "out"), NO_INSTALL_ENV: "1"}
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    stack = json.loads((tmp_path / "out" / "stacks" / "iam-drafts" / "cdk.tf.json").read_text())
    assert {"app_role_job_id", "batch_role_job_id", "batch_policies", "policy_generation_job_ids"} <= set(
        stack["output"]
    )
    assert stack["provider"]["accessanalyzer"] == [{}, {"alias": "eu", "region": "eu-west-1"}]
