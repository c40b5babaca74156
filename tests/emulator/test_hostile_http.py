"""The endpoint against careless and hostile clients: it stays private, bounded, quiet, and serving.

Requests are written by hand on raw sockets where the point is a malformed or incomplete request,
which ``http.client`` and botocore would refuse to send. After every refusal the test checks that
the endpoint still answers a correct request correctly.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from policygen.emulator import Emulator
from policygen.emulator.server import LISTEN_BACKLOG, MAX_BODY_BYTES, is_loopback

from .helpers import FAKE_AUTHORIZATION, make_client, start_request

#: The address that means every interface: refused by these tests, never bound.
ALL = "0.0.0.0"  # noqa: S104

LIST = f"GET /policy/generation HTTP/1.1\r\nHost: x\r\nAuthorization: {FAKE_AUTHORIZATION}\r\n\r\n".encode()


@contextmanager
def _connection(emu: Emulator, timeout: float = 10.0) -> Iterator[socket.socket]:
    """A raw TCP connection to the endpoint."""
    sock = socket.create_connection((emu.host, emu.port), timeout=timeout)
    try:
        yield sock
    finally:
        sock.close()


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, lower-cased headers and body of the one response on ``sock``."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def _put(length: str, body: bytes = b"", extra: str = "") -> bytes:
    """A StartPolicyGeneration request head announcing ``length``, then ``body``."""
    return (
        f"PUT /policy/generation HTTP/1.1\r\nHost: x\r\nAuthorization: {FAKE_AUTHORIZATION}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n{extra}\r\n"
    ).encode() + body


def _assert_still_serving(emu: Emulator) -> None:
    """A signed StartPolicyGeneration and GetGeneratedPolicy still get correct answers."""
    client = make_client(emu.url)
    job_id = client.start_policy_generation(**start_request(token=None))["jobId"]
    assert client.get_generated_policy(jobId=job_id)["jobDetails"]["jobId"] == job_id
    emu.backend.reset()


def _wait_for_idle(emu: Emulator) -> None:
    """Wait (bounded) until no connection is open: every handler thread has finished."""
    done = threading.Event()
    for _ in range(200):
        if emu.open_connections() == 0:
            return
        done.wait(0.05)
    raise AssertionError(f"{emu.open_connections()} connection(s) still open")


# --- private by default ----------------------------------------------------------------------------


@pytest.mark.parametrize("host", [ALL, "::", "192.168.1.10", "example.com", ""])
def test_a_non_loopback_host_is_refused_without_allow_remote(host: str) -> None:
    """Emulator(host=...) binds nothing but loopback unless allow_remote=True says so."""
    with pytest.raises(ValueError, match=r"loopback|every network interface") as caught:
        Emulator(host=host)
    assert "allow_remote=True" in str(caught.value)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("::ffff:127.0.0.1", True),
        (ALL, False),
        ("::", False),
        ("10.0.0.1", False),
        ("my-laptop", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    """Loopback means 127.0.0.0/8, ::1 (also IPv4-mapped) and the name localhost; no name is resolved."""
    assert is_loopback(host) is loopback


def test_allow_remote_is_accepted_by_the_constructor() -> None:
    """allow_remote=True lets a non-loopback host through the check (nothing is bound here)."""
    assert Emulator(host=ALL, allow_remote=True).url == f"http://{ALL}:0"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"port": 70000}, "port must be a whole number from 0 to 65535"),
        ({"port": -1}, "port must be a whole number from 0 to 65535"),
        ({"daily_quota": -1}, "daily quota must be a whole number, 0 or more"),
        ({"concurrency": 0}, "concurrency must be a whole number, 1 or more"),
        ({"job_seconds": -1.0}, "job duration must be from 0 to 604800 seconds"),
        ({"job_seconds": float("nan")}, "job duration must be from 0 to 604800 seconds"),
        ({"socket_timeout": 0.0}, "socket timeout must be a number of seconds above 0"),
        ({"max_body_bytes": -1}, "body limit must be a whole number of bytes"),
    ],
)
def test_options_out_of_range_are_refused(options: dict[str, Any], message: str) -> None:
    """Values the endpoint cannot serve with raise ValueError at construction, not errors at request time."""
    with pytest.raises(ValueError, match=message):
        Emulator(**options)


def test_ipv6_loopback_is_served() -> None:
    """host="::1" binds an IPv6 socket, and the URL puts the address in brackets, as botocore needs."""
    try:
        emu = Emulator(host="::1").start()
    except OSError as exc:  # a machine without IPv6 on loopback
        pytest.skip(f"::1 cannot be bound here: {exc}")
    try:
        assert emu.url == f"http://[::1]:{emu.port}"
        _assert_still_serving(emu)
    finally:
        emu.stop()


# --- bodies: limit, framing, timeout ----------------------------------------------------------------


def test_a_body_over_the_limit_gets_413_before_it_is_read(emulator: Emulator) -> None:
    """Announcing 200 MB gets 413 at once, in the JSON error shape: the endpoint waits for no byte of it."""
    with _connection(emulator) as sock:
        sock.sendall(_put(str(200 * 1024 * 1024)))  # the head only: a server reading the body would hang
        status, headers, body = _read_response(sock)
    assert status == 413
    assert headers["x-amzn-errortype"] == "RequestEntityTooLargeException"
    assert headers["connection"] == "close"
    message = json.loads(body)["message"]
    assert f"at most {MAX_BODY_BYTES} bytes (1 MiB)" in message
    assert "209715200 bytes" in message
    _assert_still_serving(emulator)


def test_a_body_over_the_limit_sent_at_once_is_refused_without_buffering_it(emulator: Emulator) -> None:
    """A client that sends 8 MiB without waiting still reads the 413; the endpoint keeps serving."""
    with _connection(emulator) as sock:
        sock.sendall(_put(str(8 * MAX_BODY_BYTES)))
        # The endpoint stops reading after a bounded drain, so the rest may meet a closed socket.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b"{" * 8 * MAX_BODY_BYTES)
        status, headers, _ = _read_response(sock)
    assert (status, headers["x-amzn-errortype"]) == (413, "RequestEntityTooLargeException")
    _assert_still_serving(emulator)


def test_expect_100_continue_is_answered_413_instead_of_continue(emulator: Emulator) -> None:
    """With ``Expect: 100-continue``, an oversized body is refused before the client sends it."""
    with _connection(emulator) as sock:
        sock.sendall(_put(str(MAX_BODY_BYTES + 1), extra="Expect: 100-continue\r\n"))
        status, headers, _ = _read_response(sock)
    assert (status, headers["x-amzn-errortype"]) == (413, "RequestEntityTooLargeException")
    _assert_still_serving(emulator)


def test_a_body_at_the_limit_is_read(emulator: Emulator) -> None:
    """Exactly MAX_BODY_BYTES is read and judged (here: not JSON), not refused as too large."""
    with _connection(emulator) as sock:
        sock.sendall(_put(str(MAX_BODY_BYTES), b"x" * MAX_BODY_BYTES))
        status, headers, body = _read_response(sock)
    assert (status, headers["x-amzn-errortype"]) == (400, "ValidationException")
    assert "not valid JSON" in json.loads(body)["message"]


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "+5", "0x10", "5 5", "9" * 5000])
def test_a_content_length_that_is_not_a_number_gets_400(emulator: Emulator, length: str) -> None:
    """A Content-Length that is not decimal digits is answered 400 (a huge one 413), never a dropped connection."""
    with _connection(emulator) as sock:
        sock.sendall(_put(length, b"{}"))
        status, headers, body = _read_response(sock)
    if length.isdigit():
        assert (status, headers["x-amzn-errortype"]) == (413, "RequestEntityTooLargeException")
    else:
        assert (status, headers["x-amzn-errortype"]) == (400, "BadRequestException")
        assert f"The Content-Length header {length!r} is not a number of bytes" in json.loads(body)["message"]
    assert headers["connection"] == "close"
    _assert_still_serving(emulator)


def test_two_different_content_lengths_get_400(emulator: Emulator) -> None:
    """Conflicting Content-Length headers (a request-smuggling shape) are refused."""
    with _connection(emulator) as sock:
        sock.sendall(_put("2", b"{}", extra="Content-Length: 3\r\n"))
        status, headers, body = _read_response(sock)
    assert (status, headers["x-amzn-errortype"]) == (400, "BadRequestException")
    assert "2 different Content-Length headers" in json.loads(body)["message"]
    _assert_still_serving(emulator)


def test_a_chunked_body_gets_411(emulator: Emulator) -> None:
    """A body sent with Transfer-Encoding is refused, not left unread to be parsed as the next request."""
    request = (
        f"PUT /policy/generation HTTP/1.1\r\nHost: x\r\nAuthorization: {FAKE_AUTHORIZATION}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    ).encode()
    with _connection(emulator) as sock:
        sock.sendall(request)
        status, headers, _ = _read_response(sock)
    assert (status, headers["x-amzn-errortype"]) == (411, "LengthRequiredException")
    _assert_still_serving(emulator)


def test_a_body_cut_short_gets_400(emulator: Emulator) -> None:
    """A client that announces 100 bytes, sends 10 and closes its side gets 400 naming both numbers."""
    with _connection(emulator) as sock:
        sock.sendall(_put("100", b"0123456789"))
        sock.shutdown(socket.SHUT_WR)
        status, headers, body = _read_response(sock)
    assert (status, headers["x-amzn-errortype"]) == (400, "BadRequestException")
    assert "ended after 10 of the 100 bytes" in json.loads(body)["message"]
    _assert_still_serving(emulator)


def test_a_body_that_never_arrives_times_out_and_frees_its_handler(
    emulator_factory: Callable[..., Emulator],
) -> None:
    """100 MB announced, 10 bytes sent: 408 after the socket timeout; others are served meanwhile."""
    emu = emulator_factory(socket_timeout=0.5, max_body_bytes=200 * 1024 * 1024)
    with _connection(emu) as stalled:
        stalled.sendall(_put(str(100 * 1024 * 1024), b"0123456789"))
        _assert_still_serving(emu)  # while the stalled request holds its handler
        status, headers, body = _read_response(stalled)
    assert (status, headers["x-amzn-errortype"]) == (408, "RequestTimeoutException")
    assert "did not arrive within 0.5 s" in json.loads(body)["message"]
    _wait_for_idle(emu)
    _assert_still_serving(emu)


def test_an_idle_keep_alive_connection_is_closed_after_the_socket_timeout(
    emulator_factory: Callable[..., Emulator],
) -> None:
    """A connection that sends nothing is closed by the endpoint, so it cannot hold a thread forever."""
    emu = emulator_factory(socket_timeout=0.5)
    with _connection(emu) as idle:
        assert idle.recv(1) == b""  # the endpoint closed it
    _wait_for_idle(emu)


# --- the HTTP layer answers in the service's shape ----------------------------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"BREW /policy/generation HTTP/1.1\r\nHost: x\r\n\r\n", 501, "NotImplementedException"),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414, "RequestURITooLongException"),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n", 431, "RequestHeaderFieldsTooLargeException"),
        (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 120 + b"\r\n", 431, "RequestHeaderFieldsTooLargeException"),
    ],
)
def test_http_errors_come_as_json(emulator: Emulator, request_bytes: bytes, status: int, code: str) -> None:
    """Errors Python's HTTP server detects itself carry x-amzn-ErrorType and a JSON message, not HTML."""
    with _connection(emulator) as sock:
        sock.sendall(request_bytes)
        got, headers, body = _read_response(sock)
    assert (got, headers["x-amzn-errortype"]) == (status, code)
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["message"]
    _assert_still_serving(emulator)


