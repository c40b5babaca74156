"""What policygen relies on in the `tf` framework (provider/tfserve.py, provider/protocol.py).

These fail when a new tf release changes what the seam uses, before Terraform shows a cryptic error.
"""

from __future__ import annotations

import inspect

from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc
from tf.provider import ProviderServicer
from tf.types import Unknown
from tf.utils import read_dynamic_value, to_dynamic_value

from policygen._names import POLICY_GENERATION_TYPE
from policygen.provider.configuration import PolicygenProvider


def test_the_generated_grpc_modules_have_what_serve_registers() -> None:
    """tfserve registers the provider, go-plugin's controller and stdio services from tf.gen."""
    assert callable(rpc.add_ProviderServicer_to_server)
    assert callable(controller_rpc.add_GRPCControllerServicer_to_server)
    assert callable(stdio_rpc.add_GRPCStdioServicer_to_server)
    assert hasattr(controller_rpc.GRPCControllerServicer, "Shutdown")
    assert hasattr(stdio_rpc.GRPCStdioServicer, "StreamStdio")
    assert controller_pb.Empty() is not None


def test_the_servicer_methods_policygen_overrides_take_request_and_context() -> None:
    """PolicygenServicer overrides PlanResourceChange and StopProvider and calls tf's own with (request, context)."""
    for name in ("PlanResourceChange", "StopProvider"):
        parameters = list(inspect.signature(getattr(ProviderServicer, name)).parameters)
        assert parameters == ["self", "request", "context"], name
    assert "app" in inspect.signature(ProviderServicer.__init__).parameters


def test_tf_plans_a_create_with_computed_attributes_unknown() -> None:
    """The create plan policygen completes: tf leaves computed attributes unknown and config values as given."""
    servicer = ProviderServicer(PolicygenProvider())
    config = {"principal_arn": "arn:aws:iam::123456789012:role/app", "lookback_days": 7}
    schema_attributes = {a.name for a in PolicygenProvider().get_resources()[0].get_schema().attributes}
    full = {name: config.get(name) for name in schema_attributes}
    response = servicer.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=POLICY_GENERATION_TYPE,
            prior_state=to_dynamic_value(None),
            proposed_new_state=to_dynamic_value(full),
            config=to_dynamic_value(full),
        ),
        None,
    )
    planned = read_dynamic_value(response.planned_state)
    assert planned["client_token"] is Unknown
    assert planned["start_time"] is Unknown
    assert planned["principal_arn"] == config["principal_arn"]
