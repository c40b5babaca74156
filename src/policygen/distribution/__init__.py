"""The self-contained provider package: a frozen provider that needs no Python, and its distribution.

- :mod:`~policygen.distribution.freeze` builds the provider into one folder with PyInstaller;
- :mod:`~policygen.distribution.release` zips it as a provider release, writes the filesystem and
  network mirrors, and the ``.terraform.lock.hcl`` entry;
- :mod:`~policygen.distribution.hashes` computes Terraform's ``zh:`` and ``h1:`` hashes.

``policygen package`` (and ``make package``) is the command; see README, "The provider package".
The development launcher, which runs the provider from a Python environment, is
:mod:`policygen.distribution.launcher`.

May import: :mod:`policygen.errors` and ``_names``; PyInstaller only when building.
Must not import the provider, the constructs or the CLI (it packages the provider by module name).
"""
