"""The provider entry point's start-up shortcut: tf's cached TLS certificate, used without cryptography."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any

from policygen.provider.server import _cached_cert


def _write_cache(path: Path, age_seconds: float) -> None:
    path.write_text(json.dumps({"key_pem": "KEY", "cert_pem": "CERT", "cert_chain": base64.b64encode(b"DER").decode()}))
    then = time.time() - age_seconds
    os.utime(path, (then, then))


def _made() -> tuple[bytes, Any]:
    return b"made by tf", None


def test_recent_cache_is_used_without_tf(tmp_path: Path) -> None:
    """A cache younger than six days gives its chain; tf's own (cryptography) code is not called."""
    path = tmp_path / "ssl_cert.json"
    _write_cache(path, age_seconds=3600)
    chain, credentials = _cached_cert(_made, lambda: path)()
    assert chain == b"DER"
    assert credentials is not None


def test_old_missing_or_broken_cache_goes_to_tf(tmp_path: Path) -> None:
    """An old, missing or unreadable cache is left to tf, which checks and regenerates it."""
    path = tmp_path / "ssl_cert.json"
    assert _cached_cert(_made, lambda: path)()[0] == b"made by tf"
    _write_cache(path, age_seconds=6.5 * 24 * 3600)
    assert _cached_cert(_made, lambda: path)()[0] == b"made by tf"
    path.write_text("{not json")
    assert _cached_cert(_made, lambda: path)()[0] == b"made by tf"
