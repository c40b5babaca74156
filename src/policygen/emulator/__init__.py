"""An embedded Access Analyzer endpoint: the policy-generation operations over REST-JSON on loopback.

It knows nothing of the rest of policygen; it only speaks the wire protocol that botocore's
``accessanalyzer`` model describes. Use :class:`Emulator` in tests and scripts, or
``policygen emulator`` from a shell.
"""

from policygen.emulator.server import Emulator

__all__ = ["Emulator"]
