"""A self-signed TLS certificate and its private key, made with the Python standard library only.

What: :func:`new_certificate` makes an ECDSA P-256 key and a self-signed X.509 v3 certificate for
``localhost``, both as PEM text, for the provider's go-plugin TLS server (see provider/tfserve.py).

Why: the provider is frozen with PyInstaller into a package that Terraform hashes on every
``plan``. The ``cryptography`` package, whose 12.5 MB Rust library would otherwise be frozen into
it, was used only to make this one certificate; doing it here keeps it out of the package and
shortens every plan.

Standards followed:

- SEC 2 v2 section 2.4.2 and FIPS 186-4 appendix D.1.2.3 (the curve P-256 = secp256r1 = prime256v1);
- SEC 1 v2 (point encoding 2.3.3, ECDSA signing 4.1.3) and FIPS 186-4 section 6 (ECDSA);
- RFC 5915 (the ECPrivateKey structure) inside RFC 5208 / RFC 5958 (PKCS#8 PrivateKeyInfo);
- RFC 5280 (the X.509 v3 certificate: times, extensions), RFC 5480 (EC public keys in it) and
  RFC 5758 (ecdsa-with-SHA256), all encoded in DER (ITU-T X.690), PEM as in RFC 7468.

Not constant-time: the arithmetic uses Python ints, whose timing depends on their values. That is
accepted here: the key protects a go-plugin connection over a unix socket in a 0700 directory,
between Terraform and the provider it launched, for the certificate's lifetime (7 days), and the
key and certificate are made once per machine per week, not in reply to anyone's request.

tests/provider/test_selfsigned.py checks the point arithmetic, the key and the certificate against
the ``cryptography`` package (a test-time dependency only), and that gRPC (BoringSSL) accepts them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

# --- The curve P-256 -----------------------------------------------------------------------------
# y^2 = x^3 + a*x + b over the integers modulo the prime P, with a point G of prime order N.
# The values are those of SEC 2 v2, section 2.4.2 ("secp256r1"), which are the same as
# FIPS 186-4, appendix D.1.2.3 ("Curve P-256").

#: The field prime, p = 2^256 - 2^224 + 2^192 + 2^96 - 1.
P = 0xFFFFFFFF_00000001_00000000_00000000_00000000_FFFFFFFF_FFFFFFFF_FFFFFFFF
#: The coefficient a = -3 (mod p); the doubling formula below relies on it.
A = P - 3
#: The coefficient b.
B = 0x5AC635D8_AA3A93E7_B3EBBD55_769886BC_651D06B0_CC53B0F6_3BCE3C3E_27D2604B
#: The base point G (affine x, y).
GX = 0x6B17D1F2_E12C4247_F8BCE6E5_63A440F2_77037D81_2DEB33A0_F4A13945_D898C296
GY = 0x4FE342E2_FE1A7F9B_8EE7EB4A_7C0F9E16_2BCE3357_6B315ECE_CBB64068_37BF51F5
#: The order n of G (the curve's cofactor is 1).
N = 0xFFFFFFFF_00000000_FFFFFFFF_FFFFFFFF_BCE6FAAD_A7179E84_F3B9CAC2_FC632551

# A point in Jacobian coordinates (X, Y, Z) stands for the affine point (X/Z^2, Y/Z^3); Z = 0 is the
# point at infinity. Working this way defers the one modular inversion to the end.
_Jacobian = tuple[int, int, int]
_INFINITY: _Jacobian = (1, 1, 0)


def on_curve(x: int, y: int) -> bool:
    """Whether the affine point (x, y) is on P-256."""
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _double(pt: _Jacobian) -> _Jacobian:
    """2 * pt: "dbl-2001-b" of the Explicit-Formulas Database, for a = -3."""
    x1, y1, z1 = pt
    if z1 == 0 or y1 == 0:  # infinity, or a point of order 2 (P-256 has none; kept for completeness)
        return _INFINITY
    delta = z1 * z1 % P
    gamma = y1 * y1 % P
    beta = x1 * gamma % P
    alpha = 3 * (x1 - delta) * (x1 + delta) % P  # 3*x^2 + a*z^4 with a = -3
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y1 + z1) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return x3, y3, z3


def _add_affine(pt: _Jacobian, x2: int, y2: int) -> _Jacobian:
    """pt + (x2, y2), the second point affine (Z = 1): the textbook mixed addition."""
    x1, y1, z1 = pt
    if z1 == 0:
        return x2, y2, 1
    z1z1 = z1 * z1 % P
    u2 = x2 * z1z1 % P  # x2 brought to pt's denominator
    s2 = y2 * z1 * z1z1 % P  # y2 likewise
    h = (u2 - x1) % P
    r = (s2 - y1) % P
    if h == 0:  # same x: the same point (double it) or opposite points (the sum is infinity)
        return _double(pt) if r == 0 else _INFINITY
    hh = h * h % P
    hhh = h * hh % P
    v = x1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - y1 * hhh) % P
    z3 = z1 * h % P
    return x3, y3, z3


def base_multiply(k: int) -> tuple[int, int]:
    """The affine point k * G, for k in [1, n-1] (left-to-right double-and-add)."""
    if not 0 < k < N:
        raise TypeError("the scalar must be an int in [1, n-1]")
    acc = _INFINITY
    for bit in bin(k)[2:]:
        acc = _double(acc)
        if bit == "1":
            acc = _add_affine(acc, GX, GY)
    x, y, z = acc
    # k in [1, n-1] never gives infinity (G has order n), so z != 0 here.
    z_inv = pow(z, -1, P)
    z_inv2 = z_inv * z_inv % P
    return x * z_inv2 % P, y * z_inv2 * z_inv % P


def _random_scalar() -> int:
    """Uniform in [1, n-1], from the operating system's CSPRNG."""
    return secrets.randbelow(N - 1) + 1


