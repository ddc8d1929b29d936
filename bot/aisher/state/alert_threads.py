"""The alert thread map: which Slack card belongs to which Alertmanager group.

Alertmanager names a group of alerts by its `groupKey`; every notification about the group gets
the same card, whichever replica receives it and however often the bot restarts in between.
Records live in Redis hashes (`HGETALL` shows them as they are) under one key per group, and
expire `ttl_s` after their last update.

Updates are read-modify-write with optimistic locking (`WATCH` / `MULTI` / `EXEC`), not a Lua
script: the decision of what a notification changes stays in one Python function (see
`aisher.alerts.workflow.decide`), readable and unit-tested, instead of a second copy in Lua. A
concurrent write by another replica aborts the `EXEC`, and the update runs again on the new
record; with one group touched a few times a minute, conflicts are rare and cheap.

Without Redis the records live in process memory, where an update is atomic because it does
not await. Writes made during an outage are not copied to Redis when it returns.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError
from redis.asyncio import Redis
from redis.exceptions import WatchError
from redis.typing import EncodableT, FieldT

from aisher.redis_link import RedisLink, RedisUnavailable
from aisher.state.local import DEFAULT_CAPACITY, ExpiringDict

log = logging.getLogger(__name__)

R = TypeVar("R")

KEY_PREFIX = "aisher:alert-thread:v1:"
# A group quiet for a week starts a new card; Alertmanager's own memory of it is shorter.
DEFAULT_TTL_S = 7 * 86_400
# Optimistic transactions retried this often before giving up. Each retry means another writer
# got in first; a short random pause spreads contenders out so that a burst (an alert storm on
# several replicas) drains instead of colliding again in lockstep.
MAX_ATTEMPTS = 32
RETRY_PAUSE_S = 0.002
MAX_RETRY_PAUSE_S = 0.05

AlertStatus = Literal["firing", "resolved"]


class AlertThread(BaseModel):
    """What the bot knows about one alert group and its card.

    `ts` is None while a replica posts the card: `claim` is that replica's random token and
    `claimed_at` says since when. `started_at` is
    when the current firing episode began per Alertmanager; `first_seen`/`last_seen` are when the
    bot received the first and latest notification. `resolve_noted` is set once the thread got
    its note about the resolution, so that a second resolved notification adds no second note.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    group_key: str
    status: AlertStatus
    first_seen: AwareDatetime
    last_seen: AwareDatetime
    started_at: AwareDatetime | None = None
    fire_count: int = 0
    resolved_at: AwareDatetime | None = None
    resolve_noted: bool = False
    service: str | None = None
    channel: str | None = None
    ts: str | None = None
    claim: str = ""
    claimed_at: AwareDatetime | None = None
    last_notification: str = ""

    @property
    def has_card(self) -> bool:
        return self.channel is not None and self.ts is not None


Update = Callable[[AlertThread | None], tuple[AlertThread | None, R]]
"""A pure function of the current record (None: none yet) to (record to store, result).

Returning the same record stores nothing; returning None deletes the record. The function may
run more than once when another replica writes concurrently, so it must not have side effects.
"""


class AlertThreads:
    """groupKey → `AlertThread`, shared by replicas through Redis; the link's owner closes it."""

    def __init__(
        self,
        link: RedisLink,
        *,
        ttl_s: int = DEFAULT_TTL_S,
        local_entries: int = DEFAULT_CAPACITY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._link = link
        self._ttl_s = ttl_s
        self._local: ExpiringDict[AlertThread] = ExpiringDict(local_entries, monotonic=monotonic)

    async def get(self, group_key: str) -> AlertThread | None:
        """The record of `group_key`, or None when the group is unknown (or expired)."""
        key = _key(group_key)
        try:
            raw = await self._link.call(lambda client: client.hgetall(key))
        except RedisUnavailable:
            return self._local.get(group_key)
        record = _decode(group_key, raw)
        self._remember(group_key, record)
        return record

    async def update(self, group_key: str, change: Update[R]) -> R:
        """Apply `change` to the record of `group_key` atomically and return its result."""
        try:
            return await self._link.call(
                lambda client: self._update_redis(client, group_key, change)
            )
        except RedisUnavailable:
            record, result = change(self._local.get(group_key))
            self._remember(group_key, record)
            return result

    async def _update_redis(self, client: Redis, group_key: str, change: Update[R]) -> R:
        key = _key(group_key)
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                ceiling = min(MAX_RETRY_PAUSE_S, RETRY_PAUSE_S * 2**attempt)
                await asyncio.sleep(random.uniform(0, ceiling))  # noqa: S311 - jitter, not a secret
            async with client.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(key)
                    current = _decode(group_key, await pipe.hgetall(key))
                    record, result = change(current)
                    if record == current:
                        # Leaving the block resets the pipeline, which also unwatches.
                        self._remember(group_key, current)
                        return result
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.delete(key)
                    if record is not None:
                        pipe.hset(key, mapping=_encode(record))
                        pipe.expire(key, self._ttl_s)
                    await pipe.execute()
                except WatchError:
                    log.debug("alert thread %s changed during an update; retrying", group_key)
                    continue
            self._remember(group_key, record)
            return result
        raise RuntimeError(
            f"alert thread {group_key!r} kept changing during {MAX_ATTEMPTS} update attempts"
        )

    def _remember(self, group_key: str, record: AlertThread | None) -> None:
        if record is None:
            self._local.pop(group_key)
        else:
            self._local.set(group_key, record, self._ttl_s)


def _key(group_key: str) -> str:
    return KEY_PREFIX + group_key


def _encode(record: AlertThread) -> dict[FieldT, EncodableT]:
    # Absent values are left out of the hash rather than stored as a magic string.
    fields: dict[str, Any] = record.model_dump(mode="json", exclude_none=True)
    return {name: _text(value) for name, value in fields.items()}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _decode(group_key: str, raw: Mapping[bytes | str, bytes | str]) -> AlertThread | None:
    if not raw:
        return None
    fields = {_str(name): _str(value) for name, value in raw.items()}
    try:
        return AlertThread.model_validate(fields)
    except ValidationError as exc:
        # Only this module writes these hashes; an unreadable one is treated as no record, so
        # the next notification starts a fresh card rather than failing forever.
        log.warning("ignoring unreadable alert thread %s: %s", group_key, exc)
        return None


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
