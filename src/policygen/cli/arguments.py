"""The argument types of the ``policygen`` command line, and the client its AWS options describe.

Each type refuses a value with the one line argparse prints (exit 2). Deferred imports stay inside
the functions, so that ``policygen --help`` does not pay for them.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from policygen.aws.client import configured_endpoint, endpoint_url_problem
from policygen.errors import PolicygenError

if TYPE_CHECKING:
    from policygen.aws.client import AccessAnalyzer

Handler = Callable[[argparse.Namespace], int]

_IAM_ACTION = re.compile(r"\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+")


def endpoint_url_type(text: str) -> str:
    """An argparse type: an endpoint URL botocore can call (see :func:`endpoint_url_problem`)."""
    problem = endpoint_url_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(f"{text[:200]!r} is not an endpoint URL: {problem}")
    return text


def check_endpoint_environment(parser: argparse.ArgumentParser) -> None:
    """Without --endpoint-url, refuse an endpoint variable botocore would use but cannot (exit 2)."""
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


def job_id_type(text: str) -> str:
    """An argparse type: a job id that file names can be built from (see ``policygen.cli.follow``)."""
    from policygen.cli.follow import check_job_id

    try:
        return check_job_id(text)
    except PolicygenError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def seconds_type(text: str) -> float:
    """An argparse type: a number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, 0 or more; got {text!r}")
    return value


def job_minutes_type(text: str) -> float:
    """An argparse type: the expected minutes of one job, more than 0 and at most a day."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1440:
        raise argparse.ArgumentTypeError(
            f"expected the minutes one job takes, more than 0 and at most 1440; got {text!r}"
        )
    return value


def roles_type(text: str) -> object:
    """An argparse type: the roles to assume, a pattern with {account} or ACCOUNT=ROLE_ARN,... (AccountRoles)."""
    from policygen.errors import InvalidArgumentError
    from policygen.review.schedule import AccountRoles

    try:
        return AccountRoles.of(text)
    except InvalidArgumentError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def principal_arn_type(text: str) -> str:
    """An argparse type: the ARN of an IAM role or user, as ListPolicyGenerations takes it."""
    from policygen.spec.arns import arn_problem  # deferred: only when --principal is given

    problem = arn_problem(text, "principalArn")
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def actions_type(text: str) -> tuple[str, ...]:
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


def access_analyzer_of(args: argparse.Namespace) -> AccessAnalyzer:
    from policygen.aws.client import AccessAnalyzer, ClientSettings

    return AccessAnalyzer(ClientSettings(region=args.region, profile=args.profile, endpoint_url=args.endpoint_url))
