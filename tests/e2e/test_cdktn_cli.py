"""CDK Terrain (cdktn): the constructs in a cdktn app, with cdktn-cli and ``policygen[cdktn]``.

The app runs in a virtual environment of its own, made by ``make setup`` from the project's own files:
the base install first (``pip install -e .``: what a plain-Terraform user gets), then ``.[cdktn]``. It
is kept in ``.make/venv-cdktn`` and made again when pyproject.toml changes; the tests never make it.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policygen._names import NO_INSTALL_ENV
from policygen.emulator import Emulator
from tests.conftest import CDKTN, NODE_BIN, ROOT, isolated_env, requires_cdktn, requires_terraform, run, set_up_by_make
from tests.e2e.test_cdktf_cli import (
    CDKTF,
    END_OF_LIFE,
    CliScenario,
    check_destroy,
    check_no_change_diff,
    check_outputs,
    check_supported_node,
    check_synth,
    run_cli_scenario,
)
from tests.test_readme import README, own_app, walkthrough_files

VENV = ROOT / ".make" / "venv-cdktn"
#: Touched by the Makefile when the venv is complete; older than pyproject.toml means out of date.
STAMP = ROOT / ".make" / "venv-cdktn.stamp"
#: What the base install (no extra) holds, recorded when the venv is made (tests/e2e/probe_base_install.py).
BASE_RECORD = "base-install.json"

pytestmark = [
    pytest.mark.e2e,
    requires_terraform,
    pytest.mark.cdk_cli,
    requires_cdktn,
]


@pytest.fixture(scope="session")
def cdktn_venv() -> Path:
    """``.make/venv-cdktn``, made by ``make setup``: policygen's base install, recorded, then ``policygen[cdktn]``."""
    return set_up_by_make(VENV, STAMP)


def cdktn_app(folder: Path, venv: Path, main_py: str) -> Path:
    """A copy of the project's app in ``folder`` with ``main_py``, whose ``.venv`` is ``venv``; cdktf.json stays."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "cdktf.json", folder / "cdktf.json")  # its app command, `.venv/bin/python main.py`, stays
    shutil.copytree(ROOT / "specs", folder / "specs")
    (folder / "main.py").write_text(main_py)
    (folder / ".venv").symlink_to(venv, target_is_directory=True)
    return folder


def migrated(main_py: str) -> str:
    """A cdktf app's main.py moved to cdktn as the README's step 2 says: the imports, and `cdktf.X` uses."""
    result = re.sub(r"^from cdktf import ", "from cdktn import ", main_py, flags=re.MULTILINE)
    result = re.sub(r"^import cdktf$", "import cdktn", result, flags=re.MULTILINE)
    result = re.sub(r"\bcdktf\.(?=[A-Z])", "cdktn.", result)
    assert "cdktn" in result, "nothing to migrate"
    return result


# ---- packaging -----------------------------------------------------------------------------------


def base_record(venv: Path) -> dict[str, Any]:
    """What the venv held after `pip install -e .` alone."""
    record: dict[str, Any] = json.loads((venv / BASE_RECORD).read_text())
    return record


def test_plain_install_brings_no_framework_jsii_or_node(cdktn_venv: Path) -> None:
    """`pip install policygen` brings the provider, the CLI and the endpoint; no cdktf, cdktn, jsii, constructs."""
    record = base_record(cdktn_venv)
    assert record["modules"] == {"cdktf": False, "cdktn": False, "jsii": False, "constructs": False}
    assert not {"cdktf", "cdktn", "jsii", "constructs", "publication", "typeguard"} & set(record["distributions"])
    assert record["validate"] == 0


def test_constructs_without_an_extra_name_the_extras(cdktn_venv: Path) -> None:
    """Importing a construct from the plain install fails with an ImportError naming both extras."""
    message = base_record(cdktn_venv)["constructs_error"]
    assert "pip install 'policygen[cdktf]'" in message
    assert "'policygen[cdktn]'" in message


def test_cdktn_extra_brings_cdktn_alone(cdktn_venv: Path, tmp_path: Path) -> None:
    """`pip install 'policygen[cdktn]'` brings cdktn 0.24 and a constructs it accepts, and no cdktf."""
    code = (
        "import importlib.metadata as m, importlib.util as u; "
        "print(m.version('cdktn'), m.version('constructs'), u.find_spec('cdktf') is None)"
    )
    out = run([str(cdktn_venv / "bin" / "python"), "-c", code], tmp_path, isolated_env(tmp_path / "home")).stdout
    cdktn, constructs, no_cdktf = out.split()
    assert cdktn.startswith("0.24.")
    assert (10, 6) <= tuple(int(part) for part in constructs.split(".")[:2]) < (10, 8)
    assert no_cdktf == "True"


# ---- the scenario, with cdktn-cli ------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdktn_scenario(cdktn_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliScenario]:
    """The project's app migrated to cdktn (imports only), run once by cdktn-cli."""
    tmp = tmp_path_factory.mktemp("cdktn-scenario")
    app = cdktn_app(tmp / "app", cdktn_venv, migrated((ROOT / "main.py").read_text()))
    yield from run_cli_scenario(CDKTN, app, tmp)


