"""Events as Slack would send them about the emulated workspace, built by tests to push.

`user_message`, `bot_message` and `app_mention` store the message they announce, so the bot can
later thread under it, react to it or find it with `conversations.replies`; `reaction_added`
fills `item_user` from the reacted message, as Slack does (and leaves it out for messages
without a user, such as incoming-webhook posts).
"""

from __future__ import annotations

from collections.abc import Sequence

from aisher.testing.slack_emulator import envelopes
from aisher.testing.slack_emulator.records import Channel, Identity, JsonObject, Message
from aisher.testing.slack_emulator.workspace import Workspace

USER_ID = "U_ALICE"
USER_NAME = "alice"


class EventFactory:
    """Builds Events API `event` objects; push them with `push_event`."""

    def __init__(self, identity: Identity, workspace: Workspace) -> None:
        self._identity = identity
        self._space = workspace

    def user_message(
        self, channel_id: str, text: str, *, user: str = USER_ID, thread_ts: str | None = None
    ) -> JsonObject:
        """A person's `message` event in `channel_id` (a thread reply with `thread_ts`)."""
        message = self._space.add_message(channel_id, text, user=user, thread_ts=thread_ts)
        return self.message_event_for(message)

    def bot_message(
        self,
        channel_id: str,
        *,
        bot_id: str,
        text: str = "",
        attachments: Sequence[JsonObject] = (),
        username: str | None = None,
        subtype: str | None = "bot_message",
        thread_ts: str | None = None,
    ) -> JsonObject:
        """Another app's post, e.g. Alertmanager's attachment; `subtype=None` for a modern
        bot-token post, which carries only `bot_id`/`bot_profile`."""
        message = self._space.add_message(
            channel_id,
            text,
            bot_id=bot_id,
            attachments=tuple(attachments),
            username=username,
            subtype=subtype,
            thread_ts=thread_ts,
        )
        return self.message_event_for(message)

    def app_mention(
        self, channel_id: str, text: str, *, user: str = USER_ID, thread_ts: str | None = None
    ) -> JsonObject:
        """An `app_mention` event; prefix `text` with `<@bot_user_id>` yourself if you want."""
        message = self._space.add_message(channel_id, text, user=user, thread_ts=thread_ts)
        return envelopes.app_mention_event(message, team_id=self._identity.team_id)

    def reaction_added(
        self, channel_id: str, ts: str, reaction: str, *, user: str = USER_ID
    ) -> JsonObject:
        """A `reaction_added` event for the message `ts` (stored or not)."""
        message = self._space.message(channel_id, ts)
        return envelopes.reaction_added_event(
            user=user,
            reaction=reaction,
            channel=channel_id,
            ts=ts,
            item_user=message.user if message is not None else None,
            event_ts=self._space.next_ts(),
        )

    def message_event_for(self, message: Message) -> JsonObject:
        """The `message` event announcing a stored message."""
        channel = self._channel(message.channel)
        return envelopes.message_event(message, channel, team_id=self._identity.team_id)

    def _channel(self, channel_id: str) -> Channel:
        channel = self._space.channel(channel_id)
        if channel is None:
            raise KeyError(f"the emulated workspace has no channel {channel_id!r}")
        return channel
