"""Paced posting: the per-channel pacer, the client's base URL and retries."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)

from aisher.slack.poster import ChannelPacer, SlackPoster, build_web_client, normalise_api_url
from aisher.testing.slack_emulator import ALERTS, GENERAL, SlackEmulator


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TestChannelPacer:
    def test_first_message_goes_at_once(self) -> None:
        """A channel that has not been posted to waits nothing."""
        assert ChannelPacer(1.0, FakeClock()).wait_s("C1") == 0.0

    def test_next_message_waits_out_the_interval(self) -> None:
        """Right after a post the channel waits the rest of its interval."""
        clock = FakeClock()
        pacer = ChannelPacer(1.0, clock)
        pacer.sent("C1")
        clock.now += 0.25
        assert pacer.wait_s("C1") == 0.75
        clock.now += 1.0
        assert pacer.wait_s("C1") == 0.0

    def test_channels_are_independent(self) -> None:
        """A post in one channel does not delay another."""
        pacer = ChannelPacer(1.0, FakeClock())
        pacer.sent("C1")
        assert pacer.wait_s("C2") == 0.0

    def test_quiet_channels_are_forgotten(self) -> None:
        """Channels idle longer than the interval leave the pacer's memory."""
        clock = FakeClock()
        pacer = ChannelPacer(1.0, clock)
        pacer.sent("C1")
        clock.now += 5
        pacer.sent("C2")
        assert pacer.wait_s("C1") == 0.0
        assert list(pacer._last) == ["C2"]


class TestBuildWebClient:
    def test_base_url_gets_its_trailing_slash(self) -> None:
        """`…/api` becomes `…/api/`, so method names join under the path."""
        assert normalise_api_url("http://127.0.0.1:9/api") == "http://127.0.0.1:9/api/"
        assert normalise_api_url("http://127.0.0.1:9/api/") == "http://127.0.0.1:9/api/"
        client = build_web_client("xoxb-1", "http://127.0.0.1:9/api")
        assert client.base_url == "http://127.0.0.1:9/api/"

    def test_retries_rate_limits_connections_and_server_errors(self) -> None:
        """The client retries 429s, connection failures and 500/503s."""
        client = build_web_client("xoxb-1")
        kinds = {type(handler) for handler in client.retry_handlers}
        assert kinds == {
            AsyncRateLimitErrorRetryHandler,
            AsyncConnectionErrorRetryHandler,
            AsyncServerErrorRetryHandler,
        }


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


class RecordingSleep:
    """Records the waits the poster asks for and yields once, so that no test really waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


class TestSlackPoster:
    async def test_posts_to_one_channel_go_out_in_order_one_interval_apart(
        self, slack: SlackEmulator
    ) -> None:
        """Concurrent posts to a channel are queued in arrival order, each waiting its turn."""
        sleep = RecordingSleep()
        clock = FakeClock()  # frozen: every post after the first must wait the whole interval
        poster = SlackPoster(
            build_web_client(slack.bot_token, slack.api_url),
            pacer=ChannelPacer(1.0, clock),
            sleep=sleep,
        )
        texts = [f"message {number}" for number in range(4)]
        await asyncio.gather(*(poster.post(GENERAL.id, text) for text in texts))
        assert [message.text for message in slack.posts(GENERAL.id)] == texts
        assert sleep.waits == [1.0, 1.0, 1.0]
        await poster.post(ALERTS.id, "elsewhere")
        assert sleep.waits == [1.0, 1.0, 1.0]

    async def test_rate_limited_post_is_retried_after_retry_after(
        self, slack: SlackEmulator
    ) -> None:
        """A 429 with Retry-After is retried by the client and the message still lands once."""
        slack.inject_rate_limit("chat.postMessage", times=1, retry_after=0)
        poster = SlackPoster(build_web_client(slack.bot_token, slack.api_url))
        posted = await poster.post(GENERAL.id, "hello", thread_ts=None)
        assert [call.http_status for call in slack.calls("chat.postMessage")] == [429, 200]
        assert [message.ts for message in slack.posts(GENERAL.id)] == [posted.ts]

    async def test_server_errors_are_retried(self, slack: SlackEmulator) -> None:
        """A 503 from Slack is tried again."""
        slack.inject_server_error("chat.postMessage", times=1, status=503)
        poster = SlackPoster(build_web_client(slack.bot_token, slack.api_url))
        await poster.post(GENERAL.id, "hello")
        assert [call.http_status for call in slack.calls("chat.postMessage")] == [503, 200]

    async def test_update_replaces_the_message(self, slack: SlackEmulator) -> None:
        """`update` rewrites the message in place, through the same channel queue."""
        poster = SlackPoster(build_web_client(slack.bot_token, slack.api_url))
        posted = await poster.post(GENERAL.id, "before")
        await poster.update(posted.channel, posted.ts, "after")
        message = slack.message(GENERAL.id, posted.ts)
        assert message is not None
        assert message.text == "after"