def test_cdktn_synth_declares_every_spec(cdktn_scenario: CliScenario) -> None:
    """`cdktn synth` writes one generation and one job-id output per spec, and the map output."""
    check_synth(cdktn_scenario)


def test_cdktn_deploy_and_output_give_the_job_ids(cdktn_scenario: CliScenario) -> None:
    """`cdktn deploy --outputs-file` and `cdktn output` give `<name>_job_id` and the map, the endpoint's jobs."""
    check_outputs(cdktn_scenario)


def test_cdktn_diff_after_deploy_shows_no_change(cdktn_scenario: CliScenario) -> None:
    """`cdktn diff` after the deploy plans nothing and starts no job."""
    check_no_change_diff(cdktn_scenario)


def test_cdktn_destroy_empties_the_state(cdktn_scenario: CliScenario) -> None:
    """`cdktn destroy` removes both generations."""
    check_destroy(cdktn_scenario)


def test_cdktn_runs_on_a_supported_node(cdktn_scenario: CliScenario) -> None:
    """cdktn-cli (which needs Node >= 22.19) and jsii run on node_modules' Node: no end-of-life banner."""
    check_supported_node(cdktn_scenario)


def test_cdktn_synthesizes_the_same_stack_as_cdktf(cdktn_scenario: CliScenario, tmp_path: Path) -> None:
    """cdktn-cli and cdktf-cli synthesize the project's app into the same cdk.tf.json, but for the version stamp."""
    env = {**isolated_env(tmp_path / "home"), "POLICYGEN_STATE": str(cdktn_scenario.state_file), NO_INSTALL_ENV: "1"}
    run([str(CDKTF), "synth", "--output", str(tmp_path / "cdktf.out")], ROOT, env)
    cdktf_stack = json.loads((tmp_path / "cdktf.out" / "stacks" / "policygen" / "cdk.tf.json").read_text())
    assert without_version(cdktn_scenario.stack) == without_version(cdktf_stack)
    assert cdktn_scenario.stack["//"]["metadata"]["version"].startswith("0.24.")


def without_version(stack: dict[str, Any]) -> dict[str, Any]:
    """The stack without the framework's version in its metadata (the one thing the two write differently)."""
    copy = json.loads(json.dumps(stack))
    del copy["//"]["metadata"]["version"]
    return copy


# ---- every construct: the same JSON and HCL from both frameworks -----------------------------------

