"""The README's examples stay true: the constructs example, and the own-app walk-through end to end.

The walk-through's files (``cdktf.json``, ``specs/app-role.yaml``, ``main.py``) are taken from the
README as written; its shell steps are run as written too, but for the installs, which the test
stands in for with the project's own (``.venv`` with ``policygen[cdktf]``, ``node_modules`` with
cdktf-cli and Node.js 22) and the endpoint, started here on a free port.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from policygen._names import NO_INSTALL_ENV
from tests.conftest import ROOT, isolated_env, requires_cdktf, requires_terraform, run

README = (ROOT / "README.md").read_text()
#: The walk-through's address of the endpoint, replaced by the test's own.
WALKTHROUGH_ENDPOINT = "http://127.0.0.1:4599"


@dataclass(frozen=True)
class Block:
    """One fenced code block: its language (may be empty), its text, and the line just before it."""

    language: str
    text: str
    caption: str


def section(title: str) -> list[str | Block]:
    """The README from the heading ``title`` to the next heading of its level or higher, code blocks parsed."""
    level = len(title.split(" ", 1)[0])
    items: list[str | Block] = []
    fence: tuple[str, list[str], str] | None = None
    inside = False
    for line in README.splitlines():
        if fence is not None:
            if line == "```":
                items.append(Block(fence[0], "".join(f"{text}\n" for text in fence[1]), fence[2]))
                fence = None
            else:
                fence[1].append(line)
            continue
        heading = re.match(r"(#+) ", line)
        if heading and inside and len(heading.group(1)) <= level:
            break
        inside = inside or line == title
        if inside and line.startswith("```"):
            caption = next((item for item in reversed(items) if isinstance(item, str) and item.strip()), "")
            fence = (line[3:], [], caption)
        elif inside:
            items.append(line)
    assert items, f"no section {title!r}"
    return items


def code_blocks(title: str, language: str) -> list[Block]:
    """The code blocks of ``language`` in the section ``title``."""
    return [item for item in section(title) if isinstance(item, Block) and item.language == language]


WALKTHROUGH = "### A new app, step by step"


def walkthrough_files() -> dict[str, str]:
    """The walk-through's files, by name: each block whose caption names a file (`` `main.py`: ``)."""
    files = {}
    for block in section(WALKTHROUGH):
        named = isinstance(block, Block) and re.match(r"`([\w./-]+)`.*:$", block.caption)
        if named:
            files[named.group(1)] = block.text
    assert set(files) == {"cdktf.json", "specs/app-role.yaml", "main.py"}
    return files


def walkthrough_steps() -> tuple[list[str], list[str]]:
    """The walk-through's shell blocks as lines without comments: the set-up, and the try-out."""
    setup, tryout = (
        [line.split("  #")[0].strip() for line in block.text.splitlines() if line.strip()]
        for block in code_blocks(WALKTHROUGH, "sh")
    )
    return setup, tryout


def own_app(folder: Path, venv: Path, files: dict[str, str]) -> Path:
    """The walk-through's app in ``folder``: its files, ``.venv`` standing for ``venv``, and our node_modules."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (folder / ".venv").symlink_to(venv, target_is_directory=True)
    (folder / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return folder


def run_steps(steps: list[str], app: Path, endpoint: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run shell ``steps`` in ``app`` with bash, the walk-through's endpoint replaced by ``endpoint``.

    The environment is the sandbox's without any AWS_* variable and without the switches that keep
    Terraform and the CLIs offline: the steps' exports must be enough.
    """
    # Without AWS_* and without what keeps Terraform and the CLIs offline: the steps must set those.
    offline = ("CHECKPOINT_DISABLE", "DISABLE_VERSION_CHECK", "CDKTF_DISABLE_PLUGIN_CACHE_ENV")
    env = {k: v for k, v in isolated_env(home).items() if not k.startswith("AWS_") and k not in offline}
    script = "\n".join(["set -euo pipefail", *steps]).replace(WALKTHROUGH_ENDPOINT, endpoint)
    return run(["bash", "-c", script], app, env)


def test_construct_example_synthesizes(tmp_path: Path) -> None:
    """The Python example under "The constructs" runs and synthesizes its stack."""
    (example,) = code_blocks("### The constructs", "python")
    (tmp_path / "app.py").write_text(example.text)
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


