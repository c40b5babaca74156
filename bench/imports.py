"""Import cost: ``import policygen``, the provider's start-up, and what dominates them (``-X importtime``)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from bench.common import PYTHON, ROOT, isolated_env, log, repeat, timed
from bench.terraform import MAGIC_COOKIE, handshake_seconds

from policygen.distribution.launcher import install_provider

#: What each figure runs, as ``python -c`` programs.
PROGRAMS = {
    "python (nothing imported)": "pass",
    "import policygen": "import policygen",
    "import policygen.provider.server": "import policygen.provider.server",
    "provider modules for GetProviderSchema": (
        "import policygen.provider.server, policygen.provider.protocol, tf.runner;"
        "from policygen.provider.configuration import PolicygenProvider as P;"
        "P().get_resources(); P().get_data_sources()"
    ),
    "import policygen.constructs (synth)": "import policygen.constructs",
}


def measure(work: Path, runs: int, top: int = 8) -> dict[str, Any]:
    """Time every program and the provider's launch-to-handshake; the top ``-X importtime`` entries."""
    log(f"imports: {len(PROGRAMS)} programs and the provider handshake, {runs} runs each")
    env = isolated_env(work / "home")
    times = {
        name: repeat(runs, lambda code=code: timed([PYTHON, "-c", code], ROOT, env)) for name, code in PROGRAMS.items()
    }
    launcher = install_provider(work / "plugins")
    handshake_seconds(launcher, env)  # the first launch creates the provider's cached TLS certificate: not counted
    times["provider launch to handshake"] = repeat(runs, lambda: handshake_seconds(launcher, env))
    return {
        "times": times,
        "importtime": {
            "provider launch to handshake": top_imports(_provider_importtime(launcher, env), top),
            "import policygen.provider.server": top_imports(
                _importtime(PROGRAMS["import policygen.provider.server"], env), top
            ),
            "import policygen.constructs (synth)": top_imports(
                _importtime(PROGRAMS["import policygen.constructs (synth)"], env), top
            ),
        },
    }


def _importtime(code: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stderr


def _provider_importtime(launcher: Path, env: dict[str, str]) -> str:
    """``-X importtime`` of the provider process, from launch to the handshake line.

    The launcher runs Python isolated (``-I``), which ignores ``PYTHONPROFILEIMPORTTIME``; so it is
    pointed (``POLICYGEN_PYTHON``) at a wrapper that adds ``-X importtime``.
    """
    wrapper = launcher.parent.parent / "python-importtime"
    wrapper.write_text(f'#!/bin/sh\nexec "{PYTHON}" -X importtime "$@"\n')
    wrapper.chmod(0o755)
    env = {
        **env,
        "TF_PLUGIN_MAGIC_COOKIE": MAGIC_COOKIE,
        "PLUGIN_PROTOCOL_VERSIONS": "6",
        "POLICYGEN_PYTHON": str(wrapper),
    }
    proc = subprocess.Popen([str(launcher)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.kill()
    _, stderr = proc.communicate()
    return stderr


def top_imports(report: str, top: int) -> dict[str, list[dict[str, Any]]]:
    """The ``top`` modules by cumulative time among the program's direct imports, and the ``top``
    of all modules by their own time alone, from a ``-X importtime`` report (times in ms)."""
    rows = []
    for line in report.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append(
            {"module": name.strip(), "depth": depth, "own_ms": int(own) / 1000, "cumulative_ms": int(cumulative) / 1000}
        )
    # The program's own module (``import X``) is at depth 0 and holds everything; what it imports
    # directly, at depth 1, is what a change can act on. The provider's entry point is run as
    # ``__main__``, which -X importtime does not list: its direct imports are at depth 0.
    roots = {r["module"] for r in rows if r["depth"] == 0 and r["module"].startswith("policygen")}
    outer = [r for r in rows if r["depth"] <= 1 and r["module"] not in roots and r["module"] != "site"]
    return {
        "by_cumulative": sorted(outer, key=lambda r: -r["cumulative_ms"])[:top],
        "by_own": sorted(rows, key=lambda r: -r["own_ms"])[:top],
    }
