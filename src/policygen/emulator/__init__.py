"""An embedded Access Analyzer endpoint: the policy-generation operations over REST-JSON on loopback.

It speaks the wire protocols that botocore's ``accessanalyzer`` and ``sts`` models describe, and knows
nothing of the provider, the constructs, the CLI or boto3's client wrapper. Use :class:`Emulator` in
tests and scripts, or ``policygen emulator`` from a shell.

May import: :mod:`policygen.errors`, :mod:`policygen.policy` (the offline policy engine answers its
policy checks: one engine for the endpoint and ``policygen check``/``diff``), :mod:`policygen.spec`
(timestamps, ARNs) and :mod:`policygen.files` (its ``--state-dir``). Must not import the provider,
the constructs, the CLI, review or :mod:`policygen.aws`.
"""

from policygen.emulator.server import Emulator

__all__ = ["Emulator"]
