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


def test_start_up_and_schema_import_none_of_what_only_plans_need() -> None:
    """Terraform launches the provider three times per plan, and two launches only answer the schema
    or validate: none of them may pay for botocore, jsonschema, ruamel.yaml, cryptography or the
    client and policy modules (bench/package.py measures what that is worth)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tf.utils import Diagnostics\n"
        "from policygen.provider.configuration import PolicygenProvider\n"
        "from policygen.provider.protocol import PolicygenServicer\n"
        "import policygen.provider.tfserve\n"
        "provider = PolicygenProvider()\n"
        "PolicygenServicer(provider)\n"
        "provider.get_provider_schema(Diagnostics())\n"
        "for kind in provider.get_resources() + provider.get_data_sources():\n"
        "    kind.get_schema()\n"
        "heavy = ('botocore', 'boto3', 'jsonschema', 'ruamel', 'cryptography', 'policygen.aws.client',\n"
        "         'policygen.policy.findings', 'policygen.spec.load')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
