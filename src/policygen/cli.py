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
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    _add_list_and_cancel(sub, aws)

    review = sub.add_parser("review", help="summarise a plan's policy generations for a pull request")
    review.add_argument("plan", metavar="PLAN", help="output of `terraform show -json PLANFILE`; - for stdin")
    review.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="output format (default: markdown)"
    )
    review.add_argument(
        "--region", help="Region of generations whose provider configuration in the plan sets none (quota check)"
    )
    review.set_defaults(handler=_review, parser=review)
    _add_check_commands(sub, aws)


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


# ---- list and cancel (issue 14): the account's jobs in one Region ---------------------------------


def _add_list_and_cancel(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], aws: argparse.ArgumentParser
) -> None:
    """``list`` (the last seven days' jobs of a Region) and ``cancel`` (a job); see docs/cli.md."""
    listing = sub.add_parser(
        "list", parents=[aws], help="list the policy generation jobs of the last seven days in a Region, newest first"
    )
    listing.add_argument(
        "--principal", type=_principal_arn, metavar="ARN", help="only the jobs of this IAM role or user"
    )
    listing.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    listing.set_defaults(handler=_list, parser=listing)

    cancel = sub.add_parser("cancel", parents=[aws], help="cancel a policy generation job that is in progress")
    cancel.add_argument("job_id", type=_job_id, metavar="JOB_ID", help="the job's id, in the Region that started it")
    cancel.set_defaults(handler=_cancel, parser=cancel)


def _principal_arn(text: str) -> str:
    """An argparse type: the ARN of an IAM role or user, as ListPolicyGenerations takes it."""
    from policygen.spec.arns import arn_problem  # deferred: only when --principal is given

    problem = arn_problem(text, "principalArn")
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def _list(args: argparse.Namespace) -> int:
    service = _access_analyzer(args)
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
    from policygen.follow import get_status

    service = _access_analyzer(args)
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


# ---- check and diff (issue 16): from draft to adoption ------------------------------------------
# `check` exits 0 when nothing blocks and 1 when a check fails or a finding is at or above
# --fail-on; a file that cannot be read, or a value that cannot be an action or a job id, is a
# usage error (2), so that a CI gate never mistakes a typo for a verdict on the draft.

#: --deny-actions given without a value: policygen's default sensitive actions (policy.SENSITIVE_ACTIONS).
_SENSITIVE: tuple[str, ...] = ()
_IAM_ACTION = re.compile(r"\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+")
_FORMATS = ("text", "json", "markdown")


def _add_check_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], aws: argparse.ArgumentParser) -> None:
    """``check`` (Access Analyzer's policy checks on a draft) and ``diff`` (two policies, offline); see docs/cli.md."""
    from policygen.policy.findings import FindingType

    check = sub.add_parser(
        "check", parents=[aws], help="check a draft with Access Analyzer's policy checks; exit 1 when it fails"
    )
    check.add_argument(
        "draft", metavar="DRAFT", help="a policy file (JSON), or a job id: its generated policies are fetched"
    )
    check.add_argument(
        "--deny-actions",
        nargs="?",
        const=_SENSITIVE,
        type=_actions,
        metavar="ACTIONS",
        help="CheckAccessNotGranted: fail when DRAFT grants any of these comma-separated actions (wildcards "
        "allowed); without ACTIONS, policygen's sensitive actions (docs/cli.md). A custom check: AWS charges for it",
    )
    check.add_argument(
        "--current",
        type=Path,
        metavar="CURRENT.json",
        help="CheckNoNewAccess: fail when DRAFT grants access this policy in force does not. AWS charges for it",
    )
    check.add_argument(
        "--fail-on",
        choices=[t.value for t in FindingType],
        default=FindingType.ERROR.value,
        help="the least severe ValidatePolicy finding type that fails the check (default: ERROR)",
    )
    check.add_argument("--format", choices=_FORMATS, default="text", help="output format (default: text)")
    check.set_defaults(handler=_check, parser=check)

    diff = sub.add_parser("diff", help="compare the policy in force with a draft, action by action (offline)")
    diff.add_argument("current", type=Path, metavar="CURRENT", help="the policy in force (JSON file)")
    diff.add_argument(
        "drafts",
        nargs="+",
        type=Path,
        metavar="DRAFT",
        help="the draft (JSON file); several files are read as one draft, as `fetch` writes a split one",
    )
    diff.add_argument("--format", choices=_FORMATS, default="text", help="output format (default: text)")
    diff.set_defaults(handler=_diff, parser=diff)


