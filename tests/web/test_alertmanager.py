"""POST /webhooks/alertmanager on a real aiohttp server, with a real HTTP client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from aisher.alerts.payload import AlertNotification
from aisher.alerts.processor import ALERT_JOB_KIND, AlertProcessor, ProcessorSettings
from aisher.redis_link import RedisLink
from aisher.state.alert_threads import AlertThreads
from aisher.state.dedup import Deduplicator
from aisher.state.jobs import LocalJobQueue, consume
from aisher.web.alertmanager import PATH, AlertmanagerWebhook, install_alertmanager_webhook
from aisher.web.server import WebServer, create_app
from tests.alerts.fake_sink import FakeSink
from tests.alerts.payloads import alertmanager_payload, body, signoz_payload
from tests.support.redis_server import RedisServer

TOKEN = "s3cret-webhook-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RECEIVED = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@dataclass
class Webhook:
    url: str
    queue: LocalJobQueue
    session: aiohttp.ClientSession

    async def post(
        self, data: bytes | Any, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any], Mapping[str, str]]:
        async with self.session.post(
            self.url + PATH, data=data, headers=AUTH if headers is None else headers
        ) as response:
            return response.status, await response.json(), response.headers


Serve = Callable[..., Any]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Starts webhook servers on 127.0.0.1 (free ports); all are stopped after the test."""
    stack: list[tuple[WebServer, aiohttp.ClientSession, RedisLink | None]] = []

    async def start(
        *,
        token: str | None = TOKEN,
        maxsize: int = 8,
        max_body_bytes: int = 64 * 1024,
        redis_url: str | None = None,
        dedup: bool = False,
    ) -> Webhook:
        queue = LocalJobQueue(maxsize, retry_after_s=12)
        link = RedisLink(redis_url) if dedup else None
        webhook = AlertmanagerWebhook(
            token=token,
            queue=queue,
            max_body_bytes=max_body_bytes,
            dedup=Deduplicator(link) if link is not None else None,
            clock=lambda: RECEIVED,
        )
        server = WebServer(
            create_app(lambda app: install_alertmanager_webhook(app, webhook)),
            host="127.0.0.1",
            port=0,
        )
        await server.start()
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        stack.append((server, session, link))
        return Webhook(server.url, queue, session)

    try:
        yield start
    finally:
        for server, session, link in stack:
            await session.close()
            await server.stop()
            if link is not None:
                await link.close()


def error_code(answer: dict[str, Any]) -> str:
    code: str = answer["error"]["code"]
    assert answer["error"]["message"]
    return code


