"""The Web API methods that act on the workspace: chat.*, reactions.* and conversations.*.

Each method takes the call's parameters and returns the body of an `ok` answer, or raises
`ApiError` with Slack's error code. Access follows Slack: a private channel the bot is not in
does not exist for it (`channel_not_found`); a public one can be posted to only with
`chat:write.public` and read only by a member (`not_in_channel`). A missing OAuth scope is
`missing_scope`, so a manifest that lacks one fails here as it would in production.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from aisher.testing.slack_emulator.message_rules import check_message
from aisher.testing.slack_emulator.params import flag, json_field, page_limit, text_param
from aisher.testing.slack_emulator.records import (
    Channel,
    Ephemeral,
    Identity,
    JsonObject,
    Message,
    Reaction,
    Update,
)
from aisher.testing.slack_emulator.workspace import Workspace, ts_order


class ApiError(Exception):
    """An `ok: false` answer; `extra` adds fields such as `errors` or `needed`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


class Methods:
    """Serves the workspace methods for the bot; records updates, ephemerals and reactions."""

    def __init__(
        self,
        identity: Identity,
        workspace: Workspace,
        scopes: frozenset[str],
        *,
        block_text_limit: int | None,
        on_bot_message: Callable[[Message], None],
    ) -> None:
        self._identity = identity
        self._workspace = workspace
        self._scopes = scopes
        self._block_text_limit = block_text_limit
        self._on_bot_message = on_bot_message
        self.updates: list[Update] = []
        self.ephemerals: list[Ephemeral] = []
        self.reactions: list[Reaction] = []

    def table(self) -> dict[str, Callable[[JsonObject], JsonObject]]:
        return {
            "chat.postMessage": self.post_message,
            "chat.update": self.update,
            "chat.postEphemeral": self.post_ephemeral,
            "chat.getPermalink": self.permalink,
            "reactions.add": self.add_reaction,
            "reactions.remove": self.remove_reaction,
            "conversations.info": self.info,
            "conversations.replies": self.replies,
            "conversations.history": self.history,
        }

    def post_message(self, params: JsonObject) -> JsonObject:
        self._need("chat:write")
        channel = self._writable(params)
        text, blocks, attachments = self._content(params)
        message = self._workspace.add_message(
            channel.id,
            text or "",
            blocks=tuple(blocks or ()),
            attachments=tuple(attachments or ()),
            thread_ts=text_param(params.get("thread_ts")),
            user=self._identity.bot_user_id,
            bot_id=self._identity.bot_id,
            reply_broadcast=flag(params.get("reply_broadcast")),
            metadata=json_field(params.get("metadata")),
        )
        self._on_bot_message(message)
        return {"channel": channel.id, "ts": message.ts, "message": self._as_bot(message)}

    def update(self, params: JsonObject) -> JsonObject:
        self._need("chat:write")
        channel = self._visible(params.get("channel"))
        old = self._existing(channel, params.get("ts"))
        if old.bot_id != self._identity.bot_id:
            raise ApiError("cant_update_message")
        given_text, given_blocks, given_attachments = self._content(params, merging=old)
        text = old.text if given_text is None else given_text
        blocks = old.blocks if given_blocks is None else tuple(given_blocks)
        attachments = old.attachments if given_attachments is None else tuple(given_attachments)
        new = _replaced(old, text=text, blocks=blocks, attachments=attachments, edited=True)
        self._workspace.replace(new)
        self.updates.append(Update(channel.id, old.ts, text, blocks))
        return {"channel": channel.id, "ts": old.ts, "text": text, "message": self._as_bot(new)}

    def post_ephemeral(self, params: JsonObject) -> JsonObject:
        self._need("chat:write")
        channel = self._writable(params)
        user = text_param(params.get("user"))
        if not user:
            raise ApiError("user_not_found")
        text, blocks, _ = self._content(params)
        ts = self._workspace.next_ts()
        thread_ts = text_param(params.get("thread_ts"))
        self.ephemerals.append(
            Ephemeral(channel.id, user, text or "", tuple(blocks or ()), thread_ts, ts)
        )
        return {"message_ts": ts}

    def permalink(self, params: JsonObject) -> JsonObject:
        channel = self._visible(params.get("channel"))
        message = self._existing(channel, params.get("message_ts"))
        digits = message.ts.replace(".", "")
        link = f"https://{self._identity.team_domain}.slack.com/archives/{channel.id}/p{digits}"
        return {"channel": channel.id, "permalink": link}

    def add_reaction(self, params: JsonObject) -> JsonObject:
        self._need("reactions:write")
        message, name = self._reaction_target(params)
        if name in message.reactions:
            raise ApiError("already_reacted")
        self._workspace.replace(_replaced(message, reactions=(*message.reactions, name)))
        self.reactions.append(Reaction(message.channel, message.ts, name))
        return {}

    def remove_reaction(self, params: JsonObject) -> JsonObject:
        self._need("reactions:write")
        message, name = self._reaction_target(params)
        if name not in message.reactions:
            raise ApiError("no_reaction")
        kept = tuple(item for item in message.reactions if item != name)
        self._workspace.replace(_replaced(message, reactions=kept))
        self.reactions.append(Reaction(message.channel, message.ts, name, removed=True))
        return {}

    def info(self, params: JsonObject) -> JsonObject:
        channel = self._visible(params.get("channel"))
        self._need("groups:read" if channel.is_private else "channels:read")
        return {
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_channel": not channel.is_private,
                "is_group": False,
                "is_im": channel.id.startswith("D"),
                "is_private": channel.is_private,
                "is_archived": False,
                "is_member": channel.is_member,
                "context_team_id": self._identity.team_id,
            }
        }

    def replies(self, params: JsonObject) -> JsonObject:
        channel = self._readable(params.get("channel"))
        ts = text_param(params.get("ts"))
        thread = self._workspace.thread(channel.id, ts or "")
        if not thread:
            raise ApiError("thread_not_found")
        limit = page_limit(params.get("limit"))
        messages = [_with_thread_fields(item, thread) for item in thread]
        return {"messages": messages[:limit], "has_more": len(messages) > limit}

    def history(self, params: JsonObject) -> JsonObject:
        channel = self._readable(params.get("channel"))
        inclusive = flag(params.get("inclusive"))
        latest = text_param(params.get("latest"))
        oldest = text_param(params.get("oldest"))
        top_level = [
            item
            for item in reversed(self._workspace.history(channel.id))
            if (not item.is_reply or item.reply_broadcast)
            and _within(item.ts, oldest=oldest, latest=latest, inclusive=inclusive)
        ]
        limit = page_limit(params.get("limit"))
        return {
            "messages": [m.to_slack() for m in top_level[:limit]],
            "has_more": len(top_level) > limit,
        }

    def _content(
        self, params: JsonObject, merging: Message | None = None
    ) -> tuple[str | None, list[JsonObject] | None, list[JsonObject] | None]:
        text = text_param(params.get("text"))
        blocks = json_field(params.get("blocks"))
        attachments = json_field(params.get("attachments"))
        checked_text = text if text is not None or merging is None else merging.text
        checked_blocks = blocks if blocks is not None or merging is None else list(merging.blocks)
        rejection = check_message(
            checked_text, checked_blocks, attachments, block_text_limit=self._block_text_limit
        )
        if rejection is not None:
            extra = {"errors": list(rejection.errors)} if rejection.errors else {}
            raise ApiError(rejection.error, **extra)
        return text, blocks, attachments

    def _writable(self, params: JsonObject) -> Channel:
        channel = self._visible(params.get("channel"))
        if not channel.is_member and "chat:write.public" not in self._scopes:
            raise ApiError("not_in_channel")
        return channel

    def _readable(self, channel_ref: Any) -> Channel:
        channel = self._visible(channel_ref)
        self._need("groups:history" if channel.is_private else "channels:history")
        if not channel.is_member:
            raise ApiError("not_in_channel")
        return channel

    def _visible(self, channel_ref: Any) -> Channel:
        """The channel the id (or `#name`) names, as far as the bot can see it."""
        reference = text_param(channel_ref) or ""
        channel = self._workspace.channel(reference)
        if channel is None:
            name = reference.removeprefix("#")
            matches = [item for item in self._workspace.channels() if item.name == name]
            channel = matches[0] if matches else None
        if channel is None or (channel.is_private and not channel.is_member):
            raise ApiError("channel_not_found")
        return channel

    def _existing(self, channel: Channel, ts: Any) -> Message:
        message = self._workspace.message(channel.id, text_param(ts) or "")
        if message is None:
            raise ApiError("message_not_found")
        return message

    def _reaction_target(self, params: JsonObject) -> tuple[Message, str]:
        channel = self._visible(params.get("channel"))
        message = self._existing(channel, params.get("timestamp"))
        name = (text_param(params.get("name")) or "").strip(":")
        if not name:
            raise ApiError("invalid_name")
        return message, name

    def _need(self, scope: str) -> None:
        if scope not in self._scopes:
            raise ApiError("missing_scope", needed=scope, provided=",".join(sorted(self._scopes)))

    def _as_bot(self, message: Message) -> JsonObject:
        body = message.to_slack()
        body.update(
            {
                "app_id": self._identity.app_id,
                "team": self._identity.team_id,
                "bot_profile": {
                    "id": self._identity.bot_id,
                    "app_id": self._identity.app_id,
                    "name": self._identity.bot_name,
                    "team_id": self._identity.team_id,
                },
            }
        )
        return body


def _replaced(message: Message, **changes: Any) -> Message:
    return dataclasses.replace(message, **changes)


def _with_thread_fields(message: Message, thread: list[Message]) -> JsonObject:
    """Slack marks a thread's parent with its own ts as `thread_ts` and a reply count."""
    body = message.to_slack()
    replies = len(thread) - 1
    if not message.is_reply and replies > 0:
        body["thread_ts"] = message.ts
        body["reply_count"] = replies
    return body


def _within(ts: str, *, oldest: str | None, latest: str | None, inclusive: bool) -> bool:
    key = ts_order(ts)
    if oldest is not None:
        bound = ts_order(oldest)
        if key < bound or (key == bound and not inclusive):
            return False
    if latest is not None:
        bound = ts_order(latest)
        if key > bound or (key == bound and not inclusive):
            return False
    return True
