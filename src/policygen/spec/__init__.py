"""The policy generation spec: load YAML/JSON files, validate them, and hand out :class:`Spec` objects.

Shared by the CLI (``policygen validate``), the constructs (at synth) and the provider (at plan).
A file holds one generation or many (``version: 1``, ``defaults``, ``generations``); see
``docs/spec.md`` for both forms and every rule.

The public names are loaded on first use, as :mod:`policygen`'s are: the file loader brings
ruamel.yaml, and jsonschema is imported only to word the errors of a document that fails the schema
(:mod:`policygen.spec.conforms`), so the provider's launches, which check documents Terraform hands
over, pay neither.

May import: :mod:`policygen.errors` only: everything else builds on the spec.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Spec": "policygen.spec.model",
    "Trail": "policygen.spec.model",
    "build_spec": "policygen.spec.model",
    "derive_client_token": "policygen.spec.model",
    "resolve_request": "policygen.spec.model",
    "terraform_identifier": "policygen.spec.model",
    "check_request": "policygen.spec.checks",
    "deep_merge": "policygen.spec.generations",
    "check_paths": "policygen.spec.load",
    "document_findings": "policygen.spec.analysis",
    "from_document": "policygen.spec.load",
    "load_paths": "policygen.spec.load",
    "schema": "policygen.spec.analysis",
    "spec_files": "policygen.spec.load",
}

__all__ = [
    "Spec",
    "Trail",
    "build_spec",
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

if TYPE_CHECKING:
    from policygen.spec.analysis import document_findings
    from policygen.spec.checks import check_request
    from policygen.spec.generations import deep_merge
    from policygen.spec.load import check_paths, from_document, load_paths, schema, spec_files
    from policygen.spec.model import Spec, Trail, build_spec, derive_client_token, resolve_request, terraform_identifier


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'policygen.spec' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
