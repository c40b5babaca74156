"""The sandbox environment used by the demo, the tests and the benchmarks."""

from __future__ import annotations

from pathlib import Path

import pytest

from policygen.testing.sandbox import sandbox_env


def test_sandbox_hides_the_users_aws_and_terraform_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS_* and TF_* of the caller are dropped; credentials are fake, config files private."""
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "real-token")
    monkeypatch.setenv("TF_LOG", "trace")
    env = sandbox_env(tmp_path / "box", "http://127.0.0.1:4599")
    assert "AWS_PROFILE" not in env
    assert "AWS_SESSION_TOKEN" not in env
    assert "TF_LOG" not in env
    assert env["AWS_ENDPOINT_URL_ACCESSANALYZER"] == "http://127.0.0.1:4599"
    assert env["HOME"] == str(tmp_path / "box")
    assert Path(env["TF_CLI_CONFIG_FILE"]).is_file()
    assert env["AWS_CONFIG_FILE"].startswith(str(tmp_path / "box"))