def _actions(text: str) -> tuple[str, ...]:
    """An argparse type: IAM actions separated by commas (``iam:PassRole,s3:Put*``)."""
    actions = tuple(dict.fromkeys(a.strip() for a in text.split(",") if a.strip()))
    wrong = [a for a in actions if not _IAM_ACTION.fullmatch(a)]
    if not actions or wrong:
        hint = "" if ":" in text else " (when --deny-actions has no value, give DRAFT before it)"
        raise argparse.ArgumentTypeError(
            f"expected IAM actions separated by commas, such as iam:PassRole,s3:PutBucketPolicy; got {text[:200]!r}"
            + hint
        )
    return actions


def _read_policy_file(parser: argparse.ArgumentParser, path: Path, what: str) -> str:
    """The text of a policy file; a file that cannot be read is a usage error (exit 2)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        parser.error(f"cannot read {what} {path}: {reason}. Give the path of a UTF-8 JSON policy file.")


def _draft_documents(args: argparse.Namespace, service: AccessAnalyzer) -> list[tuple[str, str]]:
    """(name, text) of each document of DRAFT: the file, or the generated policies of a job.

    A path that exists, ends in ``.json`` or contains a path separator is read as a file (job ids
    have neither), so that a mistyped file name is not sent as a job id; anything else is a job
    id. A job's policies are checked as ``policygen fetch`` writes them (``<jobId>-<n>``,
    indented), so that the line numbers of the findings match the fetched files.
    """
    from policygen.follow import fetch_policies

    draft: str = args.draft
    if Path(draft).exists() or draft.endswith(".json") or "/" in draft or os.sep in draft:
        return [(draft, _read_policy_file(args.parser, Path(draft), "the draft"))]
    try:
        job_id = _job_id(draft)
    except argparse.ArgumentTypeError as exc:
        args.parser.error(f"DRAFT {draft[:200]!r} is neither a policy file nor a job id: {exc}")
    result = fetch_policies(service, job_id)
    if not result.policies:
        raise PolicygenError(
            f"Job {job_id} SUCCEEDED with no policy, so there is nothing to check: Access Analyzer found no activity "
            "of the principal in the trails, Regions and window it read."
        )
    return [(f"{job_id}-{n}", json.dumps(policy, indent=2)) for n, policy in enumerate(result.policies, start=1)]


def _check(args: argparse.Namespace) -> int:
    from policygen.policy import SENSITIVE_ACTIONS, FindingType, PolicyDocumentError, combine_policies, parse_policy

    service = _access_analyzer(args)
    documents = _draft_documents(args, service)
    current = None
    if args.current is not None:
        current = _read_policy_file(args.parser, args.current, "the current policy")
        parse_policy(current, name=str(args.current)).require_valid()  # before any call: a located error, exit 1
    denied = None if args.deny_actions is None else list(args.deny_actions or SENSITIVE_ACTIONS)
    findings = [{**f, "document": name} for name, text in documents for f in service.validate_policy(text)]
    try:
        # A draft split in several documents grants what they grant together: the access checks read them as one.
        parsed = [parse_policy(text, name=name) for name, text in documents]
        combined = (parsed[0] if len(parsed) == 1 else combine_policies(parsed)).require_valid()
    except PolicyDocumentError:
        combined = None  # its ERROR findings say why, and fail the check
    not_run = {"result": None, "message": "Not run: the draft is not a valid policy (see its ERROR findings)."}
    not_granted = new_access = None
    if denied is not None:
        answer = service.check_access_not_granted(combined.text, denied) if combined else not_run
        not_granted = {"actions": denied, **answer}
    if current is not None:
        answer = service.check_no_new_access(combined.text, current) if combined else not_run
        new_access = {"current": str(args.current), **answer}
    threshold = FindingType(args.fail_on)
    blocking = sum(1 for f in findings if FindingType(f.get("findingType", "ERROR")).at_least(threshold))
    failed = [c for c in (not_granted, new_access) if c is not None and c["result"] != "PASS"]
    report = {
        "draft": args.draft,
        "documents": [name for name, _ in documents],
        "result": "FAIL" if blocking or failed else "PASS",
        "failOn": threshold.value,
        "blockingFindings": blocking,
        "findings": findings,
        "checkAccessNotGranted": not_granted,
        "checkNoNewAccess": new_access,
    }
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        print(_check_markdown(report) if args.format == "markdown" else _check_text(report), end="")
    return 0 if report["result"] == "PASS" else 1


def _where(finding: dict[str, Any]) -> str:
    """``draft.json line 3, column 8``: the document and the start of the finding's first location."""
    locations = finding.get("locations") or []
    if not locations:
        return str(finding["document"])
    start = locations[0]["span"]["start"]
    return f"{finding['document']} line {start['line']}, column {start['column']}"


