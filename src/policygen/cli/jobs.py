"""The commands that follow jobs: ``status``, ``wait``, ``fetch``, ``list`` and ``cancel``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from policygen.cli.arguments import access_analyzer_of, job_id_type, principal_arn_type


def status_command(args: argparse.Namespace) -> int:
    from policygen.cli.follow import get_status, require_success

    status = get_status(access_analyzer_of(args), args.job_id)
    if args.format == "json":
        print(json.dumps(status.to_dict(), indent=2))
    else:
        for label, value in status.to_dict().items():
            if value is not None and label != "jobError":
                print(f"{label + ':':<14}{value}")
    if status.status in ("FAILED", "CANCELED"):
        require_success(status)  # raises, with the jobError
    return 0


def wait_command(args: argparse.Namespace) -> int:
    from policygen.cli.follow import require_success, wait_for_job
    from policygen.cli.progress import WaitProgress, format_duration

    timeout = args.timeout or None
    progress = WaitProgress(sys.stdout, live=sys.stdout.isatty(), timeout=timeout)
    try:
        status = wait_for_job(access_analyzer_of(args), args.job_id, timeout=timeout, on_tick=progress)
    finally:
        progress.close()
    require_success(status)
    print(f"job {status.job_id}: SUCCEEDED (this wait took {format_duration(progress.elapsed)})")
    return 0


def fetch_command(args: argparse.Namespace) -> int:
    from policygen.cli.follow import check_output_folder, fetch_policies, write_policies

    # Before the call, so that a typo in --out costs no request; write_policies checks again.
    check_output_folder(args.out)
    result = fetch_policies(
        access_analyzer_of(args), args.job_id, placeholders=args.placeholders, service_level=args.service_level
    )
    for path in write_policies(result, args.out, overwrite=args.overwrite):
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


# ---- list and cancel (issue 14): the account's jobs in one Region ---------------------------------


def add_list_and_cancel(sub: argparse._SubParsersAction[argparse.ArgumentParser], aws: argparse.ArgumentParser) -> None:
    """``list`` (the last seven days' jobs of a Region) and ``cancel`` (a job); see docs/cli.md."""
    listing = sub.add_parser(
        "list", parents=[aws], help="list the policy generation jobs of the last seven days in a Region, newest first"
    )
    listing.add_argument(
        "--principal", type=principal_arn_type, metavar="ARN", help="only the jobs of this IAM role or user"
    )
    listing.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    listing.set_defaults(handler=_list, parser=listing)

    cancel = sub.add_parser("cancel", parents=[aws], help="cancel a policy generation job that is in progress")
    cancel.add_argument(
        "job_id", type=job_id_type, metavar="JOB_ID", help="the job's id, in the Region that started it"
    )
    cancel.set_defaults(handler=_cancel, parser=cancel)


def _list(args: argparse.Namespace) -> int:
    service = access_analyzer_of(args)
    # Newest first whatever order the service answers in: the list is for reading from the top.
    generations = sorted(service.list(args.principal), key=lambda g: g["startedOn"], reverse=True)
    rows = [
        {
            "jobId": g["jobId"],
            "status": g["status"],
            "startedOn": g["startedOn"].isoformat(),
            "completedOn": g["completedOn"].isoformat() if g.get("completedOn") else None,
            "principalArn": g.get("principalArn"),
        }
        for g in generations
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        whose = f" of {args.principal}" if args.principal else ""
        print(
            f"policygen: no policy generation jobs{whose} in the last seven days in Region "
            f"{service.client.meta.region_name}; jobs are regional: --region picks another.",
            file=sys.stderr,
        )
        return 0
    table = [("JOB ID", "STATUS", "STARTED (UTC)", "COMPLETED (UTC)", "PRINCIPAL")]
    table += [
        (g["jobId"], g["status"], _utc(g["startedOn"]), _utc(g.get("completedOn")), g.get("principalArn") or "-")
        for g in generations
    ]
    widths = [max(len(row[column]) for row in table) for column in range(4)]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[4])
    return 0


def _utc(moment: Any) -> str:
    """A time of the service as ``YYYY-MM-DD HH:MM:SS`` in UTC; ``-`` for none."""
    from datetime import UTC

    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else "-"


def _cancel(args: argparse.Namespace) -> int:
    from policygen.cli.follow import get_status

    service = access_analyzer_of(args)
    service.cancel(args.job_id)
    # CancelPolicyGeneration answers nothing: ask what became of the job, so the line says what happened.
    status = get_status(service, args.job_id)
    if status.status == "CANCELED":
        print(f"job {args.job_id}: CANCELED")
    elif status.is_final:
        print(f"job {args.job_id}: had already ended {status.status}, so there was nothing to cancel")
    else:
        print(
            f"job {args.job_id}: cancel requested, still {status.status}; follow it with "
            f"`policygen status {args.job_id}`"
        )
    return 0
