"""Which resource of this configuration would get which job, to catch two that would share one.

Access Analyzer answers a client token it has seen with the job it started, so two resources whose
requests derive the same token would share one job, and destroying one would cancel the other's.
Terraform never tells a provider a resource's address, but it plans every resource instance of a
provider configuration in one provider process: the tokens seen there are compared here. A create's
token is derived only at apply (see :mod:`.creation`), so its plan claims the token it would derive
if applied now: two resources that would share a job today are told apart before anything starts.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

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
        self._planned = 0

    @property
    def creates(self) -> int:
        """How many creates this plan holds so far (each with a token of its own)."""
        with self._lock:
            return self._planned

    def claim_existing(self, state: dict[str, Any]) -> str | None:
        """Note the token of a resource kept in state (its plan); the error's detail when a create would take it.

        Only the plan of a resource that stays (PlanResourceChange with its prior state) claims:
        a tainted object, which Terraform replaces without planning it, is left to its
        replacement, which steps past its job (see :mod:`.creation`).
        """
        token, job_id = state.get("client_token"), state.get("job_id")
        if not (isinstance(token, str) and isinstance(job_id, str)):
            return None
        with self._lock:
            holder = self._holders.setdefault(token, f"job {job_id}")
        if not holder.startswith("create "):
            return None
        return (
            f"Another resource that this plan creates would derive the client token {token} of this resource's "
            f"job {job_id} ({describe(state)}) if applied now. Access Analyzer would give both the same job, and "
            f"destroying one would cancel the other's. {_FIX}"
        )

    def claim_for_create(self, token: str, config: dict[str, Any]) -> str | None:
        """Take ``token`` for a resource about to be created; the error's detail when another holds it."""
        with self._lock:
            holder = self._holders.get(token)
            if holder is None:
                self._holders[token] = f"create {next(self._creates)}"
                self._planned += 1
                return None
        if holder.startswith("job "):
            other = f"the {holder} in state, of another resource of this configuration,"
        else:
            other = "another resource that this plan creates"
        return (
            f"This resource's request ({describe(config)}) would derive the client token {token} if applied now, "
            f"which {other} "
            f"holds too. Access Analyzer would give both the same job, and destroying one would cancel the "
            f"other's. {_FIX}"
        )


#: The summary of the error :meth:`Claims.claim_for_create` describes.
SHARED_JOB = "Two policy generations would share one job"
