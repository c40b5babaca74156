"""The Terraform provider ``terraform.local/policygen/accessanalyzer``, written on the ``tf`` framework.

Terraform launches it through a small launcher script (see :mod:`policygen.distribution.launcher`); its entry point
is :func:`policygen.provider.server.main`. Nothing here imports cdktf, and botocore is imported only when
a resource first calls the service, so that the many short launches Terraform makes stay fast.

May import: :mod:`policygen.errors`, ``_names``, :mod:`policygen.spec`, :mod:`policygen.aws` and
:mod:`policygen.policy`; only its adapter modules import ``tf`` (:mod:`.rules` imports no tf).
Must not import: the constructs, the CLI, review, the emulator, cdktf or cdktn.
"""
