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
    review = review_plan(plan, region=args.region)
    if args.format == "json":
        print(json.dumps(review.to_dict(), indent=2))
    else:
        print(to_markdown(review), end="")
    return 0
