"""The ``policygen`` command line.

Exit codes: 0 success, 1 the input or the job is not as asked (invalid spec, failed job), 2 usage
error (argparse's own, or worded as argparse words them: an endpoint URL boto3 cannot call, from
the flag or the environment; a binary plan given to ``review``), 130 interrupted (Ctrl-C). No user
error ends in a traceback: each gets one line saying what is wrong and how to fix it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from policygen.errors import PolicygenError
from policygen.service import configured_endpoint, endpoint_url_problem

if TYPE_CHECKING:
    from policygen.service import AccessAnalyzer
    from policygen.spec import Spec

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``policygen`` command; return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["emulator"]:
        # The emulator owns its options (it also runs as `python -m policygen.emulator.server`).
        from policygen.emulator.server import main as emulator_main

        return emulator_main(args[1:])
    parser = _parser()
    namespace = parser.parse_args(args)
    if "endpoint_url" in namespace and namespace.endpoint_url is None:
        _check_endpoint_environment(namespace.parser)
    handler: Handler = namespace.handler
    try:
        return handler(namespace)
    except PolicygenError as exc:
        print(f"policygen: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Ctrl-C is the user's choice, not a failure to explain with a traceback; a job being
        # waited for keeps running at Access Analyzer.
        print("policygen: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of standard output went away (`policygen review plan.json | head -1`): stop
        # quietly, and keep Python's own flush at exit from failing again on the closed pipe.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policygen",
        description="Declare IAM Access Analyzer policy generation in infrastructure code.",
    )
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check spec files or folders")
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="spec file or folder")
    validate.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: one line per problem, FILE:LINE:COL: /pointer: message (default); json: a JSON object",
    )
    validate.add_argument(
        "--explain",
        action="store_true",
        help="print each generation's effective request (defaults merged, client token derived) as JSON",
    )
    validate.set_defaults(handler=_validate)

    sub.add_parser(
        "emulator",
        help="run the embedded Access Analyzer endpoint (see `policygen emulator --help`)",
        add_help=False,
    )

    install = sub.add_parser(
        "install-provider", help="put the Terraform provider where Terraform finds it, and print where"
    )
    install.add_argument(
        "--dir",
        type=Path,
        default=Path.home() / ".terraform.d" / "plugins",
        help="root of a local or filesystem mirror (default: ~/.terraform.d/plugins, an implied mirror)",
    )
    install.set_defaults(handler=_install_provider)
    _add_follow_commands(sub)
    return parser


def _add_follow_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``status``, ``wait``, ``fetch`` (a job) and ``review`` (a plan); see docs/cli.md."""
    aws = argparse.ArgumentParser(add_help=False)
    connection = aws.add_argument_group("AWS connection (default: boto3's configuration chain)")
    connection.add_argument("--region", help="AWS Region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)")
    connection.add_argument("--profile", help="named AWS profile (default: AWS_PROFILE)")
    connection.add_argument(
        "--endpoint-url",
        type=_endpoint_url,
        metavar="URL",
        help="Access Analyzer endpoint URL, http:// or https:// (default: AWS_ENDPOINT_URL_ACCESSANALYZER, "
        "else AWS_ENDPOINT_URL, else AWS's)",
    )

    status = sub.add_parser("status", parents=[aws], help="show a policy generation job's status")
    status.add_argument("job_id", metavar="JOB_ID")
    status.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    status.set_defaults(handler=_status, parser=status)

    wait = sub.add_parser("wait", parents=[aws], help="wait until a job finishes; exit 0 only if it SUCCEEDED")
    wait.add_argument("job_id", metavar="JOB_ID")
    wait.add_argument(
        "--timeout",
        type=_seconds,
        default=3600.0,
        metavar="SECONDS",
        help="give up after SECONDS; the job keeps running (default: 3600; 0: no limit)",
    )
    wait.set_defaults(handler=_wait, parser=wait)

    fetch = sub.add_parser("fetch", parents=[aws], help="write a SUCCEEDED job's policies as JSON files")
    fetch.add_argument(
        "job_id", type=_job_id, metavar="JOB_ID", help="the job's id; the files written are named after it"
    )
    fetch.add_argument(
        "--out",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="folder for DIR/<jobId>-<n>.json, created when missing (default: .)",
    )
    fetch.add_argument(
        "--placeholders",
        action="store_true",
        help="resource ARN placeholders instead of * (includeResourcePlaceholders)",
    )
    fetch.add_argument(
        "--service-level",
        action="store_true",
        help="add a service-level template where actions are unknown (includeServiceLevelTemplate)",
    )
    fetch.set_defaults(handler=_fetch, parser=fetch)

    review = sub.add_parser("review", help="summarise a plan's policy generations for a pull request")
    review.add_argument("plan", metavar="PLAN", help="output of `terraform show -json PLANFILE`; - for stdin")
    review.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="output format (default: markdown)"
    )
    review.add_argument(
        "--region", help="Region of generations whose provider configuration in the plan sets none (quota check)"
    )
    review.set_defaults(handler=_review, parser=review)


