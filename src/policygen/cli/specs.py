"""``policygen validate`` (spec files or folders), ``policygen install-provider`` and ``policygen package``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from policygen.spec import Spec


def validate_command(args: argparse.Namespace) -> int:
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


def install_provider_command(args: argparse.Namespace) -> int:
    from policygen.distribution.launcher import install_provider

    print(install_provider(args.dir))
    return 0


def package_command(args: argparse.Namespace) -> int:
    from policygen.distribution.release import write_package

    package = write_package(args.out, sign_key=args.sign, from_zip=args.from_zip)
    size = package.zip.stat().st_size / 1e6
    unpacked = sum(p.stat().st_size for p in package.filesystem_mirror.rglob("*") if p.is_file()) / 1e6
    print(f"# {package.zip} ({size:.0f} MB zipped, {unpacked:.0f} MB unpacked)", file=sys.stderr)
    print(f"# mirrors: {package.filesystem_mirror}, {package.packed_mirror}, {package.network_mirror}", file=sys.stderr)
    print(f"# the .terraform.lock.hcl entry (also in {package.lock_file}):", file=sys.stderr)
    print(package.lock_entry(), end="")
    return 0
