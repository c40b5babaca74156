"""The provider's serving seam: its own TLS certificate cache, never used past its expiry (issue 13)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509

from policygen.provider.tfserve import CERT_MARGIN, CERT_VALIDITY, certificate

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_new_certificate_is_cached_with_its_expiry(tmp_path: Path) -> None:
    """The first launch makes a certificate valid for seven days and records when it expires."""
    path = tmp_path / "tls.json"
    key_pem, cert_pem = certificate(lambda: NOW, path)
    cached = json.loads(path.read_text())
    assert (cached["key_pem"], cached["cert_pem"]) == (key_pem, cert_pem)
    assert datetime.fromisoformat(cached["not_after"]) == NOW + CERT_VALIDITY
    assert x509.load_pem_x509_certificate(cert_pem.encode()).not_valid_after_utc == (NOW + CERT_VALIDITY).replace(
        microsecond=0
    )
    assert path.stat().st_mode & 0o077 == 0  # it holds a private key


def test_a_valid_cache_is_reused_and_an_expiring_one_replaced(tmp_path: Path) -> None:
    """The cache is used while it has more than the margin left, and replaced after, never used expired."""
    path = tmp_path / "tls.json"
    first = certificate(lambda: NOW, path)
    assert certificate(lambda: NOW + timedelta(days=6), path) == first
    later = NOW + CERT_VALIDITY - CERT_MARGIN + timedelta(seconds=1)
    replaced = certificate(lambda: later, path)
    assert replaced != first
    assert x509.load_pem_x509_certificate(replaced[1].encode()).not_valid_after_utc > later


def test_a_broken_cache_is_replaced(tmp_path: Path) -> None:
    """An unreadable cache (or one written by something else) costs a new certificate, not a failure."""
    path = tmp_path / "tls.json"
    path.write_text("{not json")
    key_pem, _ = certificate(lambda: NOW, path)
    assert "PRIVATE KEY" in key_pem
    assert json.loads(path.read_text())["key_pem"] == key_pem
