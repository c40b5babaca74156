"""What the ``tf`` framework's gRPC servicer cannot express, added on top of it.

The framework decides "requires replacement" by itself: any change of an attribute marked
``requires_replace``. For an imported job that is wrong: Access Analyzer never returns some of the
request (the access role, a relative window, the client token), so import leaves them null, and the
first plan would replace, that is restart, a job that matches the configuration. Here a change from
null to a value on an imported job (recognisable by its null ``client_token``, which create always
sets) is planned as an in-place update that only records the configured value.
"""

from __future__ import annotations

from typing import Any

import grpc
from tf.gen import tfplugin_pb2 as pb
from tf.provider import ProviderServicer
from tf.utils import read_dynamic_value

from policygen._names import POLICY_GENERATION_TYPE


class PolicygenServicer(ProviderServicer):
    """The framework's servicer, with the import rule above."""

    def PlanResourceChange(  # the gRPC method's name
        self, request: pb.PlanResourceChange.Request, context: grpc.ServicerContext
    ) -> Any:
        response = super().PlanResourceChange(request, context)
        if request.type_name != POLICY_GENERATION_TYPE or not response.requires_replace:
            return response
        prior = read_dynamic_value(request.prior_state)
        if not prior or prior.get("client_token") is not None:
            return response
        keep = [
            path
            for path in response.requires_replace
            if not (path.steps and prior.get(path.steps[0].attribute_name) is None)
        ]
        del response.requires_replace[:]
        response.requires_replace.extend(keep)
        return response
