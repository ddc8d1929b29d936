"""GET /api/v1/openapi.json: a valid OpenAPI 3.1 document of exactly the routes the server
serves, with the schemas of the models the handlers use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from openapi_spec_validator import validate

from aisher.analysis.report import Report
from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.web.api import PREFIX, ROUTES
from aisher.web.api.models import AnalyzeRequest, ErrorResponse
from aisher.web.api.openapi import REF_TEMPLATE
from tests.web.api_client import ApiClient, api_settings, serving_api


@pytest.fixture
async def client(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, tmp_path: Path
) -> AsyncIterator[ApiClient]:
    async with serving_api(api_settings(clickhouse_settings, tmp_path)) as api_client:
        yield api_client


def served_routes(app: web.Application) -> set[tuple[str, str]]:
    """(method, path) of every route under the API prefix the application serves."""
    return {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith(PREFIX)
        and route.method != "HEAD"
    }


def documented_routes(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, item in document["paths"].items() for method in item}


class TestOpenApiDocument:
    async def test_is_served_without_a_key_and_validates(self, client: ApiClient) -> None:
        """The document is public and valid OpenAPI 3.1."""
        answer = await client.call("GET", "/api/v1/openapi.json", headers={})
        assert answer.status == 200
        assert answer.body["openapi"].startswith("3.1")
        validate(answer.body)

    async def test_lists_exactly_the_served_routes(self, client: ApiClient) -> None:
        """The document's paths and methods are the router's routes under /api/v1."""
        answer = await client.call("GET", "/api/v1/openapi.json")
        assert documented_routes(answer.body) == served_routes(client.app)
        assert len(served_routes(client.app)) == len(ROUTES) == 4

    async def test_schemas_come_from_the_handlers_models(self, client: ApiClient) -> None:
        """Request, report and error schemas are the pydantic models' own JSON schemas."""
        document = (await client.call("GET", "/api/v1/openapi.json")).body
        schemas = document["components"]["schemas"]
        analyze = document["paths"]["/api/v1/analyze"]["post"]
        body_ref = analyze["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert body_ref == "#/components/schemas/AnalyzeRequest"
        own = AnalyzeRequest.model_json_schema(ref_template=REF_TEMPLATE)
        assert schemas["AnalyzeRequest"] == own
        report = Report.model_json_schema(mode="serialization", ref_template=REF_TEMPLATE)
        assert schemas["Report"]["properties"] == report["properties"]
        error = ErrorResponse.model_json_schema(mode="serialization", ref_template=REF_TEMPLATE)
        assert schemas["ErrorResponse"] == {k: v for k, v in error.items() if k != "$defs"}

    async def test_every_keyed_route_declares_bearer_security_and_its_errors(
        self, client: ApiClient
    ) -> None:
        """A bearer scheme is required globally; keyed routes document 401, 403 and 429."""
        document = (await client.call("GET", "/api/v1/openapi.json")).body
        assert document["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
        assert document["security"] == [{"apiKey": []}]
        for path, item in document["paths"].items():
            for operation in item.values():
                if path.endswith("openapi.json"):
                    assert operation["security"] == []
                else:
                    assert {"401", "403", "429"} <= set(operation["responses"])
                    assert "Retry-After" in operation["responses"]["429"]["headers"]

    async def test_every_error_code_the_api_answers_is_in_the_schema(
        self, client: ApiClient
    ) -> None:
        """The error code enum in the document names the codes clients can expect."""
        document = (await client.call("GET", "/api/v1/openapi.json")).body
        codes = set(document["components"]["schemas"]["ApiErrorCode"]["enum"])
        assert {
            "bad_request",
            "unauthorized",
            "api_disabled",
            "rate_limited",
            "not_found",
            "payload_too_large",
            "unknown_service",
            "bad_window",
            "unavailable",
            "internal_error",
        } == codes