def _verdict(report: dict[str, Any]) -> str:
    """One sentence: the result and what decided it."""
    reasons = []
    if report["blockingFindings"]:
        reasons.append(f"{report['blockingFindings']} finding(s) at or above {report['failOn']}")
    for name, check in (("CheckAccessNotGranted", "checkAccessNotGranted"), ("CheckNoNewAccess", "checkNoNewAccess")):
        answer = report[check]
        if answer is not None and answer["result"] != "PASS":
            reasons.append(f"{name} {'did not run' if answer['result'] is None else 'failed'}")
    if reasons:
        return f"FAIL: {'; '.join(reasons)}."
    return f"PASS: no finding at or above {report['failOn']}, and every check asked for passed."


def _access_checks(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The access checks that were asked for, each with a title naming what it compared."""
    checks = []
    if report["checkAccessNotGranted"] is not None:
        answer = report["checkAccessNotGranted"]
        checks.append((f"CheckAccessNotGranted of {len(answer['actions'])} action(s)", answer))
    if report["checkNoNewAccess"] is not None:
        answer = report["checkNoNewAccess"]
        checks.append((f"CheckNoNewAccess against {answer['current']}", answer))
    return checks


def _check_text(report: dict[str, Any]) -> str:
    findings = report["findings"]
    lines = [
        f"Policy check of {report['draft']}: {report['result']}",
        f"ValidatePolicy: {len(findings)} finding(s), {report['blockingFindings']} at or above {report['failOn']}.",
    ]
    for f in findings:
        lines.append(f"  {f['findingType']} {f['issueCode']}, {_where(f)}: {f['findingDetails']}")
        lines.append(f"    {f['learnMoreLink']}")
    for title, answer in _access_checks(report):
        lines.append(f"{title}: {answer['result'] or 'NOT RUN'}. {answer['message']}")
        lines.extend(f"  - {reason['description']}" for reason in answer.get("reasons", []))
    lines.append(_verdict(report))
    return "\n".join(lines) + "\n"


def _check_markdown(report: dict[str, Any]) -> str:
    findings = report["findings"]
    lines = [
        f"### Policy check of `{report['draft']}`: {report['result']}",
        "",
        "| Check | Result |",
        "| --- | --- |",
        f"| ValidatePolicy | {len(findings)} finding(s), {report['blockingFindings']} at or above {report['failOn']} |",
    ]
    lines += [f"| {title} | {answer['result'] or 'not run'} |" for title, answer in _access_checks(report)]
    if findings:
        lines += ["", f"<details><summary>Findings ({len(findings)})</summary>", ""]
        lines += ["| Type | Issue | Where | Details |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {f['findingType']} | [{f['issueCode']}]({f['learnMoreLink']}) | `{_where(f)}` | {_cell(f)} |"
            for f in findings
        ]
        lines += ["", "</details>"]
    for title, answer in _access_checks(report):
        lines += ["", f"**{title}: {answer['result'] or 'not run'}.** {answer['message']}"]
        lines.extend(f"- {reason['description']}" for reason in answer.get("reasons", []))
    lines += ["", f"_{_verdict(report)}_"]
    return "\n".join(lines) + "\n"


def _cell(finding: dict[str, Any]) -> str:
    """A finding's details as a Markdown table cell (a ``|`` would end the cell)."""
    return str(finding["findingDetails"]).replace("|", "\\|")


def _diff(args: argparse.Namespace) -> int:
    from policygen.policy import diff_policies, parse_policy, render_diff

    def read(path: Path, what: str) -> Any:
        return parse_policy(_read_policy_file(args.parser, path, what), name=str(path)).require_valid()

    current = read(args.current, "CURRENT")
    drafts = [read(path, "DRAFT") for path in args.drafts]
    diff = diff_policies(
        current, drafts, current_name=str(args.current), draft_name=", ".join(str(p) for p in args.drafts)
    )
    print(render_diff(diff, args.format), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
