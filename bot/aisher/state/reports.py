"""Reports by id, and which Slack message shows which report.

A reaction or a button on a message must find the report behind it (to re-run it, to record
feedback, to open the report page), on whichever replica receives the event. Reports are stored
as JSON through a small codec, so that this store does not depend on the report's class: pass
`pydantic_codec(Report)` for a pydantic model.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel
from redis.asyncio import Redis

from aisher.redis_link import RedisLink, RedisUnavailable
from aisher.state.local import ExpiringDict

log = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

REPORT_PREFIX = "aisher:report:v1:"
MESSAGE_PREFIX = "aisher:report-message:v1:"
DEFAULT_TTL_S = 14 * 86_400
# Reports are a few kilobytes to a few hundred; a thousand of them is a modest fallback.
DEFAULT_LOCAL_ENTRIES = 1_000


@dataclass(frozen=True, slots=True)
class ReportCodec(Generic[T]):
    """How a report becomes text and back; `load` raises `ValueError` on unreadable input."""

    dump: Callable[[T], str]
    load: Callable[[str | bytes], T]


def pydantic_codec(model: type[M]) -> ReportCodec[M]:
    """The codec of a pydantic model class: `model_dump_json` / `model_validate_json`.

    pydantic's `ValidationError` is a `ValueError`, as the codec contract asks.
    """

    def load(raw: str | bytes) -> M:
        return model.model_validate_json(raw)

    return ReportCodec(dump=lambda report: report.model_dump_json(), load=load)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A Slack message: its channel id and timestamp (its id within the channel)."""

    channel: str
    ts: str


class ReportStore(Generic[T]):
    """report id → report, and message → report id, both expiring after `ttl_s`.

    The link is shared and owned by the caller, which closes it.
    """

    def __init__(
        self,
        link: RedisLink,
        codec: ReportCodec[T],
        *,
        ttl_s: int = DEFAULT_TTL_S,
        local_entries: int = DEFAULT_LOCAL_ENTRIES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._link = link
        self._codec = codec
        self._ttl_s = ttl_s
        self._reports: ExpiringDict[str] = ExpiringDict(local_entries, monotonic=monotonic)
        self._messages: ExpiringDict[str] = ExpiringDict(local_entries, monotonic=monotonic)

    async def save(self, report_id: str, report: T) -> None:
        """Store `report` under `report_id`, replacing any earlier one."""
        text = self._codec.dump(report)
        self._reports.set(report_id, text, self._ttl_s)
        key = REPORT_PREFIX + report_id
        try:
            await self._link.call(lambda client: client.set(key, text, ex=self._ttl_s))
        except RedisUnavailable:
            return

    async def load(self, report_id: str) -> T | None:
        """The report under `report_id`, or None when unknown, expired or unreadable."""
        key = REPORT_PREFIX + report_id

        async def read(client: Redis) -> bytes | str | None:
            value: bytes | str | None = await client.get(key)
            return value

        try:
            raw = await self._link.call(read)
        except RedisUnavailable:
            text = self._reports.get(report_id)
        else:
            # Redis is the truth while it answers: a report gone there is gone here too.
            text = None if raw is None else _text(raw)
            if text is None:
                self._reports.pop(report_id)
            else:
                self._reports.set(report_id, text, self._ttl_s)
        if text is None:
            return None
        try:
            return self._codec.load(text)
        except ValueError as exc:
            log.warning("ignoring unreadable report %s: %s", report_id, exc)
            return None

    async def record_post(self, report_id: str, message: MessageRef) -> None:
        """Remember that `message` shows the report `report_id`."""
        name = _message_name(message)
        self._messages.set(name, report_id, self._ttl_s)
        key = MESSAGE_PREFIX + name
        try:
            await self._link.call(lambda client: client.set(key, report_id, ex=self._ttl_s))
        except RedisUnavailable:
            return

    async def report_id_at(self, message: MessageRef) -> str | None:
        """The id of the report `message` shows, or None when it shows none we know of."""
        name = _message_name(message)
        key = MESSAGE_PREFIX + name

        async def read(client: Redis) -> bytes | str | None:
            value: bytes | str | None = await client.get(key)
            return value

        try:
            raw = await self._link.call(read)
        except RedisUnavailable:
            return self._messages.get(name)
        if raw is None:
            return None
        report_id = _text(raw)
        self._messages.set(name, report_id, self._ttl_s)
        return report_id

    async def load_at(self, message: MessageRef) -> T | None:
        """The report `message` shows, or None."""
        report_id = await self.report_id_at(message)
        return None if report_id is None else await self.load(report_id)


def _message_name(message: MessageRef) -> str:
    # Channel ids and timestamps contain neither `:` nor spaces, so the pair is unambiguous.
    return f"{message.channel}:{message.ts}"


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw
