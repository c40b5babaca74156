"""What policygen relies on in the `tf` framework (provider/tfserve.py, provider/protocol.py).

These fail when a new tf release changes what the seam uses, before Terraform shows a cryptic error.
"""

from __future__ import annotations

import inspect
from typing import Any

from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2 as stdio_pb
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc
from tf.provider import ProviderServicer
from tf.types import Unknown
from tf.utils import read_dynamic_value, to_dynamic_value

from policygen._names import POLICY_GENERATION_TYPE
from policygen.provider.configuration import PolicygenProvider


class _Recorder:
    """Stands for a grpc.Server: records the services that an ``add_…_to_server`` function registers."""

    def __init__(self) -> None:
        self.services: dict[str, list[str]] = {}

    def add_generic_rpc_handlers(self, handlers: tuple[Any, ...]) -> None:
        for handler in handlers:
            self.services.setdefault(handler.service_name(), [])

    def add_registered_method_handlers(self, service: str, methods: dict[str, Any]) -> None:
        self.services[service] = sorted(methods)


def test_the_generated_grpc_modules_register_the_services_terraform_calls() -> None:
    """tfserve's three registrations serve tfplugin6.Provider, go-plugin's controller and its stdio."""
    server = _Recorder()
    rpc.add_ProviderServicer_to_server(rpc.ProviderServicer(), server)
    controller_rpc.add_GRPCControllerServicer_to_server(controller_rpc.GRPCControllerServicer(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(stdio_rpc.GRPCStdioServicer(), server)
    assert set(server.services) == {"tfplugin6.Provider", "plugin.GRPCController", "plugin.GRPCStdio"}


def test_go_plugins_services_have_the_methods_tfserve_overrides() -> None:
    """plugin.GRPCController/Shutdown and plugin.GRPCStdio/StreamStdio, with Shutdown answering an Empty."""
    controller = controller_pb.DESCRIPTOR.services_by_name["GRPCController"]
    stdio = stdio_pb.DESCRIPTOR.services_by_name["GRPCStdio"]
    assert (controller.full_name, [m.name for m in controller.methods]) == ("plugin.GRPCController", ["Shutdown"])
    assert (stdio.full_name, [m.name for m in stdio.methods]) == ("plugin.GRPCStdio", ["StreamStdio"])
    assert controller.methods_by_name["Shutdown"].output_type.full_name == "plugin.Empty"
    assert controller_pb.Empty().SerializeToString() == b""


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
