"""Print how often policygen's policy checks agree with AWS's published or recorded answers.

Runs every case of ``tests/policy/corpus`` through the offline engine (the embedded endpoint runs
the same code, as ``tests/emulator/test_corpus_endpoint.py`` shows) and prints, per operation, the
cases that agree, and the cases where AWS says FAIL and policygen says PASS. The README's
agreement table is this script's output. Run from the repository's root:
``.venv/bin/python scripts/policy_agreement.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.policy.corpus_cases import OPERATIONS, agreement


def main() -> int:
    """Print one line per operation, and the cases where policygen is more lenient than AWS."""
    for operation in OPERATIONS:
        agreed, total, lenient = agreement(operation)
        print(f"{operation}: {agreed} of {total} agree; PASS where AWS says FAIL: {len(lenient)}")
        for case in lenient:
            print(f"  {case.name}: {case.note or ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
