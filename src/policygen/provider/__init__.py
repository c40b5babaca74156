"""The Terraform provider ``terraform.local/policygen/accessanalyzer``, written on the ``tf`` framework.

Terraform launches it through a small launcher script (see :mod:`policygen.install`); its entry point
is :func:`policygen.provider.server.main`. Nothing here imports cdktf, and boto3 is imported only when
a resource first calls the service, so that the many short launches Terraform makes stay fast.
"""
