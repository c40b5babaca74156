"""Fault injection: make a fraction of requests fail the ways AWS endpoints fail, reproducibly.

A fault is drawn for every request from ``random.Random(f"{seed}:{n}")``, where ``n`` counts the
requests the endpoint has received, so the same seed and the same sequence of requests give the
same faults, whatever else runs in the process. A fault has a kind and a phase:

* ``throttle``: ``ThrottlingException`` (429, ``Retry-After: 1``);
* ``internal``: ``InternalServerException`` (500);
* ``drop``: the connection is closed without a response (clients see a connection error);

``before`` the request is processed (nothing happens), or ``after`` it (the job is created or
cancelled, but the response is lost or replaced by the error): the case a client's retry with the
same ``clientToken`` must survive. ``latency`` adds a delay to every response.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field
from typing import Literal

from policygen.emulator.exceptions import AccessAnalyzerError, InternalServerException, ThrottlingException
from policygen.errors import InvalidArgumentError

FaultKind = Literal["throttle", "internal", "drop"]
FaultPhase = Literal["before", "after"]
FAULT_KINDS: tuple[FaultKind, ...] = ("throttle", "internal", "drop")
FAULT_PHASES: tuple[FaultPhase, ...] = ("before", "after")


@dataclass(frozen=True)
class FaultPlan:
    """Which faults to inject: the fraction of requests, their kinds and phases, latency, seed.

    Args:
        rate: Fraction of requests that fail, from 0 (none, the default) to 1 (all).
        kinds: Kinds to choose from, uniformly.
        phases: Phases to choose from, uniformly.
        latency: Seconds added before every response, faulty or not.
        seed: Seed of the draws; the same seed gives the same faults for the same requests.
        operations: Only requests for these operations may fail; empty (the default) means all.
    """

    rate: float = 0.0
    kinds: tuple[FaultKind, ...] = FAULT_KINDS
    phases: tuple[FaultPhase, ...] = FAULT_PHASES
    latency: float = 0.0
    seed: int = 0
    operations: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise InvalidArgumentError(f"The fault rate must be between 0 and 1; got {self.rate}.")
        if self.rate > 0 and not (self.kinds and self.phases):
            raise InvalidArgumentError("A fault rate above 0 needs at least one fault kind and one phase.")
        if not (math.isfinite(self.latency) and self.latency >= 0):  # NaN compares false to everything
            raise InvalidArgumentError(
                f"The latency must be a finite number of seconds, 0 or more; got {self.latency}."
            )


@dataclass(frozen=True)
class Fault:
    """One injected fault: which request (by count), its operation, kind and phase."""

    request: int
    operation: str | None
    kind: FaultKind
    phase: FaultPhase

    def error(self) -> AccessAnalyzerError | None:
        """The error to answer with; None for a dropped connection."""
        if self.kind == "throttle":
            return ThrottlingException("Rate exceeded", retry_after_seconds=1)
        if self.kind == "internal":
            return InternalServerException("Internal server error (injected fault)")
        return None


class FaultInjector:
    """Draws the fault of each request from a plan, and remembers the faults it injected."""

    def __init__(self, plan: FaultPlan | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(plan or FaultPlan())

    def configure(self, plan: FaultPlan) -> None:
        """Use a new plan and start counting requests from zero again."""
        with self._lock:
            self.plan = plan
            self._count = 0
            self.injected: list[Fault] = []

    def draw(self, operation: str | None) -> Fault | None:
        """The fault for the next request, if it gets one."""
        with self._lock:
            plan, n = self.plan, self._count
            self._count += 1
            if plan.rate <= 0 or (plan.operations and operation not in plan.operations):
                return None
            rng = random.Random(f"{plan.seed}:{n}")  # noqa: S311 - reproducible test faults, not security
            if rng.random() >= plan.rate:
                return None
            fault = Fault(n, operation, rng.choice(plan.kinds), rng.choice(plan.phases))
            self.injected.append(fault)
            return fault
