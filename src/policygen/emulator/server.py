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
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from urllib.parse import parse_qs, urlsplit

from policygen.emulator.cloudtrail import Limits
from policygen.emulator.exceptions import InternalServerException
from policygen.emulator.faults import FAULT_KINDS, FAULT_PHASES, Fault, FaultInjector, FaultPlan
from policygen.emulator.models import (
    DEFAULT_CONCURRENCY,
    DEFAULT_DAILY_QUOTA,
    Clock,
    PolicyGenerationBackend,
    World,
    utc_now,
)
from policygen.emulator.responses import PolicyGenerationResponses, Request, Response, error_response
from policygen.emulator.samplelogs import write_sample_logs
from policygen.emulator.urls import operation_of

log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    """Reads one HTTP request, hands it to the responses layer, writes the answer."""

    # Keep-alive, as AWS endpoints do: botocore reuses its pooled connections.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the client's delayed ACK then
    # holds every answer back ~40 ms (measured in bench/: 44 ms per GetGeneratedPolicy, 2.7 ms without).
    disable_nagle_algorithm = True
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
        fault = self.server.faults.draw(operation_of(request.method, request.path))
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

    def _fail(self, fault: Fault) -> None:
        """Answer with the fault's error, or close the connection without a word."""
        error = fault.error()
        if error is None:
            self.close_connection = True
            return
        self._send(error_response(error))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("x-amzn-RequestId", self.server.request_id())
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = _handle

    def log_message(self, format: str, *args: object) -> None:
        """Route the access log to ``logging`` instead of stderr."""
        log.debug("%s - " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    """The HTTP server, holding the responses layer the handlers call."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], responses: PolicyGenerationResponses, faults: FaultInjector
    ) -> None:
        super().__init__(address, _Handler)
        self.responses = responses
        self.faults = faults
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
        cloudtrail_dir: A folder of CloudTrail logs in the S3 delivery layout to generate policies
            from; default: none, so every job SUCCEEDS with no activity and no policy.
        world: The access roles and trails that exist; default: everything exists.
        faults: Faults and latency to inject; default: none. Change later with ``emu.faults.configure``.
        limits: CloudTrail data a generation may read; default: AWS's 100,000 files and 25 GB.
        clock: Where the time comes from (UTC, timezone-aware); tests may pass a fake one.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        job_seconds: float = 0.0,
        *,
        daily_quota: int = DEFAULT_DAILY_QUOTA,
        concurrency: int = DEFAULT_CONCURRENCY,
        cloudtrail_dir: Path | str | None = None,
        world: World | None = None,
        faults: FaultPlan | None = None,
        limits: Limits | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.host = host
        self.port = port
        self.backend = PolicyGenerationBackend(
            job_seconds=job_seconds,
            daily_quota=daily_quota,
            concurrency=concurrency,
            clock=clock,
            world=world,
            cloudtrail_dir=Path(cloudtrail_dir) if cloudtrail_dir is not None else None,
            limits=limits,
        )
        self.faults = FaultInjector(faults)
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
        self._server = _Server((self.host, self.port), PolicyGenerationResponses(self.backend), self.faults)
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


def _names(allowed: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    """An argparse type for a comma-separated subset of ``allowed``."""

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(name.strip() for name in text.split(",") if name.strip())
        unknown = sorted(set(names) - set(allowed))
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated list of {', '.join(allowed)}; got {text!r}"
            )
        return names

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``policygen emulator``."""
    parser = argparse.ArgumentParser(
        prog="policygen emulator",
        description="Serve the IAM Access Analyzer policy-generation API on loopback, "
        "for tests and offline use. Prints 'listening on URL' first; stops on SIGINT or SIGTERM.",
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
    logs = parser.add_argument_group("CloudTrail data")
    logs.add_argument(
        "--cloudtrail",
        type=Path,
        metavar="DIR",
        help="folder of CloudTrail logs (AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json[.gz]) "
        "to generate policies from; default: none (jobs succeed with no policy)",
    )
    logs.add_argument(
        "--sample-principal",
        action="append",
        default=[],
        metavar="ARN",
        help="before serving, write synthetic logs of this role or user into --cloudtrail DIR (repeatable)",
    )
    logs.add_argument("--sample-days", type=int, default=7, help="days of synthetic logs (default: 7)")
    logs.add_argument(
        "--sample-regions",
        default="us-east-1",
        help="comma-separated regions of synthetic logs (default: %(default)s)",
    )
    logs.add_argument(
        "--world",
        type=Path,
        metavar="FILE",
        help='JSON {"accessRoles": [...], "trails": [...]}: jobs naming others FAIL (default: all exist)',
    )
    faults = parser.add_argument_group("fault injection")
    faults.add_argument(
        "--fault-rate", type=float, default=0.0, metavar="F", help="fraction of requests that fail (0-1)"
    )
    faults.add_argument(
        "--fault-kinds",
        type=_names(FAULT_KINDS),
        default=FAULT_KINDS,
        help=f"comma-separated kinds to inject (default: {','.join(FAULT_KINDS)})",
    )
    faults.add_argument(
        "--fault-phases",
        type=_names(FAULT_PHASES),
        default=FAULT_PHASES,
        help="before (request not processed) and/or after (processed, response lost) (default: both)",
    )
    faults.add_argument("--latency", type=float, default=0.0, metavar="S", help="seconds added per response")
    faults.add_argument("--seed", type=int, default=0, help="seed of the fault draws (default: 0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the endpoint until SIGINT or SIGTERM; print ``listening on URL`` first. Returns 0 (2 on bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.sample_principal and args.cloudtrail is None:
        parser.error("--sample-principal needs --cloudtrail DIR to write the logs into")
    try:
        plan = FaultPlan(args.fault_rate, args.fault_kinds, args.fault_phases, args.latency, args.seed)
        world = World.from_file(args.world) if args.world else None
    except (ValueError, OSError) as exc:
        parser.error(str(exc))
    for arn in args.sample_principal:
        write_sample_logs(
            args.cloudtrail,
            principal_arns=[arn],
            account_id=arn.split(":")[4],
            regions=[region.strip() for region in args.sample_regions.split(",") if region.strip()],
            days=args.sample_days,
        )
    emulator = Emulator(
        args.host,
        args.port,
        args.job_seconds,
        daily_quota=args.daily_quota,
        concurrency=args.concurrency,
        cloudtrail_dir=args.cloudtrail,
        world=world,
        faults=plan,
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
