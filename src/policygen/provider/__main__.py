"""``python -m policygen.provider``: what the launcher script runs."""

from policygen.provider.server import main

main()
