"""The threaded HTTP server: :class:`Emulator`, for tests, scripts and ``policygen emulator``.

``Emulator`` runs a ``ThreadingHTTPServer`` in a daemon thread; ``start()`` returns once the socket
listens, ``stop()`` shuts it down and joins the thread. Port 0 asks the kernel for a free port, so
parallel tests never clash.

The endpoint accepts any signature and serves policies derived from the CloudTrail logs it is
given, so it is private by default and bounded against careless or hostile clients:

* It listens on loopback only (``127.0.0.1``, ``::1``, ``localhost``); any other address needs
  ``allow_remote=True`` (``--allow-remote``, which also prints a warning).
* A body over :data:`MAX_BODY_BYTES` is answered 413 from its ``Content-Length``, before a byte of
  it is read; a ``Content-Length`` that is not a number is answered 400, a chunked body 411 (see
  :mod:`policygen.emulator.framing`).
* Every connection has a socket timeout (:data:`DEFAULT_SOCKET_TIMEOUT`): a body that never
  arrives is answered 408 and its handler freed, and an idle keep-alive connection is closed.
* Each connection has its own thread and the listen backlog is :data:`LISTEN_BACKLOG`, so a burst
  of clients queues instead of being reset.
* A client that goes away mid-request (a broken pipe, a reset) is noted in the debug log only.

All of these errors come in the service's REST-JSON error shape (an ``x-amzn-ErrorType`` header
and a ``{"message": ...}`` body), and the connection is closed after them. The command line of
``policygen emulator`` is :mod:`policygen.emulator.cli`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import math
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TextIO
from urllib.parse import parse_qs, urlsplit

from policygen.emulator import framing
from policygen.emulator.cloudtrail import Limits
from policygen.emulator.exceptions import AccessAnalyzerError, BadRequestException, InternalServerException
from policygen.emulator.faults import Fault, FaultInjector, FaultPlan
from policygen.emulator.framing import DEFAULT_SOCKET_TIMEOUT, MAX_BODY_BYTES
from policygen.emulator.front import FrontDoor
from policygen.emulator.models import DEFAULT_CONCURRENCY, Clock, PolicyGenerationBackend, utc_now
from policygen.emulator.requestlog import RequestLog, RequestRecord
from policygen.emulator.responses import Request, Response, error_response, protocol_error_response
from policygen.emulator.sessions import SessionStore
from policygen.emulator.state import SESSIONS_FILE, StateFolder, job_record, read_jobs, read_sessions
from policygen.emulator.world import World
from policygen.errors import EndpointStateError, InvalidArgumentError

log = logging.getLogger(__name__)

#: Connections the kernel queues before they are accepted (it caps this at ``net.core.somaxconn``).
#: The socketserver default of 5 reset connections when 200 clients called at once.
LISTEN_BACKLOG = max(socket.SOMAXCONN, 1024)
#: Loopback host names accepted besides loopback IP addresses.
LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    """True when ``host`` is ``localhost`` or a loopback address (127.0.0.0/8, ::1, ::ffff:127.x).

    Other host names are not resolved (that could ask a DNS server), so they count as remote.
    """
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _check_options(host: str, port: int, allow_remote: bool, socket_timeout: float | None, max_body_bytes: int) -> None:
    """Raise ValueError, with the fix, for the options :class:`Emulator` cannot serve safely with."""
    if not host:
        raise InvalidArgumentError(
            "The emulator's host is empty, which binds every network interface; use 127.0.0.1 or ::1, "
            "or name the interface and pass allow_remote=True."
        )
    if not is_loopback(host) and not allow_remote:
        raise InvalidArgumentError(
            f"The emulator would listen on {host}, which is not a loopback address: other machines could "
            "reach it, and it accepts any signature and serves the policies it derives from CloudTrail "
            "logs. Listen on 127.0.0.1 or ::1, or pass allow_remote=True (--allow-remote) to expose it "
            "on purpose."
        )
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise InvalidArgumentError(
            f"The emulator's port must be a whole number from 0 to 65535 (0: a free one); got {port!r}."
        )
    if socket_timeout is not None and not (math.isfinite(socket_timeout) and socket_timeout > 0):
        raise InvalidArgumentError(
            f"The socket timeout must be a number of seconds above 0, or None for no limit; got {socket_timeout!r}."
        )
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 0:
        raise InvalidArgumentError(
            f"The body limit must be a whole number of bytes, 0 or more; got {max_body_bytes!r}."
        )


class _Handler(BaseHTTPRequestHandler):
    """Reads one HTTP request, hands it to the responses layer, writes the answer."""

    # Keep-alive, as AWS endpoints do: botocore reuses its pooled connections.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the client's delayed ACK then
    # holds every answer back ~40 ms (measured in bench/: 44 ms per GetGeneratedPolicy, 2.7 ms without).
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        """Apply the server's socket timeout to this connection, before anything is read from it."""
        super().setup()
        self.connection.settimeout(self.server.socket_timeout)
        # Set when a body is refused unread, so that finish() drains it before the socket closes.
        self._linger = False

    def handle_one_request(self) -> None:
        """Read and answer one request of the connection, starting its request-log fields afresh."""
        # What the request log tells of this request: when it began (its request line read), the
        # request once parsed, and the operation it is for.
        self._started: float | None = None
        self._parsed = False  # this request's headers were read (self.headers may be the last one's)
        self._request: Request | None = None
        self._operation: str | None = None
        super().handle_one_request()

    def parse_request(self) -> bool:
        """Note when the request began (its request line has arrived), then parse it."""
        self._started = time.perf_counter()
        self._parsed = super().parse_request()
        return self._parsed

    def _record(self, status: int | None) -> None:
        """Count the request, and log it when the endpoint logs requests (``--log-requests``)."""
        now = time.perf_counter()
        request = self._request
        if request is None and self._parsed:
            # Refused before it was read whole (413, 408...): its signature still tells who sent it.
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = Request(method=self.command or "-", path="", query={}, headers=headers)
        account, region = self.server.responses.caller_of(request) if request is not None else (None, None)
        self.server.requests.record(
            RequestRecord(
                method=getattr(self, "command", None) or "-",
                operation=self._operation,
                account=account,
                region=region,
                status=status,
                milliseconds=1000 * (now - (self._started if self._started is not None else now)),
            )
        )

    def _handle(self) -> None:
        try:
            url = urlsplit(self.path)
            body = self._read_body()
        except AccessAnalyzerError as error:
            self._refuse(error)
            return
        except ValueError:
            # urlsplit refuses an unclosed "[" after "//"; http.server collapses a leading "//" since
            # Python 3.11.4, but not in earlier 3.11 releases.
            self._refuse(BadRequestException(f"The request path {self.path[:100]!r} cannot be parsed as a URL path."))
            return
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            raw_query=url.query,
        )
        self._request = request
        self._operation = self.server.responses.operation_of(request)
        fault = self.server.faults.draw(self._operation)
        if self.server.faults.plan.latency:
            time.sleep(self.server.faults.plan.latency)
        if fault is not None and fault.phase == "before":
            self._fail(fault)
            return
        try:
            response = self.server.responses.dispatch(request)
        except Exception:
            # A bug must look like a service failure to the client, never like a stack trace.
            log.exception("unexpected error answering %s %s", self.command, self.path)
            response = error_response(InternalServerException())
        if fault is not None:
            self._fail(fault)
            return
        self._send(response)

    def _content_length(self) -> int:
        """The announced body length; raises the HTTP-layer error for a framing the endpoint refuses."""
        return framing.content_length(self.headers, self.server.max_body_bytes)

    def _read_body(self) -> bytes:
        """The request body, read only once its Content-Length has been accepted."""
        length = self._content_length()
        return framing.read_body(self.rfile, length, self.server.socket_timeout)

    def handle_expect_100(self) -> bool:
        """Refuse an oversized or malformed body before the client sends it (``Expect: 100-continue``)."""
        try:
            self._content_length()
        except AccessAnalyzerError as error:
            self._refuse(error)
            return False
        return super().handle_expect_100()

    def _refuse(self, error: AccessAnalyzerError) -> None:
        """Answer an HTTP-layer error and close: the bytes after a refused request cannot be trusted."""
        self.close_connection = True
        self._linger = True
        log.debug("refused %s %s: %s", self.command, self.path, error.message)
        response = error_response(error)
        response.headers["Connection"] = "close"
        self._send(response)

    def _fail(self, fault: Fault) -> None:
        """Answer with the fault's error, or close the connection without a word."""
        error = fault.error()
        if error is None:
            self.close_connection = True
            self._record(None)
            return
        self._send(error_response(error))

    def _send(self, response: Response) -> None:
        """Write the response; a client that has gone away ends the connection quietly.

        The request is logged first, so that a client that has its answer finds it in the log.
        """
        self._record(response.status)
        try:
            self.send_response(response.status)
            self.send_header("x-amzn-RequestId", self.server.request_id())
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except framing.CLIENT_GONE as exc:
            log.debug("client %s went away before its answer was written: %r", self.address_string(), exc)
            self.close_connection = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The errors Python's HTTP server detects itself (414, 431, 501...), in the service's JSON shape."""
        short, long = self.responses.get(code, ("Error", ""))
        self.log_error("code %d, message %s", code, message)
        self.close_connection = True
        self._linger = True  # what is left of an overlong line or header is still unread
        text = f"{message or short}. {explain or long}".strip(". ") + "."
        response = protocol_error_response(code, framing.error_code(code), text)
        response.headers["Connection"] = "close"
        self._send(response)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _handle

    def finish(self) -> None:
        """Flush the answer; after a refused body, drain a little of it so the client can read the answer."""
        with contextlib.suppress(*framing.CLIENT_GONE):
            super().finish()
        if self._linger:
            framing.drain(self.connection)

    def log_message(self, format: str, *args: object) -> None:
        """Route the access log to ``logging`` instead of stderr."""
        log.debug("%s - " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    """The HTTP server, holding the responses layer the handlers call.

    One thread per connection (``ThreadingHTTPServer``), daemonic so that a stuck client never
    holds the process; ``request_queue_size`` is the listen backlog.
    """

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self,
        address: tuple[str, int],
        responses: FrontDoor,
        faults: FaultInjector,
        *,
        requests: RequestLog | None = None,
        socket_timeout: float | None = DEFAULT_SOCKET_TIMEOUT,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        # TCPServer.__init__ creates the socket of self.address_family: IPv6 for "::1" and friends.
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket_timeout = socket_timeout
        self.max_body_bytes = max_body_bytes
        super().__init__(address, _Handler)
        self.responses = responses
        self.faults = faults
        self.requests = requests or RequestLog()
        self._counter = 0
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()

    def server_bind(self) -> None:
        """Bind without HTTPServer's ``socket.getfqdn``, a reverse DNS lookup the endpoint does not need."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        """Remember the connection, so that :meth:`close_connections` can end idle keep-alives."""
        if isinstance(request, socket.socket):
            with self._lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket | tuple[bytes, socket.socket]) -> None:
        """Forget the connection as it closes."""
        if isinstance(request, socket.socket):
            with self._lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        """A client that went away is not an error of the endpoint; anything else is logged once."""
        error = sys.exc_info()[1]
        if isinstance(error, framing.CLIENT_GONE):
            log.debug("client %s went away: %r", client_address, error)
            return
        log.error("unexpected error serving %s", client_address, exc_info=True)

    def open_connections(self) -> int:
        """How many client connections are open (each one holds a handler thread)."""
        with self._lock:
            return len(self._connections)

    def close_connections(self) -> None:
        """End every open connection: a stopped endpoint must not answer on a kept-alive socket."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def request_id(self) -> str:
        """A request id in the service's UUID shape, unique per response."""
        with self._lock:
            self._counter += 1
            return f"00000000-0000-4000-8000-{self._counter:012d}"


