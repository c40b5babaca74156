"""The parser of the ``policygen`` command line: its commands, their options and handlers."""

from __future__ import annotations

import argparse
from pathlib import Path

from policygen.cli.arguments import endpoint_url_type, job_id_type, job_minutes_type, roles_type, seconds_type
from policygen.cli.checks import add_check_commands
from policygen.cli.jobs import add_list_and_cancel, fetch_command, status_command, wait_command
from policygen.cli.review import estimate_command, review_command
from policygen.cli.specs import install_provider_command, package_command, validate_command
from policygen.review.model import SECONDS_PER_JOB


def _add_job_minutes(command: argparse.ArgumentParser) -> None:
    """``--job-minutes``, shared by review and estimate: the expected duration of one job."""
    command.add_argument(
        "--job-minutes",
        type=job_minutes_type,
        default=SECONDS_PER_JOB / 60,
        metavar="N",
        help=f"minutes one job takes, for the apply time (default: {SECONDS_PER_JOB / 60:g}, the AWS CLI's "
        "example job rounded up; jobs reading more log files take longer)",
    )


def build_parser() -> argparse.ArgumentParser:
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
    validate.set_defaults(handler=validate_command)

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
    install.set_defaults(handler=install_provider_command)

    package = sub.add_parser(
        "package",
        help="build the provider as a package that runs without Python, with its mirrors and lock entry",
        description="Build the provider (linux_amd64, glibc) as a release zip that needs no Python, and write "
        "SHA256SUMS, a filesystem mirror (unpacked and packed), a network mirror and the .terraform.lock.hcl "
        "entry under --out; print the lock entry. See README, 'The provider package'.",
    )
    package.add_argument(
        "--out",
        type=Path,
        default=Path("dist") / "provider",
        help="folder to write into; must be empty or absent (default: dist/provider)",
    )
    package.add_argument(
        "--sign",
        metavar="KEY",
        help="GPG key (id, fingerprint or e-mail) that signs SHA256SUMS into SHA256SUMS.sig (default: no signature)",
    )
    package.add_argument(
        "--from-zip",
        type=Path,
        metavar="ZIP",
        help="write the checksums, mirrors and lock entry for this release zip instead of building one",
    )
    package.set_defaults(handler=package_command)
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
        type=endpoint_url_type,
        metavar="URL",
        help="Access Analyzer endpoint URL, http:// or https:// (default: AWS_ENDPOINT_URL_ACCESSANALYZER, "
        "else AWS_ENDPOINT_URL, else AWS's)",
    )

    status = sub.add_parser("status", parents=[aws], help="show a policy generation job's status")
    status.add_argument("job_id", metavar="JOB_ID")
    status.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    status.set_defaults(handler=status_command, parser=status)

    wait = sub.add_parser("wait", parents=[aws], help="wait until a job finishes; exit 0 only if it SUCCEEDED")
    wait.add_argument("job_id", metavar="JOB_ID")
    wait.add_argument(
        "--timeout",
        type=seconds_type,
        default=3600.0,
        metavar="SECONDS",
        help="give up after SECONDS; the job keeps running (default: 3600; 0: no limit)",
    )
    wait.set_defaults(handler=wait_command, parser=wait)

    fetch = sub.add_parser("fetch", parents=[aws], help="write a SUCCEEDED job's policies as JSON files")
    fetch.add_argument(
        "job_id", type=job_id_type, metavar="JOB_ID", help="the job's id; the files written are named after it"
    )
    fetch.add_argument(
        "--out",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="folder for DIR/<jobId>-<n>.json, created when missing (default: .)",
    )
    fetch.add_argument(
        "--overwrite",
        action="store_true",
        help="replace files (or links) already named DIR/<jobId>-<n>.json; without it, fetch writes only new "
        "files, and never through a symbolic link",
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
    fetch.set_defaults(handler=fetch_command, parser=fetch)
    add_list_and_cancel(sub, aws)

    review = sub.add_parser("review", help="summarise a plan's policy generations for a pull request")
    review.add_argument("plan", metavar="PLAN", help="output of `terraform show -json PLANFILE`; - for stdin")
    review.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="output format (default: markdown)"
    )
    review.add_argument(
        "--region", help="Region of generations whose provider configuration in the plan sets none (quota check)"
    )
    _add_job_minutes(review)
    review.set_defaults(handler=review_command, parser=review)

    estimate = sub.add_parser(
        "estimate",
        help="before any plan: a spec folder's jobs per account and Region, the days they need, the apply time",
    )
    estimate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="spec file or folder")
    estimate.add_argument(
        "--roles",
        type=roles_type,
        metavar="ROLES",
        help="the role to assume in each account: a pattern such as arn:aws:iam::{account}:role/PolicyGeneration, "
        "or ACCOUNT=ROLE_ARN,ACCOUNT=ROLE_ARN (default: none; the account is the principal's either way)",
    )
    estimate.add_argument("--region", help="Region of the jobs (default: AWS_REGION, else AWS_DEFAULT_REGION)")
    _add_job_minutes(estimate)
    estimate.add_argument(
        "--allow-later-days",
        action="store_true",
        help="exit 0 even when a queue exceeds its daily quota (the rest would run on later days)",
    )
    estimate.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    estimate.set_defaults(handler=estimate_command, parser=estimate)
    add_check_commands(sub, aws)
