"""The provider refuses at plan what cannot work, on the attribute, in Terraform's words (issue 12, item 2).

Each case is a real `terraform plan` against the embedded endpoint; none may start a job or say
"This is a bug in policygen".
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from policygen.emulator import Emulator
from tests.e2e.test_lifecycle import PROVIDER, Workdir, generation

pytestmark = [pytest.mark.e2e]


def flat(text: str) -> str:
    """Terraform wraps diagnostics: compare on one line."""
    return " ".join(text.split())


CASES = {
    "huge wait_timeout": (
        generation("r", extra=f'wait_for_completion = true\n  wait_timeout = "{"9" * 400}h"'),
        {},
        [
            "Invalid wait_timeout",
            "wait_timeout can be at most 24h",
            "(401 characters)",
            "with accessanalyzer_policy_generation.r",
        ],
    ),
    "zero queue_timeout": (
        generation("r", extra='queue_timeout = "0s"'),
        {},
        ["Invalid queue_timeout", "queue_timeout must be longer than zero"],
    ),
    "empty region": (
        generation("r"),
        {"provider": 'provider "accessanalyzer" { region = "" }'},
        ["Invalid region", "'' is not a Region name"],
    ),
    "endpoint port out of range": (
        generation("r"),
        {"provider": 'provider "accessanalyzer" { endpoint = "http://127.0.0.1:99999" }'},
        ["Invalid endpoint URL", "'http://127.0.0.1:99999' is not an endpoint URL: its port 99999 is not a number"],
    ),
    "endpoint with an unclosed IPv6 bracket": (
        generation("r"),
        {"provider": 'provider "accessanalyzer" { endpoint = "http://[::1:4599" }'},
        ["Invalid endpoint URL", "its IPv6 address has no closing ']'"],
    ),
    "endpoint variable without a scheme": (
        generation("r"),
        {"AWS_ENDPOINT_URL_ACCESSANALYZER": "localhost:1234"},
        [
            "Invalid AWS_ENDPOINT_URL_ACCESSANALYZER",
            "'localhost:1234' is not an endpoint URL: it has no scheme; write http://localhost:1234",
            "unset the variable",
        ],
    ),
    "attribute names in messages": (
        generation("r", extra='start_time = "2026-11-01T00:00:00Z"'),
        {},
        ["give either start_time or lookback_days, not both", "on main.tf line"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_plan_refuses_on_the_attribute(
    case: str, make_emulator: Callable[..., Emulator], workdir: Callable[..., Workdir]
) -> None:
    """Each bad value fails the plan with a diagnostic in Terraform's terms, never a bug report or a job."""
    hcl, setting, expected = CASES[case]
    emu = make_emulator(job_seconds=0.0)
    tf = workdir(emu)
    main = PROVIDER + hcl
    if "provider" in setting:
        main = main.replace('provider "accessanalyzer" {}', setting["provider"])
    (tf.path / "main.tf").write_text(main)
    tf.tf("init")
    for variable, value in setting.items():
        if variable != "provider":
            tf.env[variable] = value
    result = tf.tf("plan", check=False)
    output = flat(result.stdout + result.stderr)
    assert result.returncode == 1, output
    for text in expected:
        assert text in output
    assert "This is a bug in policygen" not in output
    assert "allRegions" not in output
    assert "lookbackDays" not in output
    assert emu.backend.jobs() == []
