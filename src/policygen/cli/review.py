"""``policygen review``: a plan's policy generations summarised for a pull request."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


def review_command(args: argparse.Namespace) -> int:
    from policygen.errors import BinaryPlanError
    from policygen.review import read_plan, review_plan, to_markdown

    try:
        plan = read_plan(args.plan)
    except BinaryPlanError as exc:
        # Passing the plan file instead of its JSON is a usage error: say what to run, exit 2.
        args.parser.error(str(exc))
    review = review_plan(plan, region=args.region, seconds_per_job=round(args.job_minutes * 60))
    if args.format == "json":
        print(json.dumps(review.to_dict(), indent=2))
    else:
        print(to_markdown(review), end="")
    return 0


def estimate_command(args: argparse.Namespace) -> int:
    """``policygen estimate PATH...``: the queues of a spec folder, before any plan; exit 1 beyond the quota."""
    import os
    import sys

    from policygen.errors import AccountRoleError, SpecError
    from policygen.review.estimate import estimate_specs
    from policygen.spec import load_paths

    try:
        specs = load_paths(args.paths)
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return 1
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    try:
        estimate = estimate_specs(specs, roles=args.roles, region=region, seconds_per_job=round(args.job_minutes * 60))
    except AccountRoleError as exc:
        print(f"policygen estimate: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(estimate.to_dict(), indent=2))
    else:
        print(estimate.to_text(), end="")
    return 0 if estimate.fits_daily_quota or args.allow_later_days else 1
