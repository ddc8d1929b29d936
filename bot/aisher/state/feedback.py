"""Feedback on reports: one vote per user per report, with the model and prompt that made it.

Votes of a report live in one Redis hash, user → vote as JSON, so a changed vote replaces the
old one by construction (`HSET`) and counting is one `HVALS`. The model and prompt version are
kept with each vote so that quality can be compared across models and prompt versions later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from redis.asyncio import Redis

from aisher.redis_link import RedisLink, RedisUnavailable
from aisher.state.local import ExpiringDict

log = logging.getLogger(__name__)

KEY_PREFIX = "aisher:feedback:v1:"
# Feedback outlives the reports it rates (14 days) so that evaluations can look further back.
DEFAULT_TTL_S = 90 * 86_400
DEFAULT_LOCAL_REPORTS = 1_000


class Vote(StrEnum):
    UP = "up"
    DOWN = "down"


class Feedback(BaseModel):
    """One user's vote on one report."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    report_id: str = Field(min_length=1)
    vote: Vote
    user: str = Field(min_length=1)
    model: str
    prompt_version: str | None = None
    at: AwareDatetime


@dataclass(frozen=True, slots=True)
class FeedbackCounts:
    up: int = 0
    down: int = 0

    @classmethod
    def of(cls, votes: Iterable[Feedback]) -> FeedbackCounts:
        listed = list(votes)
        return cls(
            up=sum(1 for item in listed if item.vote is Vote.UP),
            down=sum(1 for item in listed if item.vote is Vote.DOWN),
        )


class FeedbackStore:
    """Votes per report, shared through Redis; the link's owner closes it."""

    def __init__(
        self,
        link: RedisLink,
        *,
        ttl_s: int = DEFAULT_TTL_S,
        local_reports: int = DEFAULT_LOCAL_REPORTS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._link = link
        self._ttl_s = ttl_s
        # report id → user → vote; the fallback for an outage, and what this replica saw.
        self._local: ExpiringDict[dict[str, Feedback]] = ExpiringDict(
            local_reports, monotonic=monotonic
        )

    async def record(self, feedback: Feedback) -> FeedbackCounts:
        """Record `feedback`, replacing the same user's earlier vote; returns the new counts."""
        votes = dict(self._local.get(feedback.report_id) or {})
        votes[feedback.user] = feedback
        self._local.set(feedback.report_id, votes, self._ttl_s)
        key = KEY_PREFIX + feedback.report_id
        payload = feedback.model_dump_json()

        async def write(client: Redis) -> list[bytes | str]:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hset(key, feedback.user, payload)
                pipe.expire(key, self._ttl_s)
                pipe.hvals(key)
                _, _, values = await pipe.execute()
            return list(values)

        try:
            values = await self._link.call(write)
        except RedisUnavailable:
            return FeedbackCounts.of(votes.values())
        return FeedbackCounts.of(self._remember(feedback.report_id, values))

    async def withdraw(self, report_id: str, user: str) -> FeedbackCounts:
        """Forget `user`'s vote on `report_id` (a reaction was removed); returns the counts."""
        votes = dict(self._local.get(report_id) or {})
        votes.pop(user, None)
        self._local.set(report_id, votes, self._ttl_s)
        key = KEY_PREFIX + report_id

        async def delete(client: Redis) -> list[bytes | str]:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hdel(key, user)
                pipe.hvals(key)
                _, values = await pipe.execute()
            return list(values)

        try:
            values = await self._link.call(delete)
        except RedisUnavailable:
            return FeedbackCounts.of(votes.values())
        return FeedbackCounts.of(self._remember(report_id, values))

    async def votes(self, report_id: str) -> list[Feedback]:
        """Every vote on `report_id`, oldest first."""
        key = KEY_PREFIX + report_id

        async def read(client: Redis) -> list[bytes | str]:
            values: list[bytes | str] = await client.hvals(key)
            return values

        try:
            values = await self._link.call(read)
        except RedisUnavailable:
            listed = list((self._local.get(report_id) or {}).values())
        else:
            listed = self._remember(report_id, values)
        return sorted(listed, key=lambda item: item.at)

    async def counts(self, report_id: str) -> FeedbackCounts:
        """Up and down votes on `report_id`."""
        return FeedbackCounts.of(await self.votes(report_id))

    def _remember(self, report_id: str, values: Iterable[bytes | str]) -> list[Feedback]:
        listed = [item for item in (_decode(value) for value in values) if item is not None]
        self._local.set(report_id, {item.user: item for item in listed}, self._ttl_s)
        return listed


def _decode(value: bytes | str) -> Feedback | None:
    try:
        return Feedback.model_validate_json(value)
    except ValidationError as exc:
        log.warning("ignoring an unreadable feedback entry: %s", exc)
        return None
