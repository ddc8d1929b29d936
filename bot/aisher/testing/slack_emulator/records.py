"""What the emulator remembers: immutable snapshots that tests read and compare.

The emulator's own state changes on its thread; everything handed to a test is one of these
frozen records (or a list of them), so a test can keep it without racing the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the bot is in the emulated workspace; `auth.test` answers with these ids."""

    team_id: str = "T_AISHER"
    team_domain: str = "aisher-test"
    enterprise_id: str | None = None
    app_id: str = "A_AISHER"
    bot_user_id: str = "U_AISHER"
    bot_id: str = "B_AISHER"
    bot_name: str = "aisher"


@dataclass(frozen=True, slots=True)
class Channel:
    """A conversation; the bot sees a private one only when it is a member."""

    id: str
    name: str
    is_private: bool = False
    is_member: bool = True

    @property
    def channel_type(self) -> str:
        """The `channel_type` Slack puts on message events from this conversation."""
        if self.id.startswith("D"):
            return "im"
        return "group" if self.is_private else "channel"


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Web API request and how the emulator answered it."""

    method: str
    params: JsonObject
    token: str | None
    http_status: int
    ok: bool
    error: str | None
    at: float  # time.monotonic() when answered


@dataclass(frozen=True, slots=True)
class Message:
    """A message in a channel's history, as it reads now (after any `chat.update`)."""

    channel: str
    ts: str
    text: str
    blocks: tuple[JsonObject, ...] = ()
    attachments: tuple[JsonObject, ...] = ()
    thread_ts: str | None = None
    user: str | None = None
    bot_id: str | None = None
    subtype: str | None = None
    username: str | None = None
    reply_broadcast: bool = False
    edited: bool = False
    reactions: tuple[str, ...] = ()  # the ones the bot added
    metadata: JsonObject | None = None

    @property
    def is_reply(self) -> bool:
        """True for a message inside a thread other than the thread's parent."""
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_slack(self) -> JsonObject:
        """The message object as Slack returns it from the Web API and in payloads."""
        body: JsonObject = {"type": "message", "ts": self.ts, "text": self.text}
        optional: JsonObject = {
            "user": self.user,
            "bot_id": self.bot_id,
            "subtype": self.subtype,
            "username": self.username,
            "thread_ts": self.thread_ts,
            "metadata": self.metadata,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        if self.blocks:
            body["blocks"] = [dict(block) for block in self.blocks]
        if self.attachments:
            body["attachments"] = [dict(item) for item in self.attachments]
        if self.reply_broadcast:
            body["subtype"] = "thread_broadcast"
        if self.edited:
            body["edited"] = {"user": self.user or "", "ts": self.ts}
        if self.reactions:
            body["reactions"] = [{"name": name, "count": 1} for name in self.reactions]
        return body


@dataclass(frozen=True, slots=True)
class Update:
    """One successful `chat.update`: the new text and blocks of `ts`."""

    channel: str
    ts: str
    text: str
    blocks: tuple[JsonObject, ...]


@dataclass(frozen=True, slots=True)
class Ephemeral:
    """One `chat.postEphemeral`: seen only by `user`, never part of the history."""

    channel: str
    user: str
    text: str
    blocks: tuple[JsonObject, ...]
    thread_ts: str | None
    message_ts: str


@dataclass(frozen=True, slots=True)
class Reaction:
    """One reaction the bot added (`removed` when it was later taken back)."""

    channel: str
    ts: str
    name: str
    removed: bool = False


@dataclass(frozen=True, slots=True)
class ResponsePost:
    """One POST to a `response_url` the emulator handed out."""

    url: str
    envelope_id: str
    body: JsonObject
    accepted: bool


@dataclass(frozen=True, slots=True)
class Delivery:
    """One envelope sent over a websocket (a redelivery is a new delivery, same envelope id)."""

    envelope_id: str
    type: str
    attempt: int  # 0 first, then the envelope's retry_attempt
    connection: int
    sent_at: float  # time.monotonic()


@dataclass(frozen=True, slots=True)
class Ack:
    """A client's acknowledgement of an envelope, with the optional response payload."""

    envelope_id: str
    payload: JsonObject | None
    attempt: int
    connection: int
    latency_s: float  # from the delivery it answers to the ack's arrival


@dataclass(frozen=True, slots=True)
class Connection:
    """One Socket Mode websocket: numbered from 1 in the order clients connected."""

    number: int
    ticket: str
    open: bool
