"""The standard-library certificate maker (provider/selfsigned.py), checked against cryptography and gRPC."""

from __future__ import annotations

import base64
import hashlib
from concurrent import futures
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from policygen.provider import selfsigned
from policygen.provider.selfsigned import GX, GY, N, base_multiply, new_certificate, on_curve

WEEK = timedelta(days=7)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

# Scalars spread over [1, n-1], the same on every run, plus the edges of the double-and-add loop.
SCALARS = [
    1,
    2,
    3,
    (N - 1) // 2,
    (N + 1) // 2,
    2**255,
    2**256 - 2**224,  # long runs of one bits
    N - 2,
    N - 1,
    *(int.from_bytes(hashlib.sha256(b"scalar %d" % i).digest(), "big") % (N - 1) + 1 for i in range(8)),
]


@pytest.mark.parametrize("d", SCALARS)
def test_point_multiplication_agrees_with_cryptography(d: int) -> None:
    """d * G is the public key cryptography derives from the private value d."""
    expected = ec.derive_private_key(d, ec.SECP256R1()).public_key().public_numbers()
    assert base_multiply(d) == (expected.x, expected.y)
    assert on_curve(*base_multiply(d))


def test_the_curve_constants_hang_together() -> None:
    """G is on the curve y^2 = x^3 - 3x + b, has order n, and scalars outside [1, n-1] are refused."""
    assert on_curve(GX, GY)
    assert not on_curve(GX, GY + 1)
    assert base_multiply(N - 1) == (GX, (-GY) % selfsigned.P)  # (n-1) G = -G, so n G is infinity
    for bad in (0, N, -1):
        with pytest.raises(TypeError, match="scalar"):
            base_multiply(bad)


def test_signatures_verify_with_cryptography() -> None:
    """The ECDSA signer's (r, s), DER-encoded, verifies over the message it was given."""
    d = SCALARS[-1]
    public = ec.derive_private_key(d, ec.SECP256R1()).public_key()
    for message in (b"", b"x", b"a longer message" * 100):
        r, s = selfsigned._sign(d, message)
        public.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))


def test_der_primitives() -> None:
    """Lengths, INTEGERs, OIDs and times encode as X.690 DER and RFC 5280 say, byte for byte."""
    assert selfsigned._tlv(0x04, b"a" * 127)[:2] == b"\x04\x7f"
    assert selfsigned._tlv(0x04, b"a" * 128)[:3] == b"\x04\x81\x80"
    assert selfsigned._tlv(0x04, b"a" * 255)[:3] == b"\x04\x81\xff"
    assert selfsigned._tlv(0x04, b"a" * 256)[:4] == b"\x04\x82\x01\x00"
    assert selfsigned._integer(0) == b"\x02\x01\x00"
    assert selfsigned._integer(127) == b"\x02\x01\x7f"
    assert selfsigned._integer(128) == b"\x02\x02\x00\x80"
    assert selfsigned._integer(256) == b"\x02\x02\x01\x00"
    assert selfsigned._oid("1.2.840.10045.2.1") == bytes.fromhex("06072a8648ce3d0201")
    assert selfsigned._oid("2.5.29.37") == bytes.fromhex("0603551d25")
    assert selfsigned._time(datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)) == b"\x17\x0d491231235959Z"
    assert selfsigned._time(datetime(2050, 1, 1, tzinfo=UTC)) == b"\x18\x0f20500101000000Z"
    assert selfsigned._time(datetime(1950, 1, 1, tzinfo=UTC)) == b"\x17\x0d500101000000Z"
    assert selfsigned._time(datetime(1949, 12, 31, tzinfo=UTC)) == b"\x18\x0f19491231000000Z"


def pem_der(pem: str) -> bytes:
    """The DER inside one PEM block."""
    return base64.b64decode("".join(line for line in pem.splitlines() if not line.startswith("-----")))


