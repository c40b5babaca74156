"""The policy generation spec: load YAML/JSON files, validate them, and hand out :class:`Spec` objects.

Shared by the CLI (``policygen validate``), the constructs (at synth) and the provider (at plan).
A file holds one generation or many (``version: 1``, ``defaults``, ``generations``); see
``docs/spec.md`` for both forms and every rule.
"""

from policygen.spec.checks import check_request
from policygen.spec.generations import deep_merge
from policygen.spec.load import check_paths, document_findings, from_document, load_paths, schema, spec_files
from policygen.spec.model import Spec, Trail, derive_client_token, resolve_request, terraform_identifier

__all__ = [
    "Spec",
    "Trail",
    "check_paths",
    "check_request",
    "deep_merge",
    "derive_client_token",
    "document_findings",
    "from_document",
    "load_paths",
    "resolve_request",
    "schema",
    "spec_files",
    "terraform_identifier",
]
