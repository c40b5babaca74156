"""What the provider package trims from botocore changes nothing a client of the kept services does.

No package is built here (tests/e2e/test_package.py builds one): botocore is pointed at the
trimmed endpoints.json through its data path, and every request is caught before it is sent.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from policygen.distribution.freeze import BOTOCORE_SERVICES, trimmed_endpoints

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1", "sa-west-1")


class _Body:
    def stream(self, **_: Any) -> Any:
        yield b"{}"


def _request_of(service: str, region: str, data_path: Path | None) -> tuple[str, str]:
    """The URL and credential scope of one request a client of ``service`` makes in ``region``."""
    session = botocore.session.Session()
    if data_path is not None:
        session.set_config_variable("data_path", str(data_path))
        loaded = session.get_component("data_loader").load_data("endpoints")
        assert loaded == json.loads((data_path / "endpoints.json").read_text())  # the client reads the trimmed file
    client = session.create_client(
        service,
        region_name=region,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )
    model = client.meta.service_model
    operation = next(
        name for name in model.operation_names if "{" not in model.operation_model(name).http.get("requestUri", "/")
    )
    seen: list[tuple[str, str]] = []

    def catch(request: Any, **_: Any) -> AWSResponse:
        scope = request.headers.get("Authorization", b"")
        scope = scope.decode() if isinstance(scope, bytes) else scope
        seen.append((request.url, scope.split("Credential=")[-1].split(",")[0].split("/", 2)[-1]))
        return AWSResponse(request.url, 200, {}, _Body())

    client.meta.events.register("before-send", catch)
    with contextlib.suppress(Exception):  # the answer is a stub that some parsers refuse: only the request matters
        getattr(client, botocore.xform_name(operation))()
    return seen[0]


def test_the_trimmed_endpoints_keep_every_partition_and_only_the_kept_services() -> None:
    trimmed = json.loads(trimmed_endpoints())
    original = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
    assert [p["partition"] for p in trimmed["partitions"]] == [p["partition"] for p in original["partitions"]]
    for kept, full in zip(trimmed["partitions"], original["partitions"], strict=True):
        assert set(kept["services"]) == set(BOTOCORE_SERVICES) & set(full["services"])
        assert {k: v for k, v in kept.items() if k != "services"} == {k: v for k, v in full.items() if k != "services"}
    assert len(trimmed_endpoints()) < 100_000


@pytest.mark.parametrize("service", BOTOCORE_SERVICES)
def test_clients_of_the_kept_services_send_the_same_requests(tmp_path: Path, service: str) -> None:
    """Same URL, same signing Region and service, in every partition, with the trimmed file as without."""
    (tmp_path / "endpoints.json").write_text(trimmed_endpoints())
    for region in REGIONS:
        assert _request_of(service, region, tmp_path) == _request_of(service, region, None), region
