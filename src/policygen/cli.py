"""The ``policygen`` command line.

Exit codes: 0 success, 1 the input or the job is not as asked (invalid spec, failed job), 2 usage
error (argparse's own).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from policygen.errors import PolicygenError

if TYPE_CHECKING:
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
    handler: Handler = namespace.handler
    try:
        return handler(namespace)
    except PolicygenError as exc:
        print(f"policygen: {exc}", file=sys.stderr)
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
    return parser


def _validate(args: argparse.Namespace) -> int:
    from policygen.spec import check_paths

    specs, problems = check_paths(args.paths)
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


if __name__ == "__main__":
    sys.exit(main())
