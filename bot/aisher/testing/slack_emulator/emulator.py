"""`SlackEmulator`: Slack's Web API, Socket Mode and response URLs on one loopback port.

It runs in a background thread with its own event loop, so the bot under test may run in the
test's loop (bolt's `AsyncApp` + `AsyncSocketModeHandler`), in another thread or in a
subprocess (`aisher serve` with `AISHER_SLACK_API_URL=emulator.api_url`). Every method here may
be called from any thread; the `wait_for*` coroutines wait in the caller's loop, the
`wait_for_sync` twin on a plain thread. Pushing and inspecting envelopes, and building the
events to push, are `SocketModeActions`' part (see socket_actions.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import web

from aisher.testing.slack_emulator.faults import FaultPlan, api_error, rate_limit, server_error
from aisher.testing.slack_emulator.journal import Journal
from aisher.testing.slack_emulator.message_rules import BLOCK_TEXT_LIMIT
from aisher.testing.slack_emulator.methods import Methods
from aisher.testing.slack_emulator.records import (
    ApiCall,
    Channel,
    Ephemeral,
    Identity,
    Message,
    Reaction,
    ResponsePost,
    Update,
)
from aisher.testing.slack_emulator.response_urls import MAX_POSTS_PER_URL, ResponseUrls
from aisher.testing.slack_emulator.server import BackgroundServer
from aisher.testing.slack_emulator.socket_actions import SocketModeActions
from aisher.testing.slack_emulator.socket_mode import SocketModeLink
from aisher.testing.slack_emulator.web_api import DEFAULT_SCOPES, WebApi
from aisher.testing.slack_emulator.workspace import DEFAULT_CHANNELS, Workspace

T = TypeVar("T")
DEFAULT_TIMEOUT_S = 5.0


class SlackEmulator(SocketModeActions):
    """A Slack workspace for one test: start it, point the bot at it, push, inspect, stop."""

    # Made-up tokens the emulator alone accepts; they open nothing anywhere else.
    bot_token = "xoxb-emulator-bot-token"  # noqa: S105
    app_token = "xapp-1-emulator-app-token"  # noqa: S105

    def __init__(
        self,
        *,
        identity: Identity | None = None,
        channels: Iterable[Channel] = DEFAULT_CHANNELS,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        block_text_limit: int | None = BLOCK_TEXT_LIMIT,
        echo_bot_messages: bool = False,
        response_url_posts: int = MAX_POSTS_PER_URL,
    ) -> None:
        """`echo_bot_messages` (also settable later) delivers each of the bot's posts back as a
        `message` event, as Slack does to an app subscribed to `message.channels`.
        `block_text_limit=None` turns the undocumented `msg_blocks_too_long` check off."""
        self.identity = identity or Identity()
        self.scopes = frozenset(scopes)
        self._journal = Journal()
        self.echo_bot_messages = echo_bot_messages
        self._workspace = Workspace(self._journal, channels)
        self._faults = FaultPlan(self._journal)
        self._methods = Methods(
            self.identity,
            self._workspace,
            self.scopes,
            block_text_limit=block_text_limit,
            on_bot_message=self._echo,
        )
        link = SocketModeLink(self._journal, self.identity)
        responses = ResponseUrls(self._journal, self.identity.team_id, response_url_posts)
        super().__init__(self._journal, self.identity, self._workspace, link, responses)
        self._web = WebApi(
            self._journal,
            identity=self.identity,
            methods=self._methods,
            faults=self._faults,
            scopes=self.scopes,
            open_socket=link.open_socket,
        )
        self._server = BackgroundServer(self._application(), before_stop=link.close_all)

    # Lifecycle -----------------------------------------------------------------------------

    def start(self) -> Self:
        self._server.start()
        for part in (self._web, self._link, self._responses):
            part.base_url = self._server.base_url
        self._link.loop = self._server.loop
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`, where response URLs and the websocket live."""
        return self._server.base_url

    @property
    def api_url(self) -> str:
        """The Web API base URL for `AsyncWebClient(base_url=…)`, with its trailing `/`."""
        return self._server.base_url + "/api/"

    # The workspace -------------------------------------------------------------------------

    def add_channel(
        self, channel_id: str, name: str, *, is_private: bool = False, is_member: bool = True
    ) -> Channel:
        channel = Channel(channel_id, name, is_private=is_private, is_member=is_member)
        self._workspace.add_channel(channel)
        return channel

    def set_member(self, channel_id: str, is_member: bool) -> None:
        self._workspace.set_member(channel_id, is_member)

    def add_message(self, channel_id: str, text: str = "", **fields: Any) -> Message:
        """Put a message into a channel's history without an event (`Message` fields)."""
        return self._workspace.add_message(channel_id, text, **fields)

    # Faults --------------------------------------------------------------------------------

    def inject_rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` get HTTP 429 with `Retry-After: retry_after`."""
        self._faults.queue(method, rate_limit(retry_after), times)

    def inject_server_error(self, method: str, *, times: int = 1, status: int = 500) -> None:
        """The next `times` calls of `method` get HTTP `status` (500, 503, …)."""
        self._faults.queue(method, server_error(status), times)

    def inject_error(self, method: str, error: str, *, times: int = 1) -> None:
        """The next `times` calls of `method` get `{"ok": false, "error": error}`."""
        self._faults.queue(method, api_error(error), times)

    # Inspection ----------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Web API calls in arrival order (every one, failed and faulted ones too)."""
        return self._web.calls(method)

    def posts(self, channel_id: str | None = None) -> list[Message]:
        """The bot's own messages, as they read now, in ts order."""
        return [m for m in self.history(channel_id) if m.bot_id == self.identity.bot_id]

    def history(self, channel_id: str | None = None) -> list[Message]:
        """Every stored message (the bot's, seeded ones, pushed events'), in ts order."""
        return self._workspace.history(channel_id)

    def message(self, channel_id: str, ts: str) -> Message | None:
        return self._workspace.message(channel_id, ts)

    def thread(self, channel_id: str, ts: str) -> list[Message]:
        """The thread of `ts` (parent or reply), parent first; empty for an unknown ts."""
        return self._workspace.thread(channel_id, ts) or []

    def updates(self) -> list[Update]:
        with self._journal.lock:
            return list(self._methods.updates)

    def ephemerals(self) -> list[Ephemeral]:
        with self._journal.lock:
            return list(self._methods.ephemerals)

    def reactions(self) -> list[Reaction]:
        """Reactions the bot added or removed, in order."""
        with self._journal.lock:
            return list(self._methods.reactions)

    def response_posts(self, envelope_id: str | None = None) -> list[ResponsePost]:
        return self._responses.posts(envelope_id)

    # Waiting -------------------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        *,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109 - a bound that fails the test
        what: str = "the Slack emulator's condition",
    ) -> T:
        """The first truthy value of `predicate()`, re-checked whenever the emulator changes."""
        return await self._journal.wait_for(predicate, timeout, what)

    def wait_for_sync(
        self,
        predicate: Callable[[], T | None],
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        what: str = "the Slack emulator's condition",
    ) -> T:
        """`wait_for` for tests without an event loop, e.g. around a subprocess."""
        return self._journal.wait_for_sync(predicate, timeout, what)

    async def wait_for_posts(
        self,
        count: int = 1,
        *,
        channel_id: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109
    ) -> list[Message]:
        """The bot's messages once there are at least `count` (in `channel_id` if given)."""
        where = f" in {channel_id}" if channel_id else ""
        return await self.wait_for(
            lambda: found if len(found := self.posts(channel_id)) >= count else None,
            timeout=timeout,
            what=f"{count} bot message(s){where}",
        )

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,  # noqa: ASYNC109
    ) -> list[ApiCall]:
        """The calls of `method` once there are at least `count`."""
        return await self.wait_for(
            lambda: found if len(found := self.calls(method)) >= count else None,
            timeout=timeout,
            what=f"{count} {method} call(s)",
        )

    def _echo(self, message: Message) -> None:
        if self.echo_bot_messages:
            self.push_event(self.message_event_for(message))

    def _application(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._web.handle)
        app.router.add_get("/link", self._link.handle)
        app.router.add_get("/link/", self._link.handle)
        app.router.add_post("/commands/{rest:.+}", self._responses.handle)
        app.router.add_post("/actions/{rest:.+}", self._responses.handle)
        return app
