"""How the provider's resources and data sources report failures, and what they need of the provider.

Resources sit below the provider configuration (provider.py imports them), so they see the
provider only through :class:`ProviderContext`, the state it shares with them.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from policygen.errors import PolicygenError
from policygen.provider.recent import RecentJobs
from policygen.provider.rules.claims import Claims
from policygen.provider.rules.memory import ProcessMemory

if TYPE_CHECKING:  # the client module is imported when the provider is configured
    from policygen.aws.client import AccessAnalyzer

log = logging.getLogger("policygen.provider")

F = TypeVar("F", bound=Callable[..., Any])


class ProviderContext(Protocol):
    """What a resource or data source uses of the configured provider."""

    @property
    def service(self) -> AccessAnalyzer: ...

    claims: Claims
    recent: RecentJobs
    memory: ProcessMemory
    #: Set when Terraform asks the provider to stop (SIGINT): waits end, creates return their job.
    interrupted: threading.Event
    #: The provider block's ``allow_later_days``.
    allow_later_days: bool


def diagnosed(fallback: Callable[..., Any]) -> Callable[[F], F]:
    """Report every failure of a resource method as a Terraform diagnostic, never as a crash.

    ``fallback(*args)`` gives the value to return after a failure (for read: the current state, so
    that a failed refresh never drops a job from state). An unexpected exception shows its message;
    its traceback goes to the provider's log (``TF_LOG=debug``).
    """

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Any, ctx: Any, *args: Any) -> Any:
            try:
                return method(self, ctx, *args)
            except PolicygenError as exc:
                ctx.diagnostics.add_error(_summary(method.__name__, ctx.type_name), str(exc))
            except Exception as exc:
                log.exception("%s.%s failed", ctx.type_name, method.__name__)
                ctx.diagnostics.add_error(
                    _summary(method.__name__, ctx.type_name),
                    f"Unexpected {type(exc).__name__}: {exc}. This is a bug in policygen; "
                    "the traceback is in the provider log (run with TF_LOG=debug) - please report it.",
                )
            return fallback(*args)

        return wrapper  # type: ignore[return-value]

    return wrap


def _summary(method: str, type_name: str) -> str:
    verb = {"create": "start", "read": "refresh", "delete": "cancel", "import_": "import"}.get(method, method)
    if type_name.endswith("generated_policy"):
        verb = "read"
    return f"Could not {verb} {type_name}"