def _sign(d: int, message: bytes) -> tuple[int, int]:
    """ECDSA signature (r, s) of SHA-256(message) with private key d (SEC 1 4.1.3, FIPS 186-4 6.4)."""
    # SHA-256 gives 256 bits and n has 256 bits, so the digest is used whole.
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")
    while True:
        k = _random_scalar()
        r = base_multiply(k)[0] % N
        if r == 0:
            continue
        s = pow(k, -1, N) * (e + r * d) % N
        if s != 0:
            return r, s


# --- DER (ITU-T X.690) ---------------------------------------------------------------------------


def _tlv(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length (short form below 128, else minimal long form), content."""
    size = len(content)
    if size < 0x80:
        length = bytes([size])
    else:
        octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + length + content


def _seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _set(*items: bytes) -> bytes:
    return _tlv(0x31, b"".join(items))


def _explicit(number: int, content: bytes) -> bytes:
    """A context-specific, constructed [number] EXPLICIT wrapper."""
    return _tlv(0xA0 | number, content)


def _integer(value: int) -> bytes:
    """A non-negative INTEGER in the fewest octets, with a leading 0x00 when the high bit is set."""
    if value < 0:
        raise TypeError("only non-negative integers are encoded here")
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _octet_string(value: bytes) -> bytes:
    return _tlv(0x04, value)


def _bit_string(value: bytes) -> bytes:
    """A BIT STRING of whole octets (0 unused bits)."""
    return _tlv(0x03, b"\x00" + value)


def _oid(dotted: str) -> bytes:
    """An OBJECT IDENTIFIER: the first two arcs as 40*a + b, then each arc in base 128, high bit = more."""
    arcs = [int(arc) for arc in dotted.split(".")]
    body = b""
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        top = 7 * (max(arc.bit_length() - 1, 0) // 7)  # the shift of the most significant 7-bit group
        body += bytes((arc >> shift) & 0x7F | (0x80 if shift else 0) for shift in range(top, -1, -7))
    return _tlv(0x06, body)


def _time(when: datetime) -> bytes:
    """RFC 5280 4.1.2.5: UTCTime (YYMMDDHHMMSSZ) for 1950-2049, GeneralizedTime (YYYYMMDDHHMMSSZ) otherwise."""
    clock = f"{when.month:02d}{when.day:02d}{when.hour:02d}{when.minute:02d}{when.second:02d}Z"
    if 1950 <= when.year <= 2049:
        return _tlv(0x17, f"{when.year % 100:02d}{clock}".encode("ascii"))
    return _tlv(0x18, f"{when.year:04d}{clock}".encode("ascii"))


def _pem(label: str, der: bytes) -> str:
    """RFC 7468 text: base64 in lines of 64 characters between BEGIN and END lines."""
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]) + "\n"


# --- Object identifiers --------------------------------------------------------------------------

_ID_EC_PUBLIC_KEY = "1.2.840.10045.2.1"  # RFC 5480 2.1.1
_PRIME256V1 = "1.2.840.10045.3.1.7"  # RFC 5480 2.1.1.1 (secp256r1)
_ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"  # RFC 5758 3.2
_COMMON_NAME = "2.5.4.3"  # X.520
_BASIC_CONSTRAINTS = "2.5.29.19"  # RFC 5280 4.2.1.9
_SUBJECT_ALT_NAME = "2.5.29.17"  # RFC 5280 4.2.1.6
_EXT_KEY_USAGE = "2.5.29.37"  # RFC 5280 4.2.1.12
_SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"

_HOST = "localhost"


def _extension(oid: str, value: bytes, *, critical: bool) -> bytes:
    """RFC 5280 Extension; critical is DEFAULT FALSE, so DER leaves it out when false."""
    flag = _tlv(0x01, b"\xff") if critical else b""
    return _seq(_oid(oid), flag, _octet_string(value))


def new_certificate(now: datetime, validity: timedelta) -> tuple[str, str, datetime]:
    """A new P-256 key and a self-signed certificate for ``localhost``: ``(key_pem, cert_pem, not_after)``.

    ``now`` (timezone-aware) is truncated to whole seconds first, as the certificate's times have
    no fractions; the certificate is valid from a minute before it until ``now + validity`` (also
    truncated to whole seconds), which is the ``not_after`` returned, equal to the certificate's.
    The key is PKCS#8 (``BEGIN PRIVATE KEY``) wrapping an RFC 5915 ECPrivateKey.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise TypeError("now must be a timezone-aware datetime")
    now = now.astimezone(UTC).replace(microsecond=0)
    not_before = now - timedelta(minutes=1)
    not_after = (now + validity).replace(microsecond=0)

    d = _random_scalar()
    x, y = base_multiply(d)
    point = b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big")  # SEC 1 2.3.3, uncompressed
    curve = _oid(_PRIME256V1)
    key_algorithm = _seq(_oid(_ID_EC_PUBLIC_KEY), curve)

    # RFC 5915 ECPrivateKey inside RFC 5208/5958 PrivateKeyInfo (version 0).
    ec_private_key = _seq(
        _integer(1), _octet_string(d.to_bytes(32, "big")), _explicit(0, curve), _explicit(1, _bit_string(point))
    )
    key_der = _seq(_integer(0), key_algorithm, _octet_string(ec_private_key))

    # RFC 5280 4.1: serialNumber positive, at most 20 octets: 159 random bits keep the top bit clear.
    serial = 0
    while serial == 0:
        serial = secrets.randbits(159)
    name = _seq(_set(_seq(_oid(_COMMON_NAME), _tlv(0x0C, _HOST.encode("utf-8")))))  # UTF8String
    signature_algorithm = _seq(_oid(_ECDSA_WITH_SHA256))  # no parameters (RFC 5758 3.2)
    extensions = _seq(
        _extension(_BASIC_CONSTRAINTS, _seq(_tlv(0x01, b"\xff")), critical=True),  # cA TRUE, no pathLen
        _extension(_SUBJECT_ALT_NAME, _seq(_tlv(0x82, _HOST.encode("ascii"))), critical=False),  # [2] dNSName
        _extension(_EXT_KEY_USAGE, _seq(_oid(_SERVER_AUTH), _oid(_CLIENT_AUTH)), critical=False),
    )
    tbs = _seq(
        _explicit(0, _integer(2)),  # version v3
        _integer(serial),
        signature_algorithm,
        name,  # issuer
        _seq(_time(not_before), _time(not_after)),
        name,  # subject
        _seq(key_algorithm, _bit_string(point)),  # SubjectPublicKeyInfo
        _explicit(3, extensions),
    )
    r, s = _sign(d, tbs)
    cert_der = _seq(tbs, signature_algorithm, _bit_string(_seq(_integer(r), _integer(s))))
    return _pem("PRIVATE KEY", key_der), _pem("CERTIFICATE", cert_der), not_after
