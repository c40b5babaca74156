"""Builders of policy documents for the policy tests: JSON text laid out as people write it."""

from __future__ import annotations

import json
from typing import Any

VERSION = "2012-10-17"
BUCKET = "arn:aws:s3:::app-data"
ROLE = "arn:aws:iam::123456789012:role/AppRole"


def policy(*statements: dict[str, Any], version: str | None = VERSION) -> str:
    """A policy document with these statements, indented by two spaces."""
    document: dict[str, Any] = {"Version": version} if version else {}
    document["Statement"] = list(statements)
    return json.dumps(document, indent=2)


def allow(actions: str | list[str], resources: str | list[str] = "*", **elements: Any) -> dict[str, Any]:
    """An Allow statement (``not_action=...`` and the like go in as ``NotAction``)."""
    return _statement("Allow", actions, resources, elements)


def deny(actions: str | list[str], resources: str | list[str] = "*", **elements: Any) -> dict[str, Any]:
    """A Deny statement."""
    return _statement("Deny", actions, resources, elements)


def _statement(
    effect: str, actions: str | list[str], resources: str | list[str], elements: dict[str, Any]
) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if "Sid" in elements:
        statement["Sid"] = elements.pop("Sid")
    statement["Effect"] = effect
    statement["NotAction" if elements.pop("not_action", False) else "Action"] = actions
    statement["NotResource" if elements.pop("not_resource", False) else "Resource"] = resources
    statement.update(elements)
    return statement


def codes(findings: Any) -> list[str]:
    """The issue codes of findings, in order."""
    return [f.issue_code for f in findings]
