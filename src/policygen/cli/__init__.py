"""The ``policygen`` command line.

Exit codes: 0 success, 1 the input or the job is not as asked (invalid spec, failed job), 2 usage
error (argparse's own, or worded as argparse words them: an endpoint URL botocore cannot call, from
the flag or the environment; a binary plan given to ``review``), 130 interrupted (Ctrl-C). No user
error ends in a traceback: each gets one line saying what is wrong and how to fix it.

The package, by job: :mod:`~policygen.cli.parser` (the commands and their options),
:mod:`~policygen.cli.arguments` (argument types), and one module per group of commands:
:mod:`~policygen.cli.specs` (validate, install-provider), :mod:`~policygen.cli.jobs` (status, wait,
fetch, list, cancel), :mod:`~policygen.cli.review` and :mod:`~policygen.cli.checks` (check, diff).
``policygen emulator`` is handed to :mod:`policygen.emulator.cli` before any parsing. What only the
command line uses lives here too: :mod:`~policygen.cli.follow` (waiting, fetching) and
:mod:`~policygen.cli.progress`.

May import every package but the constructs and the provider (it is the top of the house); cdktf
and tf never.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

from policygen.aws.client import endpoint_url_problem
from policygen.cli.arguments import Handler, check_endpoint_environment
from policygen.cli.parser import build_parser
from policygen.errors import PolicygenError

__all__ = ["endpoint_url_problem", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``policygen`` command; return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["emulator"]:
        # The emulator owns its options (policygen.emulator.cli).
        from policygen.emulator.cli import main as emulator_main

        return emulator_main(args[1:])
    parser = build_parser()
    namespace = parser.parse_args(args)
    if "endpoint_url" in namespace and namespace.endpoint_url is None:
        check_endpoint_environment(namespace.parser)
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