def _endpoint_url(text: str) -> str:
    """An argparse type: an endpoint URL boto3 can call (see :func:`endpoint_url_problem`)."""
    problem = endpoint_url_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{text[:200]!r} is not an endpoint URL: {problem}")
    return text


def _check_endpoint_environment(parser: argparse.ArgumentParser) -> None:
    """Without --endpoint-url, refuse an endpoint variable boto3 would use but cannot (exit 2)."""
    configured = configured_endpoint(os.environ)
    if configured is None:
        return
    name, value = configured
    problem = endpoint_url_problem(value)
    if problem is not None:
        parser.error(
            f"the environment variable {name}={value[:200]!r} is not an endpoint URL: {problem}. "
            f"Fix it, unset it (unset {name}), or pass --endpoint-url URL."
        )


def _job_id(text: str) -> str:
    """An argparse type: a job id that file names can be built from (see ``policygen.follow``)."""
    from policygen.follow import check_job_id

    try:
        return check_job_id(text)
    except PolicygenError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    """An argparse type: a number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, 0 or more; got {text!r}")
    return value


def _validate(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from policygen.spec import check_paths

    # validate judges the request as if its job were created now, time rules included (the
    # provider does the same at the plan of a create, and never for a job that exists).
    specs, problems = check_paths(args.paths, now=datetime.now(UTC))
    explained = [_explain(spec) for spec in specs] if args.explain else None
    if args.format == "json":
        payload = {"valid": not problems, "problems": [p.to_dict() for p in problems], "generations": explained}
        print(json.dumps({k: v for k, v in payload.items() if v is not None}, indent=2))
    elif problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
    elif explained is not None:
        print(json.dumps(explained, indent=2))
    else:
        print(f"{len(specs)} policy generation(s) valid.")
    return 1 if problems else 0


def _explain(spec: Spec) -> dict[str, object]:
    """One generation as ``--explain`` shows it: the effective document and today's request."""
    return {
        "name": spec.name,
        "source": spec.source,
        "document": spec.to_document(),
        "request": spec.request(),
    }


def _install_provider(args: argparse.Namespace) -> int:
    from policygen.install import install_provider

    print(install_provider(args.dir))
    return 0


def _access_analyzer(args: argparse.Namespace) -> AccessAnalyzer:
    from policygen.service import AccessAnalyzer, ClientSettings

    return AccessAnalyzer(ClientSettings(region=args.region, profile=args.profile, endpoint_url=args.endpoint_url))


def _status(args: argparse.Namespace) -> int:
    from policygen.follow import get_status, require_success

    status = get_status(_access_analyzer(args), args.job_id)
    if args.format == "json":
        print(json.dumps(status.to_dict(), indent=2))
    else:
        for label, value in status.to_dict().items():
            if value is not None and label != "jobError":
                print(f"{label + ':':<14}{value}")
    if status.status in ("FAILED", "CANCELED"):
        require_success(status)  # raises, with the jobError
    return 0


def _wait(args: argparse.Namespace) -> int:
    from policygen.follow import require_success, wait_for_job
    from policygen.progress import WaitProgress, format_duration

    timeout = args.timeout or None
    progress = WaitProgress(sys.stdout, live=sys.stdout.isatty(), timeout=timeout)
    try:
        status = wait_for_job(_access_analyzer(args), args.job_id, timeout=timeout, on_tick=progress)
    finally:
        progress.close()
    require_success(status)
    print(f"job {status.job_id}: SUCCEEDED after {format_duration(progress.elapsed)}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from policygen.follow import check_output_folder, fetch_policies, write_policies

    # Before the call, so that a typo in --out costs no request; write_policies checks again.
    check_output_folder(args.out)
    result = fetch_policies(
        _access_analyzer(args), args.job_id, placeholders=args.placeholders, service_level=args.service_level
    )
    for path in write_policies(result, args.out):
        print(path)
    if not result.policies:
        print(
            f"policygen: job {args.job_id} SUCCEEDED with no policy: Access Analyzer found no activity of the "
            "principal in the trails, Regions and window it read.",
            file=sys.stderr,
        )
    if result.is_complete is False:
        print(
            "policygen: Access Analyzer marks this result incomplete (isComplete: false): some activity could not "
            "be mapped to actions; review the policy, or fetch with --service-level for a template to fill in.",
            file=sys.stderr,
        )
    return 0


def _review(args: argparse.Namespace) -> int:
    from policygen.errors import BinaryPlanError
    from policygen.review import read_plan, review_plan, to_markdown

    try:
        plan = read_plan(args.plan)
    except BinaryPlanError as exc:
        # Passing the plan file instead of its JSON is a usage error: say what to run, exit 2.
        args.parser.error(str(exc))
    review = review_plan(plan, region=args.region)
    if args.format == "json":
        print(json.dumps(review.to_dict(), indent=2))
    else:
        print(to_markdown(review), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
