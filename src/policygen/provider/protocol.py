"""What the ``tf`` framework's gRPC servicer cannot express, added on top of it.

The framework plans a create by copying the configuration, decides "requires replacement" by
itself, and knows nothing of private data or of Terraform asking it to stop. Our rules (in
``rules/``, which import no tf) need the protocol's requests as they are:

- **The plan of a create promises only what its apply can keep.** The resource judges the rules
  that depend on the current time and shows ``start_time`` where the configuration decides it
  (:meth:`PolicyGenerationHandler.plan_create`); a derived client token stays "(known after
  apply)". Terraform plans the create half of a replacement with the private data the first
  call planned, ``{"replaces": JOB_ID}``, so the claims check of that plan knows the old job.
- **A resource kept in state** whose job the refresh found unknown, or ended outside Terraform, is
  told at plan (:meth:`PolicyGenerationHandler.plan_existing`).
- **Ctrl-C keeps the job.** StopProvider sets the provider's ``interrupted`` event: waits end,
  and a create that was waiting returns its job (tainted) with ``"resume": true`` in the
  object's private data (which always names its job: ``{"job": JOB_ID}``), kept in Terraform's
  state. The replacement's delete of such an object
  leaves the job running, and its create carries on waiting for it.
- **An import is reconciled in place, once.** Access Analyzer never returns some of the request
  (the access role, a relative window, triggers, the client token), so import leaves them null,
  and the framework would replace, that is restart, a job that matches the configuration. While
  ``client_token`` is null (only import leaves it so) a change from null to a value is planned in
  place, and that plan records ``client_token = ""`` (no token known), which ends the exception:
  from then on every input forces replacement, as for a created resource.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import grpc
from tf.gen import tfplugin_pb2 as pb
from tf.provider import ProviderServicer
from tf.utils import Diagnostics, read_dynamic_value, to_dynamic_value

from policygen._names import POLICY_GENERATION_TYPE
from policygen.provider.policy_generation import PolicyGenerationHandler
from policygen.provider.rules.claims import SHARED_JOB


class PolicygenServicer(ProviderServicer):
    """The framework's servicer, with the plan rules above."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        #: Set once Terraform (go-plugin's Shutdown) ends the process (see provider/tfserve.py).
        self.stopped = threading.Event()

    def StopProvider(self, request: pb.StopProvider.Request, context: grpc.ServicerContext) -> Any:  # gRPC name
        # Terraform asks in-flight calls to end soon (Ctrl-C), and waits for them: the server keeps
        # serving so that a create can still return its job; go-plugin's Shutdown ends the process.
        self.app.interrupted.set()
        return super().StopProvider(request, context)

    def PlanResourceChange(  # the gRPC method's name
        self, request: pb.PlanResourceChange.Request, context: grpc.ServicerContext
    ) -> Any:
        response = super().PlanResourceChange(request, context)
        if request.type_name != POLICY_GENERATION_TYPE or _has_errors(response.diagnostics):
            return response
        resource = PolicyGenerationHandler(self.app)
        prior = read_dynamic_value(request.prior_state)
        planned = read_dynamic_value(response.planned_state)
        if planned is None:
            return response
        if prior is None:
            diags = Diagnostics()
            # The first call of a -replace planned {"replaces": JOB}.
            replaces = _private(request.prior_private).get("replaces")
            planned.update(resource.plan_create(diags, read_dynamic_value(request.config), replaces))
            response.diagnostics.extend(diags.to_pb())
        else:
            diags = Diagnostics()
            if problem := resource.provider.claims.claim_existing(prior):
                diags.add_error(SHARED_JOB, problem)
            resource.plan_existing(diags, prior)
            response.diagnostics.extend(diags.to_pb())
            if isinstance(prior.get("job_id"), str):
                response.planned_private = json.dumps({"replaces": prior["job_id"]}).encode()
            if prior.get("client_token") is None:  # imported, not reconciled yet
                _plan_reconciliation(response, prior, planned, read_dynamic_value(request.config))
        response.planned_state.CopyFrom(to_dynamic_value(planned))
        return response


def _plan_reconciliation(
    response: pb.PlanResourceChange.Response, prior: dict[str, Any], planned: dict[str, Any], config: dict[str, Any]
) -> None:
    """Plan the first apply after an import: record configured values in place (see the module docstring)."""
    keep = [
        path
        for path in response.requires_replace
        if not (path.steps and prior.get(path.steps[0].attribute_name) is None)
    ]
    del response.requires_replace[:]
    response.requires_replace.extend(keep)
    planned["client_token"] = config.get("client_token") or ""


def _private(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _has_errors(diagnostics: Any) -> bool:
    return any(d.severity == pb.Diagnostic.ERROR for d in diagnostics)
