"""The command line of ``policygen emulator``: its flags, their checks, and :func:`main`.

Every value is checked by its argparse type, so that a bad one stops with argparse's usage message
and exit status 2, before anything is written or bound. :func:`main` then runs an :class:`Emulator`
until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import re
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from policygen.emulator.faults import FAULT_KINDS, FAULT_PHASES, FaultPlan
from policygen.emulator.framing import DEFAULT_SOCKET_TIMEOUT
from policygen.emulator.models import (
    DEFAULT_CONCURRENCY,
    DEFAULT_DAILY_QUOTA,
    LOW_DAILY_QUOTA,
    LOW_DAILY_QUOTA_REGIONS,
    MAX_JOB_SECONDS,
    REGION_PATTERN,
)
from policygen.emulator.samplelogs import write_sample_logs
from policygen.emulator.server import Emulator, is_loopback
from policygen.emulator.validation import service_model
from policygen.emulator.world import World
from policygen.errors import StateFolderError

#: The longest latency ``--latency`` may add to a response (botocore gives up after 60 s).
MAX_LATENCY_SECONDS = 60.0
#: Synthetic logs cover at most the longest window a generation may analyse.
MAX_SAMPLE_DAYS = 90
#: A host name (RFC 1123 labels), for --host values that are not IP addresses.
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")


def _names(allowed: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    """An argparse type for a comma-separated subset of ``allowed``."""

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(name.strip() for name in text.split(",") if name.strip())
        unknown = sorted(set(names) - set(allowed))
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(allowed)}; got {text!r}")
        return names

    return parse


def _whole(minimum: int, maximum: int | None = None, what: str = "a whole number") -> Callable[[str], int]:
    """An argparse type for a whole number from ``minimum`` (to ``maximum``)."""
    bounds = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {what} {bounds}; got {text!r}")
        return value

    return parse


def _number(minimum: float, maximum: float, what: str, *, above: bool = False) -> Callable[[str], float]:
    """An argparse type for a finite number from ``minimum`` (excluded when ``above``) to ``maximum``."""
    low = f"above {minimum:g}" if above else f"from {minimum:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and (value > minimum if above else value >= minimum) and value <= maximum):
            raise argparse.ArgumentTypeError(f"expected {what} {low} to {maximum:g}; got {text!r}")
        return value

    return parse


def _host(text: str) -> str:
    """An argparse type for --host: an IP address or a host name (loopback is checked in main)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        if not _HOST_NAME.fullmatch(text):
            raise argparse.ArgumentTypeError(
                f"expected an IP address (127.0.0.1, ::1) or a host name; got {text!r}"
            ) from None
    return text


def _principal_arn(text: str) -> str:
    """An argparse type for --sample-principal: a role or user ARN the service would accept."""
    pattern = service_model().shape_for("PrincipalArn").metadata["pattern"]
    parts = text.split(":")
    # The account becomes a folder name of the logs (AWSLogs/<account>/...), so it must be an id.
    if not re.fullmatch(pattern, text) or not re.fullmatch(r"[0-9]{12}", parts[4]):
        raise argparse.ArgumentTypeError(
            "expected the ARN of an IAM role or user, arn:aws:iam::<12-digit account>:role/NAME or "
            f":user/NAME; got {text[:200]!r}"
        )
    return text


