"""The HTTP framing the endpoint accepts: the body limit, ``Content-Length``, timeouts, lingering.

A body over :data:`MAX_BODY_BYTES` is refused from its ``Content-Length``, before a byte of it is
read; a ``Content-Length`` that is not a number is refused 400, a chunked body 411. A body that does
not arrive within the socket timeout (:data:`DEFAULT_SOCKET_TIMEOUT`) is refused 408. After refusing
a body unread, the endpoint reads and discards a little of it (:func:`drain`) before it closes.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from email.message import Message
from http import HTTPStatus
from io import BufferedIOBase

from policygen.emulator.exceptions import (
    BadRequestException,
    LengthRequiredException,
    RequestEntityTooLargeException,
    RequestTimeoutException,
)

#: Largest request body the endpoint reads: 1 MiB. Access Analyzer's requests are a few kilobytes
#: (StartPolicyGeneration, the largest, names a principal, a role and some trails).
MAX_BODY_BYTES = 1024 * 1024
#: Seconds a connection may stay silent, mid-request or idle between keep-alive requests.
DEFAULT_SOCKET_TIMEOUT = 10.0
#: After refusing a body unread, how long (and how many of its bytes) to read and discard before
#: closing: closing on unread data makes the kernel reset the connection, which can destroy the
#: error response before the client has read it.
LINGER_SECONDS = 1.0
LINGER_BYTES = MAX_BODY_BYTES
#: Exceptions meaning the client went away; answering it is pointless, and logging it is noise.
CLIENT_GONE = (ConnectionError, TimeoutError)


def error_code(status: int) -> str:
    """The error code of an HTTP-layer status: its reason phrase, as a word (414: RequestURITooLongException)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = f"Http{status}"
    return re.sub(r"[^A-Za-z0-9]", "", phrase) + "Exception"


def content_length(headers: Message, limit: int) -> int:
    """The announced body length; raises the HTTP-layer error for a framing the endpoint refuses."""
    if headers.get_all("Transfer-Encoding"):
        raise LengthRequiredException(
            "The request body is sent with Transfer-Encoding, which this endpoint does not read; "
            "send it with a Content-Length header instead (the SDKs do)."
        )
    values = [value.strip() for value in headers.get_all("Content-Length") or []]
    if not values:
        return 0
    if len(set(values)) > 1:
        shown = ", ".join(repr(value[:20]) for value in values[:5])
        raise BadRequestException(
            f"The request has {len(values)} different Content-Length headers ({shown}); send one, "
            "with the body's length in bytes."
        )
    text = values[0]
    if not re.fullmatch(r"[0-9]+", text):
        raise BadRequestException(
            f"The Content-Length header {text[:40]!r} is not a number of bytes; send the body's length "
            "in bytes, as decimal digits."
        )
    # Compare digit counts first: int() refuses strings of more than 4,300 digits.
    if len(text.lstrip("0")) > len(str(limit)) or int(text) > limit:
        raise RequestEntityTooLargeException(
            f"The request body is {text[:40]} bytes, and this endpoint reads at most {limit} bytes "
            f"({limit / 1024 / 1024:g} MiB); Access Analyzer's requests are a few kilobytes. Nothing "
            "was read or done."
        )
    return int(text)


def read_body(rfile: BufferedIOBase, length: int, socket_timeout: float | None) -> bytes:
    """``length`` bytes of body from ``rfile``; raises 408 when they do not arrive, 400 when they end early."""
    if not length:
        return b""
    try:
        body = rfile.read(length)
    except TimeoutError as exc:
        raise RequestTimeoutException(
            f"The request announced a body of {length} bytes, and it did not arrive within "
            f"{socket_timeout:g} s (the endpoint's socket timeout); send the whole body "
            "its Content-Length announces."
        ) from exc
    if len(body) < length:
        raise BadRequestException(
            f"The request body ended after {len(body)} of the {length} bytes its Content-Length "
            "announced; send the whole body."
        )
    return body


def drain(connection: socket.socket) -> None:
    """Stop writing, then read and discard what the client still sends, within the linger bounds."""
    deadline = time.monotonic() + LINGER_SECONDS
    drained = 0
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_WR)
        while drained < LINGER_BYTES and (remaining := deadline - time.monotonic()) > 0:
            connection.settimeout(remaining)
            chunk = connection.recv(65536)
            if not chunk:
                break
            drained += len(chunk)