#: Every construct and binding, on the framework named by the environment (`CDK=cdktf` or `cdktn`).
EVERY_CONSTRUCT_APP = textwrap.dedent(
    """
    import importlib, os
    from policygen import (AccessAnalyzerProvider, AccessAnalyzerServiceRole, DeployerPolicy, GeneratedPolicy,
                           PolicyGeneration, PolicyGenerations, Trail)

    cdk = importlib.import_module(os.environ["CDK"])
    app = cdk.App()
    stack = cdk.TerraformStack(app, "every")
    PolicyGenerations.from_directory(stack, "specs")
    eu = AccessAnalyzerProvider(stack, "eu", region="eu-west-1", endpoint="http://127.0.0.1:9", alias="eu")
    org_trail = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org"
    role = AccessAnalyzerServiceRole(
        stack, "access-role", trail_bucket_arn="arn:aws:s3:::org-trail",
        kms_key_arn="arn:aws:kms:eu-west-1:111122223333:key/k",
        organization_trail=True, organization_id="o-a1b2c3d4e5", trail_arns=[org_trail],
    )
    batch = PolicyGeneration(
        stack, "batch-role", principal_arn="arn:aws:iam::123456789012:role/batch", access_role=role.arn,
        trails=[Trail(org_trail, regions=("eu-west-1",))],
        lookback_days=30, triggers={"rev": "2"}, wait_for_completion=True, wait_timeout="45m", queue_timeout="2h",
        provider=eu,
    )
    draft = GeneratedPolicy(stack, "batch-draft", job_id=batch.job_id, include_resource_placeholders=True, provider=eu)
    cdk.TerraformOutput(stack, "batch_policies", value=draft.policies)
    DeployerPolicy(stack, "deployer-policy", access_role_arns=[role.arn], region="eu-west-1")
    app.synth()
    """
)