def _regions(text: str) -> tuple[str, ...]:
    """An argparse type for --sample-regions: comma-separated Region names (they become folder names)."""
    regions = tuple(region.strip() for region in text.split(",") if region.strip())
    bad = [region for region in regions if not REGION_PATTERN.fullmatch(region)]
    if bad or not regions:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated Region names such as us-east-1,eu-west-1; got {text[:200]!r}"
        )
    return regions


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``policygen emulator``."""
    parser = argparse.ArgumentParser(
        prog="policygen emulator",
        description="Serve the IAM Access Analyzer policy-generation API, and STS's AssumeRole, "
        "AssumeRoleWithWebIdentity and GetCallerIdentity, on loopback, for tests and offline use. Prints "
        "'listening on URL' first; stops on SIGINT or SIGTERM.",
    )
    parser.add_argument(
        "--host",
        type=_host,
        default="127.0.0.1",
        help="address to bind: 127.0.0.1, ::1 or localhost (default: %(default)s); others need --allow-remote",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other machines can reach (0.0.0.0, a LAN address); prints a warning, since "
        "the endpoint accepts any signature",
    )
    parser.add_argument(
        "--port",
        type=_whole(0, 65535, "a port"),
        default=0,
        help="port to bind; 0 picks a free one (default: 0)",
    )
    parser.add_argument(
        "--job-seconds",
        type=_number(0, MAX_JOB_SECONDS, "seconds"),
        default=0.0,
        help="seconds a job stays IN_PROGRESS before it completes, up to 7 days (default: %(default)s)",
    )
    parser.add_argument(
        "--daily-quota",
        type=_whole(0, what="a number of generations"),
        default=None,
        help="policy generations per day in each account and Region, cancelled ones counted; a number sets it for "
        f"every Region (default: AWS's, {DEFAULT_DAILY_QUOTA}, or {LOW_DAILY_QUOTA} in "
        f"{', '.join(sorted(LOW_DAILY_QUOTA_REGIONS))})",
    )
    parser.add_argument(
        "--concurrency",
        type=_whole(1, what="a number of generations"),
        default=DEFAULT_CONCURRENCY,
        help="policy generations in progress at a time in each account and Region, 1 or more "
        "(default: %(default)s, as AWS)",
    )
    parser.add_argument(
        "--log-requests",
        action="store_true",
        help="print one line per request on stderr: method, operation, account, Region, status, milliseconds",
    )
    parser.add_argument(
        "--socket-timeout",
        type=_number(0, 3600, "seconds", above=True),
        default=DEFAULT_SOCKET_TIMEOUT,
        metavar="SECONDS",
        help="close a connection silent this long, mid-request (answered 408) or idle (default: %(default)g)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="keep the jobs in this folder (created if missing), so that they survive a restart; one endpoint "
        "at a time may use a folder (default: jobs live in memory only)",
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
        type=_principal_arn,
        default=[],
        metavar="ARN",
        help="before serving, write synthetic logs of this role or user into --cloudtrail DIR (repeatable)",
    )
    logs.add_argument(
        "--sample-days",
        type=_whole(1, MAX_SAMPLE_DAYS, "a number of days"),
        default=7,
        help=f"days of synthetic logs, 1 to {MAX_SAMPLE_DAYS} (default: 7)",
    )
    logs.add_argument(
        "--sample-regions",
        type=_regions,
        default=("us-east-1",),
        help="comma-separated regions of synthetic logs (default: us-east-1)",
    )
    logs.add_argument(
        "--world",
        type=Path,
        metavar="FILE",
        help='JSON {"accessRoles": [...], "trails": [...], "deniedAccessKeys": [...], "accounts": {"AKID": '
        '"111122223333"}, "secretAccessKeys": {"AKID": "SECRET"}, "roles": {"ROLE_ARN": {"trustedAccounts": [...], '
        '"externalId": "...", "maxSessionDuration": 3600, "webIdentity": true}}}: jobs naming other roles or trails '
        "FAIL; each access key's jobs are its account's; with secrets, signatures are verified and other keys refused; "
        "STS lets only the roles named be assumed (default: all exist, every key in 123456789012, any signature "
        "accepted, any role assumable)",
    )
    faults = parser.add_argument_group("fault injection")
    faults.add_argument(
        "--fault-rate",
        type=_number(0, 1, "a fraction"),
        default=0.0,
        metavar="F",
        help="fraction of requests that fail (0-1)",
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
    faults.add_argument(
        "--latency",
        type=_number(0, MAX_LATENCY_SECONDS, "seconds"),
        default=0.0,
        metavar="S",
        help=f"seconds added per response, up to {MAX_LATENCY_SECONDS:g}",
    )
    faults.add_argument("--seed", type=int, default=0, help="seed of the fault draws (default: 0)")
    return parser


def _read_world(parser: argparse.ArgumentParser, path: Path) -> World:
    """The --world file, or argparse's error naming the file and what is wrong with it."""
    try:
        return World.from_file(path)
    except OSError as exc:
        parser.error(f"argument --world: cannot read {path}: {exc.strerror or exc}")
    except json.JSONDecodeError as exc:
        parser.error(f"argument --world: {path} is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
    except UnicodeDecodeError:
        parser.error(f"argument --world: {path} is not UTF-8 text; a world file is JSON")
    except ValueError as exc:
        parser.error(f"argument --world: {path}: {exc}")


def main(argv: list[str] | None = None) -> int:
    """Run the endpoint until SIGINT or SIGTERM; print ``listening on URL`` first.

    Returns 0; 1 when the address cannot be bound; exits 2 (argparse) on bad usage.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.sample_principal and args.cloudtrail is None:
        parser.error("--sample-principal needs --cloudtrail DIR to write the logs into")
    if args.cloudtrail is not None and args.cloudtrail.exists() and not args.cloudtrail.is_dir():
        parser.error(f"argument --cloudtrail: {args.cloudtrail} is not a folder; give the folder of the logs")
    if not is_loopback(args.host) and not args.allow_remote:
        parser.error(
            f"argument --host: {args.host} is not a loopback address, so other machines could reach the "
            "endpoint, which accepts any signature; use 127.0.0.1 or ::1, or add --allow-remote to mean it"
        )
    try:
        plan = FaultPlan(args.fault_rate, args.fault_kinds, args.fault_phases, args.latency, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    world = _read_world(parser, args.world) if args.world else None
    for arn in args.sample_principal:
        try:
            write_sample_logs(
                args.cloudtrail,
                principal_arns=[arn],
                account_id=arn.split(":")[4],
                regions=args.sample_regions,
                days=args.sample_days,
            )
        except OSError as exc:
            parser.error(f"argument --cloudtrail: cannot write the sample logs into {args.cloudtrail}: {exc}")
    emulator = Emulator(
        args.host,
        args.port,
        args.job_seconds,
        daily_quota=args.daily_quota,
        concurrency=args.concurrency,
        cloudtrail_dir=args.cloudtrail,
        world=world,
        faults=plan,
        allow_remote=args.allow_remote,
        socket_timeout=args.socket_timeout,
        request_log=sys.stderr if args.log_requests else None,
        state_dir=args.state_dir,
    )
    if not is_loopback(args.host):
        print(
            f"policygen emulator: warning: listening on {args.host}, which other machines can reach: the "
            "endpoint accepts any signature and serves the policies it derives from the CloudTrail logs "
            "to anyone who connects. Use it only on a network you trust, and stop it when done.",
            file=sys.stderr,
            flush=True,
        )
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not _start(emulator):
            return 1
        print(f"listening on {emulator.url}", flush=True)
        _announce(emulator, args)
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _start(emulator: Emulator) -> bool:
    """Start the endpoint; False, with one line on stderr, when its folder or address cannot be used."""
    try:
        emulator.start()
    except StateFolderError as exc:
        print(f"policygen emulator: {exc}", file=sys.stderr)
        return False
    except OSError as exc:
        print(
            f"policygen emulator: cannot listen on {emulator.url}: {exc.strerror or exc}. Choose another "
            "--port (0 picks a free one) or --host.",
            file=sys.stderr,
        )
        return False
    return True


def _announce(emulator: Emulator, args: argparse.Namespace) -> None:
    """Whether signatures are checked, and what the endpoint keeps, on stderr, once it listens."""
    world = emulator.backend.world
    if world.checks_signatures:
        print(
            f"policygen emulator: checking SigV4 signatures: {len(world.secret_access_keys)} access key(s) have "
            "secrets in --world; requests signed with any other key, a wrong secret or a stale date are refused",
            file=sys.stderr,
            flush=True,
        )
    else:
        print(
            "policygen emulator: signatures are not checked: any access key and secret is accepted (name each "
            """key's secret in --world's "secretAccessKeys" to check them)""",
            file=sys.stderr,
            flush=True,
        )
    if world.roles is None:
        print(
            "policygen emulator: STS: any well-formed role ARN may be assumed by any caller, acting in the role's "
            """account (name the roles in --world's "roles" to allow only those)""",
            file=sys.stderr,
            flush=True,
        )
    else:
        print(
            f"policygen emulator: STS: {len(world.roles)} role(s) in --world may be assumed, each by the accounts it "
            "trusts; any other role is refused with AccessDenied",
            file=sys.stderr,
            flush=True,
        )
    if args.state_dir is not None:
        print(
            f"policygen emulator: keeping jobs in {args.state_dir} ({len(emulator.backend.jobs())} restored)",
            file=sys.stderr,
            flush=True,
        )
