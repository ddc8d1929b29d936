"""The REST API under /api/v1: analyses, reports, services, and its OpenAPI document.

    install_rest_api(app, rest_api_for(settings, runtime, link))

Every route but the document needs `Authorization: Bearer <key>` with a key from
`AISHER_API_KEYS` and is rate limited per key; errors are `{"error": {"code", "message"}}`.
"""

from aisher.web.api.errors import ApiError, ApiErrorCode
from aisher.web.api.keys import ApiKeys
from aisher.web.api.rate_limit import RateLimiter
from aisher.web.api.rest_api import REST_API, RestApi, rest_api_for
from aisher.web.api.routes import OPENAPI_PATH, PREFIX, ROUTES, install_rest_api

__all__ = [
    "OPENAPI_PATH",
    "PREFIX",
    "REST_API",
    "ROUTES",
    "ApiError",
    "ApiErrorCode",
    "ApiKeys",
    "RateLimiter",
    "RestApi",
    "install_rest_api",
    "rest_api_for",
]
