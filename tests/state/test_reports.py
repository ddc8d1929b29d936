"""Reports by id through a codec, and which message shows which report."""

from __future__ import annotations

import logging

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis

from aisher.analysis import Report
from aisher.state.reports import (
    REPORT_PREFIX,
    MessageRef,
    ReportCodec,
    ReportStore,
    pydantic_codec,
)
from tests.state.conftest import Links
from tests.support.incidents import make_report
from tests.support.redis_server import RedisServer


class StandInReport(BaseModel):
    """A pydantic model in place of the analysis report; the store only sees its codec."""

    service: str
    error_count: int
    remediation: tuple[str, ...] = ()


REPORT = StandInReport(service="checkout-svc", error_count=412, remediation=("roll back",))
MESSAGE = MessageRef("C0ALERTS", "1764151200.000100")


def store(link_url: str | None, links: Links, **options: int) -> ReportStore[StandInReport]:
    return ReportStore(
        links.open(link_url),
        pydantic_codec(StandInReport),
        monotonic=links.clock.monotonic,
        **options,
    )


class TestReportStore:
    async def test_save_and_load_across_replicas(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """A report saved by one replica loads, equal, on another."""
        await store(redis_server.url, links).save("r1", REPORT)
        assert await store(redis_server.url, links).load("r1") == REPORT

    async def test_reports_expire_after_the_ttl(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """The report key carries the configured TTL (14 days by default)."""
        await store(redis_server.url, links).save("r1", REPORT)
        await store(redis_server.url, links, ttl_s=60).save("r2", REPORT)
        client = Redis.from_url(redis_server.url)
        default_ttl = await client.ttl(REPORT_PREFIX + "r1")
        short_ttl = await client.ttl(REPORT_PREFIX + "r2")
        await client.aclose()
        assert 14 * 86_400 - 5 < default_ttl <= 14 * 86_400
        assert 0 < short_ttl <= 60

    async def test_message_finds_its_report(self, links: Links, redis_server: RedisServer) -> None:
        """A reaction on a posted message finds the report, on any replica."""
        await store(redis_server.url, links).save("r1", REPORT)
        await store(redis_server.url, links).record_post("r1", MESSAGE)
        other = store(redis_server.url, links)
        assert await other.report_id_at(MESSAGE) == "r1"
        assert await other.load_at(MESSAGE) == REPORT
        assert await other.report_id_at(MessageRef("C0ALERTS", "1.2")) is None
        assert await other.load_at(MessageRef("C0OTHER", MESSAGE.ts)) is None

    async def test_unknown_and_unreadable_reports_are_none(
        self, links: Links, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """An unknown id, or JSON of another shape, loads as None with a warning."""
        client = Redis.from_url(redis_server.url)
        await client.set(REPORT_PREFIX + "bad", b'{"service": 5}')
        await client.aclose()
        reports = store(redis_server.url, links)
        assert await reports.load("missing") is None
        with caplog.at_level(logging.WARNING, logger="aisher.state.reports"):
            assert await reports.load("bad") is None
        assert "unreadable report bad" in caplog.records[0].getMessage()

    async def test_works_without_redis_and_expires(self, links: Links) -> None:
        """Without Redis, reports and posts live in memory until their TTL."""
        reports = store(None, links, ttl_s=60)
        await reports.save("r1", REPORT)
        await reports.record_post("r1", MESSAGE)
        assert await reports.load_at(MESSAGE) == REPORT
        links.clock.advance(61)
        assert await reports.load("r1") is None
        assert await reports.report_id_at(MESSAGE) is None

    async def test_outage_serves_what_this_replica_saw(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """Reports written or read before an outage are still served during it."""
        writer = store(redis_server.url, links)
        reader = store(redis_server.url, links)
        await writer.save("r1", REPORT)
        await writer.record_post("r1", MESSAGE)
        assert await reader.load_at(MESSAGE) == REPORT
        redis_server.kill()
        assert await reader.load_at(MESSAGE) == REPORT
        assert await writer.load("r1") == REPORT

    async def test_any_codec_works(self, links: Links) -> None:
        """The store depends on the codec only: a plain-text codec stores strings."""
        codec: ReportCodec[str] = ReportCodec(dump=str.upper, load=str)
        reports = ReportStore(links.open(None), codec)
        await reports.save("r", "quiet")
        assert await reports.load("r") == "QUIET"

    async def test_analysis_report_round_trips(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """The real analysis Report, every section filled, comes back equal from Redis."""
        report = make_report()
        reports = ReportStore(links.open(redis_server.url), pydantic_codec(Report))
        await reports.save(report.id, report)
        await reports.record_post(report.id, MESSAGE)
        other = ReportStore(links.open(redis_server.url), pydantic_codec(Report))
        assert await other.load_at(MESSAGE) == report
