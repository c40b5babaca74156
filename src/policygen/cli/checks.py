"""``policygen check`` (Access Analyzer's policy checks on a draft) and ``policygen diff`` (offline)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policygen.cli.arguments import access_analyzer_of, actions_type, job_id_type
from policygen.errors import PolicygenError

if TYPE_CHECKING:
    from policygen.aws.client import AccessAnalyzer


# ---- check and diff (issue 16): from draft to adoption ------------------------------------------
# `check` exits 0 when nothing blocks and 1 when a check fails or a finding is at or above
# --fail-on; a file that cannot be read, or a value that cannot be an action or a job id, is a
# usage error (2), so that a CI gate never mistakes a typo for a verdict on the draft.

#: --deny-actions given without a value: policygen's default sensitive actions (policy.SENSITIVE_ACTIONS).
_SENSITIVE: tuple[str, ...] = ()
_FORMATS = ("text", "json", "markdown")


def add_check_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser], aws: argparse.ArgumentParser) -> None:
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
        type=actions_type,
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
    check.add_argument(
        "--advice",
        action="store_true",
        help="also print policygen's own advice on wildcards (offline; never part of AWS's findings or the result)",
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


def _read_policy_file(parser: argparse.ArgumentParser, path: Path, what: str) -> str:
    """The text of a policy file; a file that cannot be read is a usage error (exit 2).

    Read in bounded time and memory (:func:`policygen.spec.reading.read_text`): a pipe, a device
    such as ``/dev/zero``, a file over 1 MiB, NUL bytes or bytes that are not UTF-8 are refused.
    """
    from policygen.policy.reading import POLICY_FILE
    from policygen.spec.reading import read_text

    text, problem = read_text(path, POLICY_FILE)
    if text is None:
        reason = problem.message if problem is not None else "it cannot be read."
        where = f" (line {problem.line}, column {problem.column})" if problem is not None and problem.line > 1 else ""
        parser.error(f"cannot read {what} {path}{where}: {reason}")
    return text


def _refuse_unreadable(name: str, text: str) -> None:
    """PolicyLimitError (exit 1) for a draft past what policygen reads, before it is sent anywhere.

    A draft with a plain JSON syntax error is still sent: ValidatePolicy reports where the error is.
    """
    from policygen.policy.reading import load_json

    try:
        load_json(text, name)
    except json.JSONDecodeError:
        return


def _draft_documents(args: argparse.Namespace, service: AccessAnalyzer) -> list[tuple[str, str]]:
    """(name, text) of each document of DRAFT: the file, or the generated policies of a job.

    A path that exists, ends in ``.json`` or contains a path separator is read as a file (job ids
    have neither), so that a mistyped file name is not sent as a job id; anything else is a job
    id. A job's policies are checked as ``policygen fetch`` writes them (``<jobId>-<n>``,
    indented), so that the line numbers of the findings match the fetched files.
    """
    from policygen.cli.follow import fetch_policies

    draft: str = args.draft
    if Path(draft).exists() or draft.endswith(".json") or "/" in draft or os.sep in draft:
        return [(draft, _read_policy_file(args.parser, Path(draft), "the draft"))]
    try:
        job_id = job_id_type(draft)
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

    service = access_analyzer_of(args)
    documents = _draft_documents(args, service)
    for name, text in documents:
        _refuse_unreadable(name, text)
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
    if args.advice:
        from policygen.policy.advice import advise

        # policygen's, not AWS's: kept under its own key, and never counted towards the result.
        report["policygenAdvice"] = [
            {**a.to_dict(), "document": name} for name, text in documents for a in _advice_of(text, advise)
        ]
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        print(_check_markdown(report) if args.format == "markdown" else _check_text(report), end="")
    return 0 if report["result"] == "PASS" else 1


def _advice_of(text: str, advise: Any) -> list[Any]:
    """policygen's advice on a document; none for a document that is not JSON (its findings say why)."""
    from policygen.policy import PolicyDocumentError

    try:
        return list(advise(text))
    except PolicyDocumentError:
        return []


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
    lines.extend(_advice_lines(report, "  "))
    lines.append(_verdict(report))
    return "\n".join(lines) + "\n"


def _advice_lines(report: dict[str, Any], indent: str) -> list[str]:
    """policygen's advice, under a heading that says it is policygen's and not AWS's."""
    if "policygenAdvice" not in report:
        return []
    advice = report["policygenAdvice"]
    lines = [f"policygen's own advice (not from AWS, not counted in the result): {len(advice)}"]
    lines.extend(f"{indent}{a['code']}, {_where(a)}: {a['details']}" for a in advice)
    return lines


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
    advice = _advice_lines(report, "- ")
    lines += ["", *advice] if advice else []
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