@pytest.fixture(scope="module")
def every_construct(cdktn_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the every-construct app and the specs."""
    folder = tmp_path_factory.mktemp("every")
    (folder / "app.py").write_text(EVERY_CONSTRUCT_APP)
    shutil.copytree(ROOT / "specs", folder / "specs")
    return folder


def synth_every_construct(folder: Path, framework: str, python: Path, hcl: bool) -> str:
    """Synthesize the app with ``framework``'s CLI (and ``python`` for the app); return the stack's file."""
    (folder / "cdktf.json").write_text(
        json.dumps({"language": "python", "app": f"{python} app.py", "projectId": "every", "sendCrashReports": "false"})
    )
    outdir = folder / f"{framework}{'-hcl' if hcl else ''}.out"
    env = {**isolated_env(folder / "home"), "CDK": framework, NO_INSTALL_ENV: "1"}
    run([str(NODE_BIN / framework), "synth", *(["--hcl"] if hcl else []), "--output", str(outdir)], folder, env)
    return (outdir / "stacks" / "every" / ("cdk.tf" if hcl else "cdk.tf.json")).read_text()


def test_every_construct_synthesizes_the_same_json_in_both(every_construct: Path, cdktn_venv: Path) -> None:
    """All six constructs and their bindings give the same cdk.tf.json in a cdktn app as in a cdktf app."""
    cdktf = json.loads(synth_every_construct(every_construct, "cdktf", Path(sys.executable), hcl=False))
    cdktn = json.loads(synth_every_construct(every_construct, "cdktn", cdktn_venv / "bin" / "python", hcl=False))
    assert without_version(cdktn) == without_version(cdktf)
    assert {"aws_iam_role", "aws_iam_role_policy", "accessanalyzer_policy_generation"} <= set(cdktn["resource"])
    assert {"aws_caller_identity", "accessanalyzer_generated_policy"} <= set(cdktn["data"])


def test_every_construct_synthesizes_the_same_hcl_in_both(every_construct: Path, cdktn_venv: Path) -> None:
    """`cdktn synth --hcl` writes exactly the cdk.tf that `cdktf synth --hcl` writes."""
    cdktf = synth_every_construct(every_construct, "cdktf", Path(sys.executable), hcl=True)
    cdktn = synth_every_construct(every_construct, "cdktn", cdktn_venv / "bin" / "python", hcl=True)
    assert 'resource "accessanalyzer_policy_generation" "batch_role"' in cdktn
    assert cdktn == cdktf


# ---- errors: mixing the frameworks ------------------------------------------------------------------

MIXED_APP = textwrap.dedent(
    """
    import cdktf, cdktn
    from policygen import PolicyGeneration, Trail

    stack = cdktf.TerraformStack(cdktn.App(), "mixed")   # an App of one, a stack of the other
    PolicyGeneration(
        stack, "app-role", principal_arn="arn:aws:iam::123456789012:role/app",
        access_role="arn:aws:iam::123456789012:role/AccessAnalyzerMonitorServiceRole",
        trails=[Trail("arn:aws:cloudtrail:us-east-1:123456789012:trail/management", regions=("us-east-1",))],
        lookback_days=7,
    )
    """
)


def test_an_app_mixing_cdktf_and_cdktn_gets_one_clear_error(cdktn_venv: Path, tmp_path: Path) -> None:
    """With both frameworks installed and used in one app, the construct raises one TypeError naming the fix."""
    site = cdktn_venv / "cdktf-too"  # cdktf 0.21.0 alone, installed there by `make setup`
    (tmp_path / "app.py").write_text(MIXED_APP)
    env = {**isolated_env(tmp_path / "home"), "PYTHONPATH": str(site), NO_INSTALL_ENV: "1"}
    result = run([str(cdktn_venv / "bin" / "python"), "app.py"], tmp_path, env, check=False)
    assert result.returncode == 1
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("TypeError")]
    assert "mixes cdktf and cdktn" in error
    assert "cdktn.App at (the root); cdktf.TerraformStack at 'mixed'" in error
    assert "import App, TerraformStack and every other CDK class from either cdktf or cdktn" in error
    assert "_resetResolveDiscoveredProviderFeatureUsage" not in result.stderr
    assert END_OF_LIFE not in result.stderr


def test_declared_target_versions_find_nothing_to_refuse(every_construct: Path, cdktn_venv: Path) -> None:
    """cdktn's provider-feature check, with an old Terraform declared in cdktf.json, passes every construct."""
    config = {"language": "python", "app": f"{cdktn_venv / 'bin' / 'python'} app.py", "sendCrashReports": "false"}
    (every_construct / "cdktf.json").write_text(json.dumps({**config, "targetVersions": {"terraform": ">=1.0.0"}}))
    env = {**isolated_env(every_construct / "home"), "CDK": "cdktn", NO_INSTALL_ENV: "1"}
    run([str(CDKTN), "synth", "--output", str(every_construct / "target-versions.out")], every_construct, env)
    assert (every_construct / "target-versions.out" / "stacks" / "every" / "cdk.tf.json").is_file()


# ---- the README's migration -----------------------------------------------------------------------


def test_readme_migration_steps_match_what_the_tests_do() -> None:
    """The README's migration says what `migrated` and `cdktn_app` do: imports renamed, cdktf.json kept, cdktn-cli."""
    steps = " ".join(README.split("Moving a policygen app from cdktf to cdktn:", 1)[1].split("\n## ", 1)[0].split())
    assert "`from cdktf import ...` becomes `from cdktn import ...` and `import cdktf` becomes `import cdktn`" in steps
    assert "(with `cdktf.App` then `cdktn.App`)" in steps
    assert "**`cdktf.json`** stays as it is, its `app` command (`.venv/bin/python main.py`) included" in steps
    assert "npm install --save-dev cdktn-cli@0.24.0 node@22" in steps
    assert ".venv/bin/pip install 'policygen[cdktn]'" in steps
    assert "Node.js ≥ 22.19.0" in steps


def test_readme_app_deployed_with_cdktf_shows_no_change_after_the_move(cdktn_venv: Path, tmp_path: Path) -> None:
    """The walk-through's app, deployed with cdktf then moved as the README says: `cdktn diff` shows no change."""
    files = walkthrough_files()
    app = own_app(tmp_path / "iam-drafts", Path(sys.prefix), files)
    with Emulator(job_seconds=0.0) as emulator:
        env = isolated_env(tmp_path / "home", emulator.url)
        run([str(CDKTF), "deploy", "--auto-approve"], app, env)
        (app / ".venv").unlink()  # step 1: a virtual environment with policygen[cdktn]
        (app / ".venv").symlink_to(cdktn_venv, target_is_directory=True)
        (app / "main.py").write_text(migrated(files["main.py"]))  # step 2; cdktf.json stays (step 3)
        diff = run([str(CDKTN), "diff"], app, env)  # step 4
        destroy = run([str(CDKTN), "destroy", "--auto-approve"], app, env)
        assert len(emulator.backend.jobs()) == 1
    assert "No changes." in diff.stdout, diff.stdout
    assert "Destroy complete! Resources: 1 destroyed." in destroy.stdout
    assert END_OF_LIFE not in diff.stdout + diff.stderr + destroy.stdout + destroy.stderr
