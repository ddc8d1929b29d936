"""The REST API's handlers, and the guard in front of each: key, then rate limit, then work.

Every handler takes the request, the `RestApi` and the caller's key id, and answers JSON made
from the models in `models`; whatever goes wrong on purpose is an `ApiError` the guard turns
into the JSON error answer. The audit trail names the caller by key id: the guard records its
refusals (no key, wrong key, over the limit) and `analyze` the questions it cannot ask; the
engine records every analysis it runs, as trigger `api` with the key id as requester.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from aisher.analysis.request import AnalysisRequest
from aisher.errors import AisherError, InputError
from aisher.ops.logging import log_context, new_id
from aisher.render.safe_text import one_line
from aisher.web.api.errors import ApiError, ApiErrorCode, translate
from aisher.web.api.keys import read_credential
from aisher.web.api.models import AnalyzeRequest, ServiceList, ServicesQuery
from aisher.web.api.rest_api import REST_API, RestApi
from aisher.window import TimeWindow, resolve_window

log = logging.getLogger(__name__)

KeyedHandler = Callable[[web.Request, RestApi, str], Awaitable[web.Response]]
_CHUNK_BYTES = 16 * 1024
_CHALLENGE = 'Bearer realm="aisher"'
# Report ids are 16 hex digits today; anything URL-safe and short is looked up.
_REPORT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SHOWN_VALIDATION_ERRORS = 3
TRIGGER = "api"
M = TypeVar("M", bound=BaseModel)


def guarded(handler: KeyedHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """`handler` behind the API key and the rate limit."""

    async def handle(request: web.Request) -> web.Response:
        api = request.app[REST_API]
        try:
            key_id = _authenticate(request, api)
            limits = await _within_limit(request, api, key_id)
            response = await handler(request, api, key_id)
        except ApiError as exc:
            return exc.response()
        response.headers.update(limits)
        return response

    return handle


def _authenticate(request: web.Request, api: RestApi) -> str:
    """The caller's key id, or the `ApiError` that refuses the request."""
    credential = read_credential(request.headers.get("Authorization"))
    if not api.keys.configured:
        _refuse(request, api, credential.key_id, ApiErrorCode.API_DISABLED)
        raise ApiError(
            403,
            ApiErrorCode.API_DISABLED,
            "the REST API is off: no API keys are configured; set AISHER_API_KEYS "
            "(comma-separated) on the server to turn it on",
        )
    key_id = api.keys.identify(credential)
    if key_id is not None:
        return key_id
    if credential.kind == "missing":
        message, error = "missing Authorization header: send `Bearer <API key>`", ""
    elif credential.kind == "malformed":
        message, error = "the Authorization header must be `Bearer <API key>`", "invalid_request"
    else:
        message, error = "unknown API key", "invalid_token"
    _refuse(request, api, credential.key_id, ApiErrorCode.UNAUTHORIZED)
    challenge = f'{_CHALLENGE}, error="{error}"' if error else _CHALLENGE
    raise ApiError(401, ApiErrorCode.UNAUTHORIZED, message, headers={"WWW-Authenticate": challenge})


async def _within_limit(request: web.Request, api: RestApi, key_id: str) -> dict[str, str]:
    """The rate-limit headers of an allowed request; a 429 `ApiError` over the limit."""
    decision = await api.limiter.take(key_id)
    limits = {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
    }
    if decision.allowed:
        return limits
    _refuse(request, api, key_id, ApiErrorCode.RATE_LIMITED)
    raise ApiError(
        429,
        ApiErrorCode.RATE_LIMITED,
        f"more than {decision.limit} requests in a minute with this key; "
        f"retry in {decision.retry_after_s}s",
        headers={**limits, "Retry-After": str(decision.retry_after_s)},
    )


def _refuse(
    request: web.Request,
    api: RestApi,
    key_id: str | None,
    code: ApiErrorCode,
    service: str | None = None,
) -> None:
    api.audit.record_refusal(
        trigger=TRIGGER, reason=code.value, who=key_id, service=service, remote=request.remote
    )


async def analyze(request: web.Request, api: RestApi, key_id: str) -> web.Response:
    """POST /api/v1/analyze: run one analysis, keep the report, answer it."""
    with log_context(request_id=new_id()):
        service: str | None = None
        try:
            question = _parse(AnalyzeRequest, await _read_body(request, api.max_body_bytes))
            service = question.service.strip()
            window = _window(api, question.window, question.until)
        except ApiError as exc:
            _refuse(request, api, key_id, exc.code, service)
            raise
        try:
            # The engine audits the analysis itself, success or failure, under this trigger.
            report = await api.engine.analyze(
                AnalysisRequest(
                    service=service,
                    window=window,
                    tenant=api.tenant,
                    refresh=question.refresh,
                    trigger=TRIGGER,
                    requester=key_id,
                )
            )
        except AisherError as exc:
            error = translate(exc)
            if error.status >= 500:
                log.warning("API analysis of %s failed: %s", one_line(service), exc)
            raise error from exc
        await api.reports.save(report.id, report)
        return web.json_response(report.to_dict())


async def get_report(request: web.Request, api: RestApi, key_id: str) -> web.Response:
    """GET /api/v1/reports/{id}: a report kept by the API or the Slack bot."""
    report_id = request.match_info["id"]
    report = await api.reports.load(report_id) if _REPORT_ID.fullmatch(report_id) else None
    if report is None:
        raise ApiError(
            404,
            ApiErrorCode.NOT_FOUND,
            f"no report {one_line(report_id, 64)!r}: unknown, or older than the reports kept",
        )
    return web.json_response(report.to_dict())


async def list_services(request: web.Request, api: RestApi, key_id: str) -> web.Response:
    """GET /api/v1/services: services that sent spans in the window, most errors first."""
    query = _parse_query(ServicesQuery, request)
    window = _window(api, query.window, query.until)
    try:
        stats = await api.directory.services(window)
    except AisherError as exc:
        raise translate(exc) from exc
    return web.json_response(ServiceList.of(window, stats).model_dump(mode="json"))


def _window(api: RestApi, window: str, until: str | None) -> TimeWindow:
    try:
        return resolve_window(window, until, now=api.clock(), retention_days=api.retention_days)
    except InputError as exc:
        raise translate(exc) from exc


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise ApiError(400, ApiErrorCode.BAD_REQUEST, _describe(exc)) from None


def _parse_query(model: type[M], request: web.Request) -> M:
    try:
        return model.model_validate({name: request.query[name] for name in request.query})
    except ValidationError as exc:
        raise ApiError(400, ApiErrorCode.BAD_REQUEST, _describe(exc)) from None


def _describe(error: ValidationError) -> str:
    """The first few problems as `field: what is wrong`, never repeating the input's values."""
    problems = []
    for item in error.errors(include_input=False, include_url=False)[:_SHOWN_VALIDATION_ERRORS]:
        where = ".".join(str(part) for part in item["loc"]) or "body"
        problems.append(f"{one_line(where, 60)}: {item['msg']}")
    more = error.error_count() - len(problems)
    suffix = f" (and {more} more)" if more > 0 else ""
    return "invalid request: " + "; ".join(problems) + suffix


async def _read_body(request: web.Request, limit: int) -> bytes:
    """The body, or a 413 as soon as it is known to exceed `limit` bytes."""
    too_large = ApiError(
        413, ApiErrorCode.PAYLOAD_TOO_LARGE, f"the body is larger than {limit} bytes"
    )
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