class Emulator:
    """The embedded Access Analyzer endpoint, and enough STS (:mod:`~policygen.emulator.sts`), in a thread.

    Args:
        host: The address to bind; loopback by default (``127.0.0.1``; ``::1`` and ``localhost``
            work too). Any other address raises ValueError unless ``allow_remote`` is True, because
            the endpoint accepts any signature and serves policies derived from CloudTrail logs.
        port: The port to bind; 0 (the default) picks a free one, read it back from :attr:`url`.
        job_seconds: How long a job stays IN_PROGRESS before it SUCCEEDED or FAILED.
        daily_quota: Policy generations that may be started per day in each account and Region;
            default: AWS's, 50, or 5 in af-south-1, ap-east-1, ap-southeast-3, eu-south-1 and
            me-south-1. A number applies in every Region.
        concurrency: Policy generations that may be in progress at a time in each account and
            Region (the service allows 1).
        cloudtrail_dir: A folder of CloudTrail logs in the S3 delivery layout to generate policies
            from; default: none, so every job SUCCEEDS with no activity and no policy.
        world: The access roles, trails, accounts and assumable roles; default: everything exists.
        faults: Faults and latency to inject; default: none. Change later with ``emu.faults.configure``.
        limits: CloudTrail data a generation may read; default: AWS's 100,000 files and 25 GB.
        clock: Where the time comes from (UTC, timezone-aware); tests may pass a fake one.
        allow_remote: Allow a ``host`` other than loopback (the caller should warn its user).
        socket_timeout: Seconds a connection may stay silent before it is closed (a body that
            does not arrive is answered 408); None: no limit.
        max_body_bytes: Largest request body read; larger ones are answered 413 unread.
        request_log: A stream to write one line per request to (``--log-requests``: stderr);
            default: none. Requests are counted either way, in :attr:`requests`.
        state_dir: A folder to keep the jobs in (``--state-dir``), so that they survive a restart:
            :meth:`start` reads them back (and locks the folder against other endpoints, raising
            :class:`~policygen.errors.StateFolderLockedError`), every start or cancel writes them
            before it is answered (and STS sessions, when issued), :meth:`stop` releases the folder.
            Default: none, jobs and sessions live in memory only. See :mod:`policygen.emulator.state`.

    :meth:`restart` stops the endpoint and starts it again on the same port, reading its jobs back
    from ``state_dir``: a client polling meanwhile sees connections refused for a moment, which
    botocore's retries ride out.

    The service's state is partitioned by account and Region (see :mod:`policygen.emulator.models`):
    ``emu.backend.jobs()`` lists every partition's jobs, ``emu.backend.jobs(region="eu-west-1")``
    one Region's.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        job_seconds: float = 0.0,
        *,
        daily_quota: int | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        cloudtrail_dir: Path | str | None = None,
        world: World | None = None,
        faults: FaultPlan | None = None,
        limits: Limits | None = None,
        clock: Clock = utc_now,
        allow_remote: bool = False,
        socket_timeout: float | None = DEFAULT_SOCKET_TIMEOUT,
        max_body_bytes: int = MAX_BODY_BYTES,
        request_log: TextIO | None = None,
        state_dir: Path | str | None = None,
    ) -> None:
        _check_options(host, port, allow_remote, socket_timeout, max_body_bytes)
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._state: StateFolder | None = None
        self.host = host
        self.port = port
        self.socket_timeout = socket_timeout
        self.max_body_bytes = max_body_bytes
        self.backend = PolicyGenerationBackend(
            job_seconds=job_seconds,
            daily_quota=daily_quota,
            concurrency=concurrency,
            clock=clock,
            world=world,
            cloudtrail_dir=Path(cloudtrail_dir) if cloudtrail_dir is not None else None,
            limits=limits,
        )
        #: The temporary credentials STS issued (:mod:`policygen.emulator.sessions`).
        self.sessions = SessionStore()
        self.faults = FaultInjector(faults)
        #: Every request answered, counted by operation (and logged, with ``request_log``).
        self.requests = RequestLog(request_log)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        """The endpoint URL, ``http://HOST:PORT`` (``http://[::1]:PORT`` for IPv6), with the bound port once started."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Emulator:
        """Bind the socket and serve in a daemon thread; return once it listens.

        Raises OSError when the address cannot be bound (the port is taken, IPv6 is off).
        """
        if self._server is not None:
            raise EndpointStateError("The emulator is already running; call stop() before starting it again.")
        if self.state_dir is not None:
            self._open_state(self.state_dir)
        try:
            self._server = self._bind()
        except BaseException:
            self._close_state()
            raise
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._serve, name=f"emulator:{self.port}", daemon=True)
        self._thread.start()
        self._ready.wait()
        return self

    def restart(self) -> Emulator:
        """Stop, then start again on the same port, with the jobs of ``state_dir`` (none without one)."""
        self.stop()
        return self.start()

    def _open_state(self, path: Path) -> None:
        """Lock the state folder and load its jobs and sessions, which are saved there after every change."""
        state = StateFolder(path)
        try:
            jobs, sessions = read_jobs(state, self.backend.clock), read_sessions(state)
        except BaseException:
            state.close()
            raise
        self._state = state
        self.backend.restore(jobs, lambda all_jobs: state.save([job_record(job) for job in all_jobs]))
        self.sessions.restore(sessions, lambda all: state.save([s.record() for s in all], SESSIONS_FILE, "sessions"))

    def _close_state(self) -> None:
        if self._state is not None:
            self.backend.stop_saving()
            self.sessions.stop_saving()
            self._state.close()
            self._state = None

    def _bind(self) -> _Server:
        return _Server(
            (self.host, self.port),
            FrontDoor(self.backend, self.sessions),
            self.faults,
            requests=self.requests,
            socket_timeout=self.socket_timeout,
            max_body_bytes=self.max_body_bytes,
        )

    def _serve(self) -> None:
        assert self._server is not None
        self._ready.set()
        self._server.serve_forever(poll_interval=0.05)

    def open_connections(self) -> int:
        """How many client connections are open now (0 when stopped); each holds a handler thread."""
        return self._server.open_connections() if self._server is not None else 0

    def stop(self) -> None:
        """Stop serving, close the socket and join the thread; safe to call twice."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None
        self._ready.clear()
        self._close_state()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
