"""Routing: an HTTP method and path to an operation of the ``accessanalyzer`` model.

The route table is built from the model's ``http.requestUri`` templates, so every operation of the
service is recognised. The endpoint implements the four policy-generation operations and the
three policy checks (:mod:`policygen.emulator.policy_checks`); a request for any other operation
of the service is answered with a ``ValidationException`` whose reason is ``notSupported`` (a
modelled error that every SDK can parse), and a request that matches no operation at all is
answered as AWS's front door answers it, ``UnknownOperationException`` (404).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from policygen.emulator.exceptions import UnknownOperationException, ValidationException
from policygen.emulator.policy_checks import OPERATIONS as POLICY_CHECKS
from policygen.emulator.validation import service_model

IMPLEMENTED = (
    frozenset({"StartPolicyGeneration", "GetGeneratedPolicy", "ListPolicyGenerations", "CancelPolicyGeneration"})
    | POLICY_CHECKS
)


@dataclass(frozen=True)
class Route:
    """One operation's method and path template, compiled to a regular expression."""

    operation: str
    method: str
    pattern: re.Pattern[str]


def _compile(template: str) -> re.Pattern[str]:
    """``/a/{label}/b/{greedy+}`` to a regex with one named group per label."""
    path = template.split("?", 1)[0]
    parts = re.split(r"(\{[^}]+\})", path)
    regex = ""
    for part in parts:
        if part.startswith("{"):
            label = part[1:-1]
            greedy = label.endswith("+")
            regex += f"(?P<{label.rstrip('+')}>{'.+' if greedy else '[^/]+'})"
        else:
            regex += re.escape(part)
    return re.compile(f"^{regex}$")


@cache
def routes() -> tuple[Route, ...]:
    """Every operation of the service, literal paths first so they win over templated ones."""
    model = service_model()
    table = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        table.append(Route(name, http["method"], _compile(http["requestUri"])))
    # A route with fewer labels is more specific: /policy/generation before /policy/{x}.
    return tuple(sorted(table, key=lambda r: r.pattern.pattern.count("(?P<")))


def resolve(method: str, path: str) -> tuple[str, dict[str, str]]:
    """The implemented operation for a request and its path labels; raises when there is none."""
    for route in routes():
        match = route.pattern.match(path)
        if route.method == method and match:
            if route.operation not in IMPLEMENTED:
                raise ValidationException(
                    f"The operation {route.operation} is not supported by this endpoint, which "
                    f"emulates only {', '.join(sorted(IMPLEMENTED))}.",
                    reason="notSupported",
                )
            return route.operation, match.groupdict()
    raise UnknownOperationException()


def operation_of(method: str, path: str) -> str | None:
    """The implemented operation a request is for, or None (for fault injection's filter)."""
    try:
        return resolve(method, path)[0]
    except (UnknownOperationException, ValidationException):
        return None
