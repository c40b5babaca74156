"""The AWS side: the boto3 client of Access Analyzer (:mod:`.client`), its settings (:mod:`.settings`) and
the IAM policies a deployment needs (:mod:`.iam`).

:mod:`.client` is the one place where botocore's errors become :mod:`policygen.errors`.

May import: :mod:`policygen.errors`, :mod:`policygen.spec` (ARNs, limits, quotas, timestamps), boto3
and botocore (lazily: they cost ~0.2 s that the provider's start-up and ``--help`` must not pay).
Must not import: the provider, the constructs, the CLI, the emulator, review, or tf/cdktf/cdktn.
"""
