"""JSON errors for every HTTP answer that is not a success.

Every error body is `{"error": {"code": "...", "message": "..."}}`: `code` is stable and meant
for programs (Alertmanager's logs, scripts, the REST clients), `message` is for people. The
middleware turns aiohttp's own errors (404, 405, 413 …) and unexpected exceptions into the same
shape, so no route ever answers with an HTML page or a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import StrEnum

from aiohttp import web
from aiohttp.typedefs import Handler

log = logging.getLogger(__name__)


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    MALFORMED_JSON = "malformed_json"
    INVALID_PAYLOAD = "invalid_payload"
    WEBHOOK_DISABLED = "webhook_disabled"
    QUEUE_FULL = "queue_full"
    SHUTTING_DOWN = "shutting_down"
    INTERNAL = "internal_error"
    HTTP_ERROR = "http_error"


_CODES_BY_STATUS = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
}


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """A JSON error answer with `status`, a stable `code` and a human `message`."""
    return web.json_response(
        {"error": {"code": code.value, "message": message}}, status=status, headers=headers
    )


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer aiohttp's HTTP errors and unexpected exceptions as JSON errors."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _CODES_BY_STATUS.get(exc.status, ErrorCode.HTTP_ERROR)
        headers = {
            name: value
            for name, value in exc.headers.items()
            if name.lower() in ("allow", "retry-after", "www-authenticate")
        }
        return error_response(exc.status, code, exc.reason, headers=headers)
    except Exception:
        log.exception("unhandled error answering %s %s", request.method, request.path)
        return error_response(500, ErrorCode.INTERNAL, "internal error; see the server log")
