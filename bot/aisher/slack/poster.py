"""Posting to Slack at the pace Slack allows: about one message per second per channel.

`chat.postMessage` is limited to roughly one message per second per channel (short bursts are
tolerated); a storm of alerts into one channel would otherwise earn 429s. Every post and update
goes through one FIFO queue per channel, spaced `interval_s` apart; the web client underneath
retries what still gets rate limited (honouring Retry-After) and transient connection and
server errors.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from aisher.ops.metrics import AisherMetrics

DEFAULT_API_URL = "https://slack.com/api/"
POST_INTERVAL_S = 1.0
RATE_LIMIT_RETRIES = 4
TRANSIENT_RETRIES = 2


def normalise_api_url(url: str) -> str:
    """The base URL with a trailing `/`: without it `urljoin` drops the last path segment."""
    return url if url.endswith("/") else url + "/"


def retry_handlers() -> list[AsyncRetryHandler]:
    """429s wait for Retry-After; refused connections and 500/503 are tried again."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncConnectionErrorRetryHandler(max_retry_count=TRANSIENT_RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=TRANSIENT_RETRIES),
    ]


def build_web_client(token: str, api_url: str = DEFAULT_API_URL) -> AsyncWebClient:
    """The bot's Web API client, on `api_url` (an emulator, a proxy or GovSlack)."""
    return AsyncWebClient(
        token=token, base_url=normalise_api_url(api_url), retry_handlers=retry_handlers()
    )


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """Where a message landed: its channel id and timestamp (the message's id in Slack)."""

    channel: str
    ts: str


class ChannelPacer:
    """Decides how long a channel's next message must wait; no I/O, so tests drive the clock."""

    def __init__(
        self, interval_s: float = POST_INTERVAL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval_s = interval_s
        self._clock = clock
        self._last: dict[str, float] = {}

    def wait_s(self, channel: str) -> float:
        """Seconds until `channel` may get its next message (0 when it may now)."""
        last = self._last.get(channel)
        if last is None:
            return 0.0
        return max(0.0, last + self._interval_s - self._clock())

    def sent(self, channel: str) -> None:
        """Record that a message to `channel` went out now; forgets long-quiet channels."""
        now = self._clock()
        self._last[channel] = now
        stale = [name for name, last in self._last.items() if now - last > self._interval_s]
        for name in stale:
            del self._last[name]


Sleep = Callable[[float], Awaitable[None]]


class SlackPoster:
    """Posts and updates messages through one paced FIFO queue per channel."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        pacer: ChannelPacer | None = None,
        sleep: Sleep = asyncio.sleep,
        metrics: AisherMetrics | None = None,
    ) -> None:
        self.client = client
        self._pacer = pacer or ChannelPacer()
        self._sleep = sleep
        self._metrics = metrics or AisherMetrics()
        self._queues: dict[str, asyncio.Lock] = {}

    async def post(
        self,
        channel: str,
        text: str,
        blocks: Sequence[Mapping[str, Any]] | None = None,
        *,
        thread_ts: str | None = None,
    ) -> PostedMessage:
        """Post a message (into `thread_ts`'s thread when given) once the channel's turn comes."""
        arguments: dict[str, Any] = {"channel": channel, "text": text, "unfurl_links": False}
        if blocks is not None:
            arguments["blocks"] = [dict(block) for block in blocks]
        if thread_ts is not None:
            arguments["thread_ts"] = thread_ts
        response = await self._in_turn(
            channel, "post", lambda: self.client.chat_postMessage(**arguments)
        )
        return PostedMessage(str(response["channel"]), str(response["ts"]))

    async def update(
        self,
        channel: str,
        ts: str,
        text: str,
        blocks: Sequence[Mapping[str, Any]] | None = None,
    ) -> PostedMessage:
        """Replace the text and blocks of the message at `ts`."""
        arguments: dict[str, Any] = {"channel": channel, "ts": ts, "text": text}
        if blocks is not None:
            arguments["blocks"] = [dict(block) for block in blocks]
        response = await self._in_turn(
            channel, "update", lambda: self.client.chat_update(**arguments)
        )
        return PostedMessage(str(response["channel"]), str(response["ts"]))

    async def _in_turn(self, channel: str, kind: str, call: Callable[[], Awaitable[Any]]) -> Any:
        # asyncio.Lock wakes its waiters in arrival order, which makes it a FIFO queue.
        queue = self._queues.setdefault(channel, asyncio.Lock())
        async with queue:
            wait = self._pacer.wait_s(channel)
            if wait > 0:
                await self._sleep(wait)
            ok = False
            try:
                response = await call()
                ok = True
                return response
            finally:
                self._pacer.sent(channel)
                self._metrics.count_slack_message(kind, ok=ok)
