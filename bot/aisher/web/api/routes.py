"""The REST API's route table, and the installer that puts it on the HTTP server.

    POST /api/v1/analyze          AnalyzeRequest -> Report (kept for GET /reports/{id})
    GET  /api/v1/reports/{id}     -> Report or TraceReport
    GET  /api/v1/services         ?window=30m&until=… -> ServiceList
    GET  /api/v1/openapi.json     the OpenAPI 3.1 document of the routes above (no key needed)

One table both installs the routes and generates the OpenAPI document, so the two cannot
disagree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from aisher.analysis.report import Report, TraceReport
from aisher.web.api.handlers import analyze, get_report, guarded, list_services
from aisher.web.api.models import AnalyzeRequest, ServiceList, ServicesQuery
from aisher.web.api.openapi import Operation, openapi_document
from aisher.web.api.rest_api import REST_API, RestApi

PREFIX = "/api/v1"
OPENAPI_PATH = f"{PREFIX}/openapi.json"
OPENAPI_DOCUMENT: web.AppKey[dict[str, Any]] = web.AppKey("openapi_document", dict)


async def serve_openapi(request: web.Request) -> web.Response:
    """GET /api/v1/openapi.json: the document, without a key (it describes, it reveals nothing)."""
    return web.json_response(request.app[OPENAPI_DOCUMENT])


Handler = Callable[..., Awaitable[web.Response]]

ROUTES: tuple[tuple[Operation, Handler], ...] = (
    (
        Operation(
            method="POST",
            path=f"{PREFIX}/analyze",
            operation_id="analyze",
            summary="Explain why a service fails in a time window; the report is kept by id",
            body=AnalyzeRequest,
            responses=(Report,),
            errors=(400, 404, 413, 503),
        ),
        analyze,
    ),
    (
        Operation(
            method="GET",
            path=f"{PREFIX}/reports/{{id}}",
            operation_id="getReport",
            summary="A report made earlier, through this API or in Slack",
            responses=(Report, TraceReport),
            errors=(404,),
        ),
        get_report,
    ),
    (
        Operation(
            method="GET",
            path=f"{PREFIX}/services",
            operation_id="listServices",
            summary="Services that sent spans in a window, with span and error counts",
            query=ServicesQuery,
            responses=(ServiceList,),
            errors=(400, 503),
        ),
        list_services,
    ),
    (
        Operation(
            method="GET",
            path=OPENAPI_PATH,
            operation_id="openapi",
            summary="This OpenAPI 3.1 document",
            responses=(),
            authenticated=False,
        ),
        serve_openapi,
    ),
)


def install_rest_api(app: web.Application, api: RestApi) -> None:
    """Add the REST API's routes and dependencies to `app` (before the app starts)."""
    app[REST_API] = api
    app[OPENAPI_DOCUMENT] = openapi_document([operation for operation, _ in ROUTES])
    for operation, handler in ROUTES:
        served = guarded(handler) if operation.authenticated else handler
        app.router.add_route(operation.method, operation.path, served)
