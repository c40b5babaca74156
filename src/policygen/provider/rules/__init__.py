"""The provider's rules, kept apart from the ``tf`` framework that serves them.

What decides which job a resource gets lives here: which values a plan can promise
(:mod:`.creation`), how a create's client token is derived and when a job the service returns
belongs to an earlier creation (:mod:`.creation`), which resources would share a job
(:mod:`.claims`), and what the provider says about a job the service no longer knows or that
changed outside Terraform (:mod:`.outside`).

Nothing in this package imports ``tf`` or grpc (a test holds that): the adapter modules one
level up (``protocol.py``, ``policy_generation.py``) turn these answers into Terraform's
diagnostics and planned values, and unit tests call the rules without a gRPC server.
Everything here is an input and an answer: the current time, the jobs the service lists and the
jobs this provider process deleted are passed in, never read from a file beside Terraform.

May import: :mod:`policygen.errors`, :mod:`policygen.spec` and :mod:`policygen.aws` (its settings
types). Must not import tf or grpc (tested), nor the provider's adapter modules.
"""
