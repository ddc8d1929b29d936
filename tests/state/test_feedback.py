"""Feedback votes: one per user per report, counted, shared through Redis."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from aisher.state.feedback import KEY_PREFIX, Feedback, FeedbackCounts, FeedbackStore, Vote
from tests.state.conftest import Links
from tests.support.redis_server import RedisServer

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
MODEL = "openai/gpt-4o-mini"


def vote(user: str, choice: Vote, *, report_id: str = "r1", minutes: int = 0) -> Feedback:
    return Feedback(
        report_id=report_id,
        vote=choice,
        user=user,
        model=MODEL,
        prompt_version="rca-1a2b3c",
        at=T0 + timedelta(minutes=minutes),
    )


class TestFeedbackStore:
    async def test_counts_one_vote_per_user(self, links: Links, redis_server: RedisServer) -> None:
        """Votes count per user; a changed vote replaces the earlier one."""
        feedback = FeedbackStore(links.open(redis_server.url))
        assert await feedback.record(vote("U1", Vote.UP)) == FeedbackCounts(up=1)
        assert await feedback.record(vote("U2", Vote.UP)) == FeedbackCounts(up=2)
        assert await feedback.record(vote("U1", Vote.DOWN, minutes=1)) == FeedbackCounts(1, 1)
        assert await feedback.record(vote("U1", Vote.DOWN, minutes=2)) == FeedbackCounts(1, 1)
        assert await feedback.counts("other") == FeedbackCounts()

    async def test_votes_keep_model_and_prompt(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """Each vote is kept with who, when, and the model and prompt that made the report."""
        feedback = FeedbackStore(links.open(redis_server.url))
        await feedback.record(vote("U2", Vote.DOWN, minutes=3))
        await feedback.record(vote("U1", Vote.UP, minutes=1))
        votes = await FeedbackStore(links.open(redis_server.url)).votes("r1")
        assert [item.user for item in votes] == ["U1", "U2"]
        assert votes[0] == vote("U1", Vote.UP, minutes=1)

    async def test_concurrent_votes_from_two_replicas(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """Votes of many users arriving at once on two replicas are all counted."""
        one = FeedbackStore(links.open(redis_server.url))
        two = FeedbackStore(links.open(redis_server.url))
        await asyncio.gather(
            *(
                (one if index % 2 else two).record(
                    vote(f"U{index}", Vote.UP if index % 3 else Vote.DOWN)
                )
                for index in range(30)
            )
        )
        assert await one.counts("r1") == FeedbackCounts(up=20, down=10)

    async def test_withdraw_removes_a_vote(self, links: Links, redis_server: RedisServer) -> None:
        """A removed reaction withdraws that user's vote only."""
        feedback = FeedbackStore(links.open(redis_server.url))
        await feedback.record(vote("U1", Vote.UP))
        await feedback.record(vote("U2", Vote.DOWN))
        assert await feedback.withdraw("r1", "U1") == FeedbackCounts(down=1)
        assert await feedback.withdraw("r1", "U9") == FeedbackCounts(down=1)

    async def test_votes_expire_with_the_ttl(self, links: Links, redis_server: RedisServer) -> None:
        """The votes of a report carry the configured TTL."""
        await FeedbackStore(links.open(redis_server.url), ttl_s=120).record(vote("U1", Vote.UP))
        client = Redis.from_url(redis_server.url)
        ttl = await client.ttl(KEY_PREFIX + "r1")
        await client.aclose()
        assert 0 < ttl <= 120

    async def test_unreadable_entries_are_skipped(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """A garbage entry in the hash is ignored; the rest still count."""
        feedback = FeedbackStore(links.open(redis_server.url))
        await feedback.record(vote("U1", Vote.UP))
        client = Redis.from_url(redis_server.url)
        await client.hset(KEY_PREFIX + "r1", "U2", b"not json")
        await client.aclose()
        assert await feedback.counts("r1") == FeedbackCounts(up=1)

    async def test_works_without_redis_and_through_an_outage(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """Without Redis, or while it is down, votes are counted in memory."""
        alone = FeedbackStore(links.open(None))
        await alone.record(vote("U1", Vote.UP))
        assert await alone.record(vote("U1", Vote.DOWN)) == FeedbackCounts(down=1)
        assert await alone.withdraw("r1", "U1") == FeedbackCounts()

        shared = FeedbackStore(links.open(redis_server.url))
        await shared.record(vote("U1", Vote.UP))
        redis_server.kill()
        assert await shared.record(vote("U2", Vote.UP)) == FeedbackCounts(up=2)
        assert await shared.counts("r1") == FeedbackCounts(up=2)