def test_walkthrough_sets_up_what_the_test_stands_in_for() -> None:
    """The set-up installs the extra, cdktf-cli 0.21.0 and Node 22, the versions the project's own files pin."""
    setup, _ = walkthrough_steps()
    assert ".venv/bin/pip install 'policygen[cdktf]'" in setup
    assert "npm install --save-dev cdktf-cli@0.21.0 node@22" in setup
    assert 'export PATH="$PWD/node_modules/.bin:$PATH"' in setup
    pins = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    assert pins["cdktf-cli"] == "0.21.0"
    assert pins["node"].startswith("22.")
    assert json.loads(walkthrough_files()["cdktf.json"])["app"] == ".venv/bin/python main.py"


@pytest.mark.e2e
@requires_terraform
@pytest.mark.cdk_cli
@requires_cdktf
def test_walkthrough_deploys_outputs_and_destroys(tmp_path: Path) -> None:
    """The walk-through's app and steps, against the endpoint its first step starts: deploy, outputs, destroy."""
    setup, tryout = walkthrough_steps()
    start, *steps, stop = tryout
    assert start.startswith(".venv/bin/policygen emulator --port 4599 ")
    assert start.endswith(" &")
    assert stop == "kill %1"
    app = own_app(tmp_path / "iam-drafts", Path(sys.prefix), walkthrough_files())
    command = start.removesuffix(" &").replace("--port 4599", "--port 0").split()
    with subprocess.Popen(command, cwd=app, stdout=subprocess.PIPE, text=True) as endpoint:
        try:
            assert endpoint.stdout is not None
            endpoint_url = endpoint.stdout.readline().removeprefix("listening on ").strip()
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+", endpoint_url)
            exports = [line for line in setup if line.startswith("export ")]
            result = run_steps(exports + steps, app, endpoint_url, tmp_path / "home")
        finally:
            endpoint.terminate()  # what `kill %1` does
    assert endpoint.returncode == 0
    job_ids = re.findall(r"app_role_job_id\s*=\s*([0-9a-f-]{36})", result.stdout)
    assert len(job_ids) == 2, result.stdout  # deploy's outputs, then `cdktf output`
    assert len(set(job_ids)) == 1
    assert re.search(rf"policy_generation_job_ids\s*=\s*{{\s*\"?app-role\"?\s*=\s*\"?{job_ids[0]}", result.stdout)
    assert "Destroy complete! Resources: 1 destroyed." in result.stdout
    assert "end-of-life" not in result.stdout + result.stderr
    assert "checkpoint" not in (result.stdout + result.stderr).lower()  # no update check was tried
    assert "ENOTFOUND" not in result.stdout + result.stderr
    assert "Error" not in result.stdout + result.stderr


def test_walkthrough_main_turns_a_spec_error_into_the_located_line(tmp_path: Path) -> None:
    """With the README's mistake in the spec, main.py prints the README's located line and exits 1, no traceback."""
    files = walkthrough_files()
    files["specs/app-role.yaml"] = files["specs/app-role.yaml"].replace("lookbackDays: 7\n", "lookbackDays: 700\n")
    app = own_app(tmp_path / "iam-drafts", Path(sys.prefix), files)
    env = {**isolated_env(tmp_path / "home"), NO_INSTALL_ENV: "1"}
    result = run([".venv/bin/python", "main.py"], app, env, check=False)
    (shown,) = code_blocks(WALKTHROUGH, "")
    assert result.returncode == 1
    assert result.stderr == shown.text
    assert "Traceback" not in result.stderr


def test_main_run_from_another_folder_names_the_folder_it_looked_in(tmp_path: Path) -> None:
    """main.py with a relative POLICYGEN_SPECS, run from elsewhere, says where it looked for the specs."""
    env = {**isolated_env(tmp_path / "home"), NO_INSTALL_ENV: "1", "POLICYGEN_SPECS": "specs"}
    env["CDKTF_OUTDIR"] = str(tmp_path / "out")
    result = run([sys.executable, str(ROOT / "main.py")], tmp_path, env, check=False)
    assert result.returncode == 1
    last = result.stderr.splitlines()[-1]
    assert last == f"specs:1:1: /: no such file or folder in the working folder, {tmp_path}; check the path."