# --- many clients, and clients that go away ---------------------------------------------------------------


def test_200_concurrent_clients_see_no_reset(emulator: Emulator) -> None:
    """200 clients x 10 calls, each on a new connection, all at once: every call gets its correct answer."""
    assert LISTEN_BACKLOG >= 200
    job_id = make_client(emulator.url).start_policy_generation(**start_request())["jobId"]
    clients, calls = 200, 10
    start = threading.Barrier(clients)
    errors: list[BaseException] = []
    answers: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        start.wait()
        for _ in range(calls):
            connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=30)
            try:
                connection.request("GET", f"/policy/generation/{job_id}", headers={"Authorization": FAKE_AUTHORIZATION})
                response = connection.getresponse()
                document = json.loads(response.read())
                with lock:
                    answers.append(f"{response.status} {document['jobDetails']['jobId']}")
            except Exception as exc:  # every failure is collected and reported
                with lock:
                    errors.append(exc)
            finally:
                connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answers == [f"200 {job_id}"] * (clients * calls)
    _wait_for_idle(emulator)


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a killed client or a dropped network does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _until_reset_arrives(server_side: socket.socket) -> None:
    """Wait (bounded) until the endpoint's end of a connection has seen the client's reset.

    Peeking without blocking raises ConnectionResetError once the kernel has processed the reset,
    so the endpoint's next write is sure to fail, however loaded the machine is.
    """
    pause = threading.Event()
    for _ in range(200):
        try:
            server_side.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            pause.wait(0.05)
        except ConnectionResetError:
            return
        else:
            pause.wait(0.05)
    raise AssertionError("the reset did not reach the endpoint's socket")


