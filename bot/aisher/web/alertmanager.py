"""`POST /webhooks/alertmanager`: Alertmanager's (and SigNoz's) webhook, answered at once.

The handler checks the bearer token, reads at most `max_body_bytes`, parses the v4 payload and
queues a job; it never waits for the analysis. Alertmanager retries on 5xx and gives up on
4xx, which the answers follow: a malformed or unauthorised request will not get better by
retrying (4xx), a full queue will (503 with Retry-After). With no token configured the webhook
is off and says so (404), since an unauthenticated webhook would let anyone trigger analyses.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiohttp import web

from aisher.alerts.payload import InvalidPayload, MalformedPayload, parse_alert_payload
from aisher.alerts.processor import alert_job
from aisher.alerts.target import notification_id
from aisher.ops.audit import AuditLog
from aisher.ops.logging import log_context
from aisher.ops.metrics import AisherMetrics
from aisher.state.dedup import Deduplicator
from aisher.state.jobs import JobQueue, QueueFull
from aisher.web.errors import ErrorCode, error_response

log = logging.getLogger(__name__)

PATH = "/webhooks/alertmanager"
# Alertmanager's payloads grow with the alerts in a group; a megabyte is thousands of alerts.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# Resends and peers' duplicates arrive within minutes; see alerts.workflow for the same window.
DEFAULT_DUPLICATE_TTL_S = 15 * 60
_CHUNK_BYTES = 64 * 1024
_CHALLENGE = 'Bearer realm="aisher"'


@dataclass(frozen=True, slots=True)
class AlertmanagerWebhook:
    """Everything the webhook needs; `token=None` turns it off.

    With a `dedup`, a notification seen within `duplicate_ttl_s` is acknowledged without being
    queued again (the thread map would drop it anyway; this keeps retries out of the queue).
    """

    token: str | None
    queue: JobQueue
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    dedup: Deduplicator | None = None
    duplicate_ttl_s: int = DEFAULT_DUPLICATE_TTL_S
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    metrics: AisherMetrics = field(default_factory=AisherMetrics)
    audit: AuditLog = field(default_factory=lambda: AuditLog(None))  # refusals go here


WEBHOOK: web.AppKey[AlertmanagerWebhook] = web.AppKey("alertmanager_webhook", AlertmanagerWebhook)


def install_alertmanager_webhook(app: web.Application, webhook: AlertmanagerWebhook) -> None:
    """Add the webhook route and its dependencies to `app` (before the app starts)."""
    app[WEBHOOK] = webhook
    app.router.add_post(PATH, handle_alertmanager)


async def handle_alertmanager(request: web.Request) -> web.Response:
    webhook = request.app[WEBHOOK]
    response = await _answer(request, webhook)
    if response.status >= 400:
        webhook.audit.record_refusal(
            trigger="alert", who="alertmanager", reason=_code(response), remote=request.remote
        )
    return response


def _code(response: web.Response) -> str:
    """The stable error code of one of this module's error answers."""
    try:
        return str(json.loads(response.text or "")["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return f"http_{response.status}"


async def _answer(request: web.Request, webhook: AlertmanagerWebhook) -> web.Response:
    if not webhook.token:
        return error_response(
            404,
            ErrorCode.WEBHOOK_DISABLED,
            "the Alertmanager webhook is off: set AISHER_WEBHOOK_TOKEN to turn it on",
        )
    refusal = _check_token(request, webhook.token)
    if refusal is not None:
        return refusal
    body = await _read_body(request, webhook.max_body_bytes)
    if body is None:
        return error_response(
            413,
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"the body is larger than {webhook.max_body_bytes} bytes; lower max_alerts "
            "in Alertmanager's webhook_config",
        )
    try:
        notification = parse_alert_payload(body)
    except MalformedPayload as exc:
        return error_response(400, ErrorCode.MALFORMED_JSON, str(exc))
    except InvalidPayload as exc:
        return error_response(422, ErrorCode.INVALID_PAYLOAD, str(exc))
    webhook.metrics.count_alert(notification.status)
    dedup_key = f"alertmanager:{notification_id(notification)}"
    if webhook.dedup is not None and not await webhook.dedup.first_time(
        dedup_key, webhook.duplicate_ttl_s
    ):
        return web.json_response({"accepted": True, "duplicate": True, "id": None}, status=200)
    job = alert_job(notification, received_at=webhook.clock())
    with log_context(alert_id=job.id):
        try:
            await webhook.queue.put(job)
        except QueueFull as exc:
            if webhook.dedup is not None:
                await webhook.dedup.forget(dedup_key)
            log.warning("refusing an Alertmanager notification: %s", exc)
            return error_response(
                503,
                ErrorCode.QUEUE_FULL,
                f"{exc}; retry later",
                headers={"Retry-After": str(exc.retry_after_s)},
            )
        log.info("alert notification queued (%s)", notification.status)
    return web.json_response({"accepted": True, "id": job.id}, status=202)


def _check_token(request: web.Request, token: str) -> web.Response | None:
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    if not header:
        return _unauthorised("missing Authorization header: send `Bearer <token>`", "")
    if scheme.lower() != "bearer" or not presented.strip():
        return _unauthorised("the Authorization header must be `Bearer <token>`", "invalid_request")
    # Compare bytes: compare_digest refuses non-ASCII str, and a hostile header may carry some.
    if not hmac.compare_digest(presented.strip().encode(), token.encode()):
        return _unauthorised("wrong bearer token", "invalid_token")
    return None


def _unauthorised(message: str, error: str) -> web.Response:
    challenge = f'{_CHALLENGE}, error="{error}"' if error else _CHALLENGE
    return error_response(
        401, ErrorCode.UNAUTHORIZED, message, headers={"WWW-Authenticate": challenge}
    )


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