class TestAlertmanagerWebhook:
    async def test_accepts_and_queues_at_once(self, serve: Serve) -> None:
        """A valid notification is answered 202 with the job id, and the job is queued."""
        hook = await serve()
        status, answer, _ = await hook.post(body(alertmanager_payload()))
        assert status == 202
        assert answer["accepted"] is True
        job = await hook.queue.get()
        assert answer["id"] == job.id
        assert (job.kind, job.received_at) == (ALERT_JOB_KIND, RECEIVED)
        assert AlertNotification.model_validate(job.payload).group_key.startswith("{}/")

    async def test_signoz_notification_is_accepted(self, serve: Serve) -> None:
        """SigNoz's webhook payload is accepted like Alertmanager's."""
        hook = await serve()
        status, _, _ = await hook.post(body(signoz_payload()))
        assert status == 202

    async def test_missing_token_is_401_with_a_challenge(self, serve: Serve) -> None:
        """No Authorization header: 401 with WWW-Authenticate, nothing queued."""
        hook = await serve()
        status, answer, headers = await hook.post(body(alertmanager_payload()), headers={})
        assert status == 401
        assert error_code(answer) == "unauthorized"
        assert headers["WWW-Authenticate"].startswith('Bearer realm="aisher"')
        assert await hook.queue.depth() == 0

    @pytest.mark.parametrize(
        "header",
        ["Bearer wrong", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x", "Bearer s3cret-wébhook"],
    )
    async def test_wrong_token_is_401(self, serve: Serve, header: str) -> None:
        """A wrong token, another scheme, or an empty or non-ASCII token is refused."""
        hook = await serve()
        status, answer, headers = await hook.post(
            body(alertmanager_payload()), headers={"Authorization": header}
        )
        assert status == 401
        assert error_code(answer) == "unauthorized"
        assert "error=" in headers["WWW-Authenticate"]
        assert await hook.queue.depth() == 0

    async def test_scheme_is_case_insensitive(self, serve: Serve) -> None:
        """`bearer` in lower case is accepted, as RFC 7235 says schemes are."""
        hook = await serve()
        status, _, _ = await hook.post(
            body(alertmanager_payload()), headers={"Authorization": f"bearer {TOKEN}"}
        )
        assert status == 202

    async def test_off_without_a_token(self, serve: Serve) -> None:
        """With no token configured the webhook is off and says how to turn it on."""
        hook = await serve(token=None)
        status, answer, _ = await hook.post(body(alertmanager_payload()))
        assert status == 404
        assert error_code(answer) == "webhook_disabled"
        assert "AISHER_WEBHOOK_TOKEN" in answer["error"]["message"]

    async def test_large_body_is_413(self, serve: Serve) -> None:
        """A body over the limit is refused with 413, declared length or not."""
        hook = await serve(max_body_bytes=1024)
        big = body(alertmanager_payload(receiver="x" * 2000))
        status, answer, _ = await hook.post(big)
        assert (status, error_code(answer)) == (413, "payload_too_large")

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(big), 256):
                yield big[start : start + 256]

        status, answer, _ = await hook.post(chunks())
        assert (status, error_code(answer)) == (413, "payload_too_large")
        assert await hook.queue.depth() == 0

    async def test_chunked_body_within_the_limit_is_read(self, serve: Serve) -> None:
        """A chunked body under the limit is read whole."""
        hook = await serve()
        data = body(alertmanager_payload())

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(data), 100):
                yield data[start : start + 100]

        status, _, _ = await hook.post(chunks())
        assert status == 202

    async def test_malformed_json_is_400(self, serve: Serve) -> None:
        """A body that is not JSON is 400 malformed_json."""
        hook = await serve()
        status, answer, _ = await hook.post(b'{"groupKey": ')
        assert (status, error_code(answer)) == (400, "malformed_json")

    async def test_schema_error_is_422_naming_the_field(self, serve: Serve) -> None:
        """JSON that is not a v4 notification is 422 invalid_payload, naming the field."""
        hook = await serve()
        payload = alertmanager_payload()
        payload["alerts"][0]["startsAt"] = "yesterday"
        status, answer, _ = await hook.post(json.dumps(payload).encode())
        assert (status, error_code(answer)) == (422, "invalid_payload")
        assert "alerts[0].startsAt" in answer["error"]["message"]

    async def test_full_queue_is_503_with_retry_after(self, serve: Serve) -> None:
        """When the queue is full the answer is 503 with Retry-After; nothing is lost silently."""
        hook = await serve(maxsize=1)
        assert (await hook.post(body(alertmanager_payload())))[0] == 202
        status, answer, headers = await hook.post(body(alertmanager_payload(group_key="g2")))
        assert (status, error_code(answer)) == (503, "queue_full")
        assert headers["Retry-After"] == "12"
        assert await hook.queue.depth() == 1

    async def test_duplicate_is_acknowledged_not_queued(self, serve: Serve) -> None:
        """With dedup on, a resent notification is answered 200 and not queued again."""
        hook = await serve(dedup=True)
        assert (await hook.post(body(alertmanager_payload())))[0] == 202
        status, answer, _ = await hook.post(body(alertmanager_payload()))
        assert status == 200
        assert answer == {"accepted": True, "duplicate": True, "id": None}
        assert await hook.queue.depth() == 1

    async def test_duplicates_across_replicas_sharing_redis(
        self, serve: Serve, redis_server: RedisServer
    ) -> None:
        """Two replicas receiving the same notification queue it once between them."""
        one = await serve(dedup=True, redis_url=redis_server.url)
        two = await serve(dedup=True, redis_url=redis_server.url)
        statuses = [(await hook.post(body(alertmanager_payload())))[0] for hook in (one, two, two)]
        assert sorted(statuses) == [200, 200, 202]
        assert await one.queue.depth() + await two.queue.depth() == 1

    async def test_refused_for_a_full_queue_is_not_a_duplicate(self, serve: Serve) -> None:
        """A notification refused with 503 is accepted when Alertmanager retries it."""
        hook = await serve(maxsize=1, dedup=True)
        await hook.post(body(alertmanager_payload(group_key="g1")))
        assert (await hook.post(body(alertmanager_payload(group_key="g2"))))[0] == 503
        await hook.queue.task_done(await hook.queue.get())
        assert (await hook.post(body(alertmanager_payload(group_key="g2"))))[0] == 202

    async def test_other_methods_and_paths_answer_json(self, serve: Serve) -> None:
        """GET on the webhook is 405 and an unknown path 404, both as JSON errors."""
        hook = await serve()
        async with hook.session.get(hook.url + PATH) as response:
            assert response.status == 405
            assert error_code(await response.json()) == "method_not_allowed"
            assert "POST" in response.headers["Allow"]
        async with hook.session.get(hook.url + "/nope") as response:
            assert response.status == 404
            assert error_code(await response.json()) == "not_found"


class TestWebhookToCard:
    async def test_webhook_job_becomes_a_card(self, serve: Serve) -> None:
        """A webhook POST, through the queue and a worker, ends as one card with an analysis."""
        hook = await serve()
        sink = FakeSink()
        link = RedisLink(None)
        processor = AlertProcessor(
            AlertThreads(link), sink, ProcessorSettings(channel="C0ALERTS"), clock=lambda: RECEIVED
        )
        worker = asyncio.create_task(consume(hook.queue, processor.handle_job))
        try:
            for _ in range(2):
                assert (await hook.post(body(alertmanager_payload())))[0] == 202
            await asyncio.wait_for(hook.queue.join(), timeout=10)
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        sink.only_card()
        assert len(sink.analyses) == 1
        assert sink.analyses[0][1].service == "checkout-svc"
        # The second, identical POST was recognised as a duplicate by the thread map.
        assert not sink.updates
