"""What a test does over Socket Mode: push envelopes, cut connections, await acks.

Slash commands and clicks carry a `response_url` served by this emulator; events come from the
builders of `EventFactory`. Pushing never blocks: the envelope is handed to the server's loop.
"""

from __future__ import annotations

import secrets
import time
import uuid

from aisher.testing.slack_emulator import envelopes
from aisher.testing.slack_emulator.events import USER_ID, USER_NAME, EventFactory
from aisher.testing.slack_emulator.journal import Journal
from aisher.testing.slack_emulator.records import (
    Ack,
    Connection,
    Delivery,
    Identity,
    JsonObject,
    ResponsePost,
)
from aisher.testing.slack_emulator.response_urls import ResponseUrls
from aisher.testing.slack_emulator.socket_mode import SocketModeLink
from aisher.testing.slack_emulator.workspace import ALERTS, Workspace

ACK_TIMEOUT_S = 5.0


class SocketModeActions(EventFactory):
    """The Socket Mode half of `SlackEmulator`'s API."""

    def __init__(
        self,
        journal: Journal,
        identity: Identity,
        workspace: Workspace,
        link: SocketModeLink,
        responses: ResponseUrls,
    ) -> None:
        super().__init__(identity, workspace)
        self._socket_journal = journal
        self._link = link
        self._responses = responses

    # Pushing -------------------------------------------------------------------------------

    def push(
        self,
        kind: str,
        payload: JsonObject,
        *,
        envelope_id: str | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> str:
        """Send an envelope of `kind` (`slash_commands`, `events_api`, `interactive`); its id.

        It goes to the newest open connection, or to the next one when none is open.
        """
        envelope = envelopes.envelope(
            kind,
            payload,
            envelope_id=envelope_id,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        return self._link.push(envelope)

    def push_slash_command(
        self,
        text: str,
        *,
        command: str = "/aisher",
        channel_id: str = ALERTS.id,
        user_id: str = USER_ID,
        user_name: str = USER_NAME,
    ) -> str:
        """A user runs `command text` in `channel_id`; the envelope id."""
        envelope_id = str(uuid.uuid4())
        payload = envelopes.slash_command(
            self._identity,
            self._channel(channel_id),
            command=command,
            text=text,
            user_id=user_id,
            user_name=user_name,
            response_url=self._responses.issue("commands", envelope_id),
            trigger_id=_trigger_id(),
        )
        return self.push(envelopes.SLASH_COMMANDS, payload, envelope_id=envelope_id)

    def push_event(
        self,
        event: JsonObject,
        *,
        event_id: str | None = None,
        envelope_id: str | None = None,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> str:
        """Deliver one Events API event (see the builders below); the envelope id."""
        payload = envelopes.event_callback(
            self._identity,
            event,
            event_id=event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            event_time=int(time.time()),
        )
        return self.push(
            envelopes.EVENTS_API,
            payload,
            envelope_id=envelope_id,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )

    def push_block_actions(
        self,
        channel_id: str,
        message_ts: str,
        action_id: str,
        value: str = "",
        *,
        block_id: str | None = None,
        user_id: str = USER_ID,
        user_name: str = USER_NAME,
    ) -> str:
        """A user clicks the button `action_id` on the stored message `message_ts`."""
        message = self._space.message(channel_id, message_ts)
        if message is None:
            raise KeyError(f"no message {message_ts!r} in {channel_id!r} to click on")
        envelope_id = str(uuid.uuid4())
        action = envelopes.button_action(
            action_id,
            value,
            block_id=block_id or envelopes.find_block_id(message, action_id),
            action_ts=self._space.next_ts(),
        )
        payload = envelopes.block_actions(
            self._identity,
            self._channel(channel_id),
            message,
            actions=[action],
            user_id=user_id,
            user_name=user_name,
            response_url=self._responses.issue("actions", envelope_id),
            trigger_id=_trigger_id(),
        )
        return self.push(envelopes.INTERACTIVE, payload, envelope_id=envelope_id)

    def redeliver(self, envelope_id: str, *, retry_reason: str = "timeout") -> str:
        """Send a pushed envelope again, same envelope and event ids, next `retry_attempt`."""
        previous = self._link.envelope(envelope_id)
        attempt = int(previous.get("retry_attempt") or 0) + 1
        return self._link.push({**previous, "retry_attempt": attempt, "retry_reason": retry_reason})

    def disconnect(self, reason: str = "refresh_requested") -> int:
        """Send `{"type": "disconnect", "reason": reason}` on the newest connection; its number."""
        return self._link.disconnect(reason)

    def drop_socket(self) -> int:
        """Abort the newest connection's TCP stream, no close frame; its number."""
        return self._link.drop()

    def close_socket(self, code: int = 1001) -> int:
        """Close the newest connection with a websocket close frame; its number."""
        return self._link.close(code)

    # Inspection and waiting ----------------------------------------------------------------

    def acks(self, envelope_id: str | None = None) -> list[Ack]:
        return self._link.acks(envelope_id)

    def deliveries(self, envelope_id: str | None = None) -> list[Delivery]:
        return self._link.deliveries(envelope_id)

    def frames(self) -> list[str]:
        """Text frames clients sent that were not acks."""
        return self._link.frames()

    def connections(self) -> list[Connection]:
        """Every websocket so far, oldest first; `open` tells which are still up."""
        return self._link.connections()

    def envelope(self, envelope_id: str) -> JsonObject:
        """The envelope as last pushed."""
        return self._link.envelope(envelope_id)

    async def wait_for_ack(
        self,
        envelope_id: str,
        *,
        timeout: float = ACK_TIMEOUT_S,  # noqa: ASYNC109 - a bound that fails the test
        attempt: int | None = None,
    ) -> Ack:
        """The client's ack of `envelope_id` (of delivery `attempt` when given)."""
        return await self._socket_journal.wait_for(
            lambda: self._first_ack(envelope_id, attempt),
            timeout,
            f"an ack of envelope {envelope_id}",
        )

    async def assert_no_ack(self, envelope_id: str, *, within: float = 0.5) -> None:
        """Fail if `envelope_id` gets acked within `within` seconds (unhandled events)."""
        try:
            ack = await self._socket_journal.wait_for(
                lambda: self._first_ack(envelope_id, None), within, "no ack"
            )
        except AssertionError:
            return
        raise AssertionError(f"envelope {envelope_id} was acked: {ack}")

    async def wait_for_connection(
        self,
        count: int = 1,
        *,
        timeout: float = ACK_TIMEOUT_S,  # noqa: ASYNC109
    ) -> Connection:
        """The `count`-th websocket once a client opened it (its `hello` is on the way)."""
        return await self._socket_journal.wait_for(
            lambda: self._open_connection(count), timeout, f"Socket Mode connection #{count}"
        )

    async def wait_for_response_posts(
        self,
        envelope_id: str | None = None,
        count: int = 1,
        *,
        timeout: float = ACK_TIMEOUT_S,  # noqa: ASYNC109
    ) -> list[ResponsePost]:
        """Posts to response URLs (of `envelope_id` when given), once there are `count`."""
        return await self._socket_journal.wait_for(
            lambda: found if len(found := self._responses.posts(envelope_id)) >= count else None,
            timeout,
            f"{count} response_url post(s)",
        )

    def _first_ack(self, envelope_id: str, attempt: int | None) -> Ack | None:
        for ack in self._link.acks(envelope_id):
            if attempt is None or ack.attempt == attempt:
                return ack
        return None

    def _open_connection(self, count: int) -> Connection | None:
        connections = self._link.connections()
        return connections[count - 1] if len(connections) >= count else None


def _trigger_id() -> str:
    return f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
