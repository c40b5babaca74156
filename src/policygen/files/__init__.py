"""Writing and reading files in a folder safely (:mod:`.folders`): never through a symbolic link, never
past a size, never over a file that was not asked to be replaced.

May import: :mod:`policygen.errors` and the standard library. Shared by the CLI (``fetch --out``)
and the embedded endpoint (``--state-dir``), which is why it stands on its own.
"""
