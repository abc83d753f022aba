"""The custom-resource protocol itself, independent of what the deploy steps do."""

from __future__ import annotations

import pytest

from shared import custom_resource
from tests.deploy.conftest import ResponseUrl, custom_resource_event
from tools import pg
from tools.lambda_events import FakeLambdaContext


def test_attributes_are_strings_and_oversized_ones_are_left_out(response_url: ResponseUrl) -> None:
    def steps() -> dict[str, object]:
        return {"SchemaVersion": 20, "Applied": ["0001_a", "0002_b"], "Huge": ["x" * 100] * 100}

    custom_resource.run(
        custom_resource_event("Create", response_url.url), FakeLambdaContext(), steps
    )

    assert response_url.only["Data"] == {"SchemaVersion": "20", "Applied": "0001_a,0002_b"}


def test_a_response_url_that_cannot_be_reached_raises_so_lambda_retries() -> None:
    unreachable = f"http://127.0.0.1:{pg.free_port()}/cfn-response"

    with pytest.raises(OSError):
        custom_resource.respond(
            custom_resource_event("Delete", unreachable), "SUCCESS", physical_id="x"
        )


def test_only_http_response_urls_are_used() -> None:
    with pytest.raises(ValueError, match="http"):
        custom_resource.respond(
            custom_resource_event("Delete", "file:///etc/passwd"), "SUCCESS", physical_id="x"
        )
