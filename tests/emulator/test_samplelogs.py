"""The synthetic CloudTrail log generator: layout, relative to now, reproducible."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from policygen.emulator.samplelogs import write_sample_logs

from .helpers import ACCOUNT, PRINCIPAL


def test_files_follow_the_s3_delivery_layout(tmp_path: Path) -> None:
    """Files land in AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD as gzipped {"Records": [...]}."""
    written = write_sample_logs(tmp_path, principal_arns=[PRINCIPAL], account_id=ACCOUNT, regions=["eu-west-1"], days=2)
    assert written.files
    for path in written.files:
        parts = path.relative_to(tmp_path).parts
        assert parts[:4] == ("AWSLogs", ACCOUNT, "CloudTrail", "eu-west-1")
        assert path.name.startswith(f"{ACCOUNT}_CloudTrail_eu-west-1_")
        assert path.name.endswith(".json.gz")
        assert json.loads(gzip.decompress(path.read_bytes()))["Records"]


def test_events_lie_in_the_last_days(tmp_path: Path) -> None:
    """Every event is within the requested number of days before now, never in the future."""
    now = datetime.now(UTC)
    written = write_sample_logs(tmp_path, principal_arns=[PRINCIPAL], account_id=ACCOUNT, days=3, compress=False)
    times = [
        datetime.fromisoformat(record["eventTime"])
        for path in written.files
        for record in json.loads(path.read_text())["Records"]
    ]
    assert min(times) >= now - timedelta(days=3, seconds=1)
    assert max(times) <= now + timedelta(seconds=1)


def test_same_seed_same_workload(tmp_path: Path) -> None:
    """The same seed gives each principal the same expected actions; another seed, another workload."""

    def actions(seed: int) -> set[str]:
        out = tmp_path / str(seed)
        return write_sample_logs(out, principal_arns=[PRINCIPAL], account_id=ACCOUNT, days=1, seed=seed).actions[
            PRINCIPAL
        ]

    assert actions(1) == actions(1)
    assert any(actions(1) != actions(seed) for seed in range(2, 6))
