"""Which resource of this configuration holds which client token, to catch two that would share a job.

Access Analyzer answers a client token it has seen with the job it started, so two resources whose
requests derive the same token would share one job, and destroying one would cancel the other's.
Terraform never tells a provider a resource's address, but it plans every resource instance of a
provider configuration in one provider process: the tokens seen there are compared here.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from tf.utils import Diagnostics

_FIX = (
    "Tell them apart with `instance_key` (for example `instance_key = each.key`, or any string unique "
    "to each) or with `triggers = { key = each.key }`; each then gets a job of its own."
)


def describe(state: dict[str, Any]) -> str:
    """The request in a few words: principal, trails and window."""
    trails = ", ".join(str(t.get("cloud_trail_arn")) for t in state.get("trails") or [] if isinstance(t, dict))
    window = (
        f"the last {state['lookback_days']} days" if state.get("lookback_days") else f"from {state.get('start_time')}"
    )
    if state.get("end_time"):
        window += f" to {state['end_time']}"
    return f"principal {state.get('principal_arn')}, trails {trails or '(none)'}, {window}"


class Claims:
    """Client tokens of one plan, each with the resource that holds or will get its job."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders: dict[str, str] = {}
        self._creates = itertools.count(1)

    def claim_existing(self, state: dict[str, Any]) -> None:
        """Note the token of a resource in state (refresh, or the plan of an existing resource)."""
        token, job_id = state.get("client_token"), state.get("job_id")
        if isinstance(token, str) and isinstance(job_id, str):
            with self._lock:
                self._holders.setdefault(token, f"job {job_id}")

    def claim_for_create(self, diags: Diagnostics, token: str, config: dict[str, Any]) -> None:
        """Take ``token`` for a resource about to be created; report it when another holds it."""
        with self._lock:
            holder = self._holders.get(token)
            if holder is None:
                self._holders[token] = f"create {next(self._creates)}"
                return
        if holder.startswith("job "):
            other = (
                f"the {holder} in state: another resource of this configuration, or this resource's own "
                "tainted object"
            )
        else:
            other = "another resource that this plan creates"
        diags.add_error(
            "Two policy generations would share one job",
            f"This resource's request ({describe(config)}) derives the client token {token}, which {other} "
            f"holds too. Access Analyzer would give both the same job, and destroying one would cancel the "
            f"other's. {_FIX}",
        )