def check(key_pem: str, cert_pem: str, not_before: datetime, not_after: datetime) -> None:
    """Everything the provider's certificate must be, read back by cryptography."""
    assert key_pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert cert_pem.startswith("-----BEGIN CERTIFICATE-----\n")
    assert all(len(line) <= 64 for line in cert_pem.splitlines() + key_pem.splitlines())
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(key.curve, ec.SECP256R1)
    assert 0 < key.private_numbers().private_value < N
    # PKCS#8 (version 0, id-ecPublicKey with prime256v1, an OCTET STRING of 0x79 bytes) around the RFC 5915
    # ECPrivateKey with its curve and public key, which is exactly what cryptography writes in OpenSSL's format.
    pkcs8_head = bytes.fromhex("308193 020100 3013 06072a8648ce3d0201 06082a8648ce3d030107 0479")
    ec_private_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    assert pem_der(key_pem) == pkcs8_head + ec_private_key
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.public_numbers() == key.public_key().public_numbers()
    assert cert.signature_hash_algorithm is not None
    public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    assert cert.signature_algorithm_oid == SignatureAlgorithmOID.ECDSA_WITH_SHA256
    assert cert.version == x509.Version.v3
    assert 0 < cert.serial_number < 2**159
    localhost = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    assert cert.subject == cert.issuer == localhost
    assert cert.subject.public_bytes() == localhost.public_bytes()  # the same string type: UTF8String
    assert (cert.not_valid_before_utc, cert.not_valid_after_utc) == (not_before, not_after)
    extensions = [(ext.oid, ext.critical, ext.value) for ext in cert.extensions]
    assert extensions == [
        (x509.BasicConstraints.oid, True, x509.BasicConstraints(ca=True, path_length=None)),
        (x509.SubjectAlternativeName.oid, False, x509.SubjectAlternativeName([x509.DNSName("localhost")])),
        (
            x509.ExtendedKeyUsage.oid,
            False,
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
        ),
    ]
    assert cert.public_bytes(serialization.Encoding.PEM).decode() == cert_pem  # PEM as cryptography writes it
    # Byte for byte what the cryptography-based code this module replaces signs, given the same key and serial.
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    reference = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(cert.serial_number)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    assert cert.tbs_certificate_bytes == reference.tbs_certificate_bytes


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2049, 12, 28, 12, 0, tzinfo=UTC),  # notBefore a UTCTime, notAfter a GeneralizedTime
        datetime(2049, 12, 31, 23, 59, 30, tzinfo=UTC),
        datetime(2050, 1, 1, 0, 0, 30, tzinfo=UTC),  # notBefore in 2049, notAfter in 2050
        datetime(2100, 6, 1, tzinfo=UTC),
    ],
)
def test_the_certificate_is_what_cryptography_made(now: datetime) -> None:
    """Key and certificate load; the key matches; the signature verifies; names, times and extensions are right."""
    key_pem, cert_pem, not_after = new_certificate(now, WEEK)
    assert not_after == now + WEEK
    check(key_pem, cert_pem, now - timedelta(minutes=1), now + WEEK)


def test_times_are_truncated_to_whole_seconds_and_kept_in_utc() -> None:
    """A fractional or non-UTC ``now`` gives the certificate's own whole-second UTC times; a naive one is refused."""
    now = datetime(2026, 12, 1, 13, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=1)))
    key_pem, cert_pem, not_after = new_certificate(now, WEEK)
    assert not_after == NOW + WEEK
    assert not_after.utcoffset() == timedelta(0)
    check(key_pem, cert_pem, NOW - timedelta(minutes=1), NOW + WEEK)
    with pytest.raises(TypeError, match="timezone-aware"):
        new_certificate(datetime(2026, 12, 1, 12, 0), WEEK)


def test_many_certificates_parse_and_verify() -> None:
    """Random serials, keys and signatures hit every INTEGER's high-bit padding and length sooner or later."""
    keys = set()
    for _ in range(50):
        key_pem, cert_pem, _ = new_certificate(NOW, WEEK)
        check(key_pem, cert_pem, NOW - timedelta(minutes=1), NOW + WEEK)
        keys.add(key_pem)
    assert len(keys) == 50


def test_grpc_accepts_the_key_and_certificate(tmp_path: Path) -> None:
    """BoringSSL, under gRPC, serves with the key and certificate and a client trusting the certificate connects."""
    key_pem, cert_pem, _ = new_certificate(datetime.now(UTC), WEEK)  # TLS checks the validity against the clock
    sock = tmp_path / "s.sock"
    server = grpc.server(futures.ThreadPoolExecutor(2))
    handler = grpc.unary_unary_rpc_method_handler(
        lambda request, context: request, request_deserializer=None, response_serializer=None
    )
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("t.T", {"Ping": handler})])
    server.add_secure_port(f"unix://{sock}", grpc.ssl_server_credentials([(key_pem.encode(), cert_pem.encode())]))
    server.start()
    try:
        credentials = grpc.ssl_channel_credentials(root_certificates=cert_pem.encode())
        options = [("grpc.ssl_target_name_override", "localhost")]
        with grpc.secure_channel(f"unix://{sock}", credentials, options=options) as channel:
            ping = channel.unary_unary("/t.T/Ping")
            assert ping(b"hello", timeout=10) == b"hello"
    finally:
        server.stop(None)
