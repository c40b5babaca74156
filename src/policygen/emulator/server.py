"""The threaded HTTP server: :class:`Emulator` for tests and scripts, :func:`main` for the shell.

``Emulator`` runs a ``ThreadingHTTPServer`` in a daemon thread; ``start()`` returns once the socket
listens, ``stop()`` shuts it down and joins the thread. Port 0 asks the kernel for a free port, so
parallel tests never clash.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from urllib.parse import parse_qs, urlsplit

from policygen.emulator.exceptions import InternalServerException
from policygen.emulator.models import DEFAULT_CONCURRENCY, DEFAULT_DAILY_QUOTA, PolicyGenerationBackend
from policygen.emulator.responses import PolicyGenerationResponses, Request, Response, error_response

log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    """Reads one HTTP request, hands it to the responses layer, writes the answer."""

    # Keep-alive, as AWS endpoints do: botocore reuses its pooled connections.
    protocol_version = "HTTP/1.1"
    server: _Server

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        try:
            response = self.server.responses.dispatch(request)
        except Exception:
            # A bug must look like a service failure to the client, never like a stack trace.
            log.exception("unexpected error answering %s %s", self.command, self.path)
            response = error_response(InternalServerException())
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("x-amzn-RequestId", self.server.request_id())
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _handle

    def log_message(self, format: str, *args: object) -> None:
        """Route the access log to ``logging`` instead of stderr."""
        log.debug("%s - " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    """The HTTP server, holding the responses layer the handlers call."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], responses: PolicyGenerationResponses) -> None:
        super().__init__(address, _Handler)
        self.responses = responses
        self._counter = 0
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()

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
    """The embedded Access Analyzer endpoint, running in a thread of this process.

    Args:
        host: The address to bind; loopback by default, so nothing outside the machine reaches it.
        port: The port to bind; 0 (the default) picks a free one, read it back from :attr:`url`.
        job_seconds: How long a job stays IN_PROGRESS before it SUCCEEDED or FAILED.
        daily_quota: Policy generations that may be started per day (the service allows 50).
        concurrency: Policy generations that may be in progress at a time (the service allows 1).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        job_seconds: float = 0.0,
        *,
        daily_quota: int = DEFAULT_DAILY_QUOTA,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.host = host
        self.port = port
        self.backend = PolicyGenerationBackend(
            job_seconds=job_seconds, daily_quota=daily_quota, concurrency=concurrency
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        """The endpoint URL, ``http://HOST:PORT``, with the bound port once started."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Emulator:
        """Bind the socket and serve in a daemon thread; return once it listens."""
        if self._server is not None:
            raise RuntimeError("The emulator is already running; call stop() before starting it again.")
        self._server = _Server((self.host, self.port), PolicyGenerationResponses(self.backend))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._serve, name=f"emulator:{self.port}", daemon=True)
        self._thread.start()
        self._ready.wait()
        return self

    def _serve(self) -> None:
        assert self._server is not None
        self._ready.set()
        self._server.serve_forever(poll_interval=0.05)

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

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``policygen emulator``."""
    parser = argparse.ArgumentParser(
        prog="policygen emulator",
        description="Serve the IAM Access Analyzer policy-generation API on loopback, for tests and offline use.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default: 0)")
    parser.add_argument(
        "--job-seconds",
        type=float,
        default=0.0,
        help="seconds a job stays IN_PROGRESS before it completes (default: %(default)s)",
    )
    parser.add_argument(
        "--daily-quota",
        type=int,
        default=DEFAULT_DAILY_QUOTA,
        help="policy generations per day, cancelled ones counted (default: %(default)s, as AWS)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help="policy generations in progress at a time (default: %(default)s, as AWS)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the endpoint until SIGINT or SIGTERM; print ``listening on URL`` first. Returns 0."""
    args = build_parser().parse_args(argv)
    emulator = Emulator(
        args.host,
        args.port,
        args.job_seconds,
        daily_quota=args.daily_quota,
        concurrency=args.concurrency,
    )
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        emulator.start()
        print(f"listening on {emulator.url}", flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