def test_a_client_that_resets_before_it_is_answered_leaves_no_traceback(
    emulator: Emulator, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A reset while the answer is being prepared (a broken pipe when it is written) is logged at debug only."""
    received, proceed = threading.Event(), threading.Event()
    responses = emulator._server.responses  # type: ignore[union-attr]
    dispatch = responses.dispatch

    def held_dispatch(request: Any) -> Any:
        received.set()
        proceed.wait(10)
        return dispatch(request)

    responses.dispatch = held_dispatch  # type: ignore[method-assign]
    caplog.set_level(logging.DEBUG, logger="policygen.emulator")
    sock = socket.create_connection((emulator.host, emulator.port), timeout=10)
    sock.sendall(LIST)
    assert received.wait(10)
    (server_side,) = list(emulator._server._connections)  # type: ignore[union-attr]
    _reset(sock)
    _until_reset_arrives(server_side)
    proceed.set()
    _wait_for_idle(emulator)
    responses.dispatch = dispatch  # type: ignore[method-assign]
    assert "Traceback" not in capfd.readouterr().err
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any("went away" in r.getMessage() for r in caplog.records)
    _assert_still_serving(emulator)


def test_clients_that_reset_mid_request_leave_no_traceback(
    emulator: Emulator, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Resets before the request line, after part of it, and during a body: nothing above debug is logged."""
    caplog.set_level(logging.DEBUG, logger="policygen.emulator")
    for partial in (b"", b"GET /policy/gen", LIST[:-2], _put("100", b"{")):
        sock = socket.create_connection((emulator.host, emulator.port), timeout=10)
        if partial:
            sock.sendall(partial)
        _reset(sock)
    _wait_for_idle(emulator)
    assert "Traceback" not in capfd.readouterr().err
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    _assert_still_serving(emulator)
