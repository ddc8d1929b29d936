"""The REST API's errors: stable codes, the HTTP status of each, and the analysis's own errors
translated into them.

Handlers raise `ApiError`; the route guard answers it as `{"error": {"code", "message"}}`, the
shape every error of the HTTP server has (see `aisher.web.errors`), plus `suggestions` for an
unknown service. Codes are for programs and never change meaning; messages are for people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from aiohttp import web

from aisher.errors import (
    AisherError,
    DataSourceError,
    InputError,
    UnknownServiceError,
    WindowError,
)

# A ClickHouse outage usually lasts longer than a client's patience; half a minute is a fair
# first wait before asking again.
UNAVAILABLE_RETRY_AFTER_S = 30


class ApiErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    API_DISABLED = "api_disabled"
    RATE_LIMITED = "rate_limited"
    NOT_FOUND = "not_found"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNKNOWN_SERVICE = "unknown_service"
    BAD_WINDOW = "bad_window"
    UNAVAILABLE = "unavailable"
    # The same code the server's middleware uses for an unexpected exception anywhere.
    INTERNAL = "internal_error"


class ApiError(Exception):
    """An answer other than success: status, stable code, message, and extra headers."""

    def __init__(
        self,
        status: int,
        code: ApiErrorCode,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.suggestions = tuple(suggestions)

    def body(self) -> dict[str, object]:
        detail: dict[str, object] = {"code": self.code.value, "message": self.message}
        if self.suggestions:
            detail["suggestions"] = list(self.suggestions)
        return {"error": detail}

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.status, headers=self.headers)


def translate(error: AisherError) -> ApiError:
    """The API error for an error the analysis raised on purpose."""
    if isinstance(error, UnknownServiceError):
        return ApiError(
            404, ApiErrorCode.UNKNOWN_SERVICE, str(error), suggestions=error.suggestions
        )
    if isinstance(error, WindowError):
        return ApiError(400, ApiErrorCode.BAD_WINDOW, str(error))
    if isinstance(error, InputError):
        return ApiError(400, ApiErrorCode.BAD_REQUEST, str(error))
    if isinstance(error, DataSourceError):
        return ApiError(
            503,
            ApiErrorCode.UNAVAILABLE,
            # The detail (hosts, queries) is for the server log, not for API clients.
            "the trace store (ClickHouse) could not answer; retry later",
            headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)},
        )
    return ApiError(500, ApiErrorCode.INTERNAL, "internal error; see the server log")
