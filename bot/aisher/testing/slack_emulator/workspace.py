"""The emulated workspace: channels, the bot's membership, and every channel's message history.

Messages are keyed by `(channel, ts)` as in Slack. A `ts` is `"<seconds>.<6 digits>"` from the
wall clock, unique and increasing across the whole workspace even within one microsecond, so a
test can order messages by it just as the bot orders Slack's.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from typing import Any

from aisher.testing.slack_emulator.journal import Journal
from aisher.testing.slack_emulator.records import Channel, Message

ALERTS = Channel("C_ALERTS", "alerts")
GENERAL = Channel("C_GENERAL", "general")
OUTSIDE = Channel("C_OUTSIDE", "outside", is_member=False)
PRIVATE = Channel("G_PRIVATE", "private-ops", is_private=True, is_member=False)
DEFAULT_CHANNELS = (ALERTS, GENERAL, OUTSIDE, PRIVATE)


class TsClock:
    """Slack message timestamps: wall-clock microseconds, strictly increasing."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> str:
        micros = max(time.time_ns() // 1_000, self._last + 1)
        self._last = micros
        return format_ts(micros)


def format_ts(micros: int) -> str:
    """`1700000000123456` → `"1700000000.123456"`."""
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def ts_order(ts: str) -> tuple[int, int]:
    """A sort key for ts strings whatever their number of digits."""
    seconds, _, fraction = ts.partition(".")
    return int(seconds), int(fraction.ljust(6, "0")[:6] or 0)


class Workspace:
    """Channels and histories; each method takes the journal's lock, so any thread may call it."""

    def __init__(self, journal: Journal, channels: Iterable[Channel] = DEFAULT_CHANNELS) -> None:
        self._journal = journal
        self._clock = TsClock()
        self._channels: dict[str, Channel] = {}
        self._messages: dict[str, dict[str, Message]] = {}
        for channel in channels:
            self.add_channel(channel)

    def add_channel(self, channel: Channel) -> None:
        """Add a channel or replace one with the same id (keeping its history)."""
        with self._journal.changing():
            self._channels[channel.id] = channel
            self._messages.setdefault(channel.id, {})

    def set_member(self, channel_id: str, is_member: bool) -> None:
        """The bot joins (or leaves) a channel."""
        with self._journal.changing():
            channel = self._require(channel_id)
            self._channels[channel_id] = dataclasses.replace(channel, is_member=is_member)

    def channel(self, channel_id: str) -> Channel | None:
        with self._journal.lock:
            return self._channels.get(channel_id)

    def channels(self) -> list[Channel]:
        with self._journal.lock:
            return list(self._channels.values())

    def next_ts(self) -> str:
        with self._journal.lock:
            return self._clock.next()

    def add_message(self, channel_id: str, text: str = "", **fields: Any) -> Message:
        """Store a new message with a fresh ts; `fields` are `Message` fields (thread_ts, …)."""
        with self._journal.changing():
            self._require(channel_id)
            message = Message(channel=channel_id, ts=self._clock.next(), text=text, **fields)
            self._messages[channel_id][message.ts] = message
            return message

    def replace(self, message: Message) -> None:
        """Store a changed version of an existing message (an edit, a reaction)."""
        with self._journal.changing():
            self._messages[message.channel][message.ts] = message

    def message(self, channel_id: str, ts: str) -> Message | None:
        with self._journal.lock:
            return self._messages.get(channel_id, {}).get(ts)

    def history(self, channel_id: str | None = None) -> list[Message]:
        """Messages (thread replies included) in ts order, of one channel or of all."""
        with self._journal.lock:
            ids = [channel_id] if channel_id is not None else list(self._messages)
            found = [message for id_ in ids for message in self._messages.get(id_, {}).values()]
        return sorted(found, key=lambda message: ts_order(message.ts))

    def thread(self, channel_id: str, ts: str) -> list[Message] | None:
        """The thread `ts` belongs to, parent first, as `conversations.replies` lists it.

        `ts` may be the parent's or any reply's. A message without replies is a thread of one.
        None when the channel has no message `ts`.
        """
        message = self.message(channel_id, ts)
        if message is None:
            return None
        parent_ts = message.thread_ts or message.ts
        return [item for item in self.history(channel_id) if parent_ts in (item.ts, item.thread_ts)]

    def _require(self, channel_id: str) -> Channel:
        channel = self._channels.get(channel_id)
        if channel is None:
            raise KeyError(f"the emulated workspace has no channel {channel_id!r}")
        return channel
