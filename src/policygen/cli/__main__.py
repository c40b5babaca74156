"""``python -m policygen.cli``: the ``policygen`` command."""

import sys

from policygen.cli import main

if __name__ == "__main__":
    sys.exit(main())
