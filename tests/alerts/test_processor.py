"""The alert processor with a fake Slack and the real thread map, in memory and in Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from aisher.alerts.payload import AlertNotification, parse_alert_payload
from aisher.alerts.processor import AlertProcessor, ProcessorSettings, alert_job, alert_order_key
from aisher.alerts.target import TargetSettings
from aisher.alerts.workflow import Plan
from aisher.redis_link import RedisLink
from aisher.state.alert_threads import AlertThreads
from aisher.state.jobs import Job
from tests.alerts.fake_sink import FakeSink, SlackDown
from tests.alerts.payloads import alertmanager_alert, alertmanager_payload, body, signoz_payload
from tests.support.clocks import ManualClock
from tests.support.redis_server import RedisServer

CHANNEL = "C0ALERTS"


def firing(*fingerprints: str, starts_at: str = "2026-11-26T09:58:00Z") -> AlertNotification:
    alerts = [
        alertmanager_alert(fingerprint=print_, starts_at=starts_at) for print_ in fingerprints
    ]
    return parse_alert_payload(body(alertmanager_payload(alerts=alerts or None)))


def resolved(*fingerprints: str, ends_at: str = "2026-11-26T10:40:00Z") -> AlertNotification:
    alerts = [
        alertmanager_alert(
            status="resolved",
            fingerprint=print_,
            starts_at="2026-11-26T09:58:00Z",
            ends_at=ends_at,
        )
        for print_ in fingerprints or ("1a30ba71cca2921f",)
    ]
    return parse_alert_payload(body(alertmanager_payload(status="resolved", alerts=alerts)))


def from_payload(payload: dict[str, Any]) -> AlertNotification:
    return parse_alert_payload(body(payload))


class Replicas:
    """Processors that share one fake Slack and one clock, each with its own Redis link."""

    def __init__(self) -> None:
        self.clock = ManualClock(datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
        self.sink = FakeSink()
        self._links: list[RedisLink] = []

    def start(self, redis_url: str | None) -> AlertProcessor:
        link = RedisLink(redis_url, monotonic=self.clock.monotonic)
        self._links.append(link)
        threads = AlertThreads(link, monotonic=self.clock.monotonic)
        settings = ProcessorSettings(channel=CHANNEL, targets=TargetSettings())
        return AlertProcessor(threads, self.sink, settings, clock=self.clock.now)

    async def close(self) -> None:
        for link in self._links:
            await link.close()


@pytest.fixture
async def replicas() -> AsyncIterator[Replicas]:
    """Processor factory for one test; every Redis link is closed afterwards."""
    factory = Replicas()
    try:
        yield factory
    finally:
        await factory.close()


async def run_lifecycle(replicas: Replicas, first: AlertProcessor, second: AlertProcessor) -> None:
    """First firing, repeat, duplicate, resolution and a second resolved, across processors."""
    sink = replicas.sink
    assert (await first.process(firing("a"))).plan is Plan.NEW_CARD
    message, card = sink.only_card()
    assert (card.status, card.fire_count, card.service) == ("firing", 1, "checkout-svc")
    assert [analysed for analysed, _ in sink.analyses] == [message]
    target = sink.analyses[0][1]
    assert target.service == "checkout-svc"
    assert target.window.start == datetime(2026, 11, 26, 9, 53, tzinfo=UTC)

    replicas.clock.advance(300)
    assert (await second.process(firing("a", "b"))).plan is Plan.UPDATE
    assert sink.only_card()[1].fire_count == 2
    assert sink.only_card()[1].last_seen == replicas.clock.now()

    replicas.clock.advance(20)
    assert (await first.process(firing("a", "b"))).plan is Plan.DUPLICATE
    assert len(sink.updates) == 1

    replicas.clock.advance(1200)
    assert (await second.process(resolved("a", "b"))).plan is Plan.RESOLVE
    _, card = sink.only_card()
    assert card.status == "resolved"
    assert card.resolved_at == datetime(2026, 11, 26, 10, 40, tzinfo=UTC)
    assert len(sink.notes) == 1
    assert "Resolved after 42m" in sink.notes[0][1]

    replicas.clock.advance(60)
    assert (await first.process(resolved("a"))).plan is Plan.RECORD
    assert len(sink.notes) == 1
    assert len(sink.analyses) == 1


class TestAlertProcessor:
    async def test_lifecycle_in_process(self, replicas: Replicas) -> None:
        """Without Redis one processor keeps one card through the whole lifecycle."""
        processor = replicas.start(None)
        await run_lifecycle(replicas, processor, processor)

    async def test_lifecycle_in_redis(self, replicas: Replicas, redis_server: RedisServer) -> None:
        """With Redis one processor keeps one card through the whole lifecycle."""
        processor = replicas.start(redis_server.url)
        await run_lifecycle(replicas, processor, processor)

    async def test_second_replica_keeps_the_card(
        self, replicas: Replicas, redis_server: RedisServer
    ) -> None:
        """Two replicas sharing Redis take turns on one group and keep to one card."""
        await run_lifecycle(
            replicas, replicas.start(redis_server.url), replicas.start(redis_server.url)
        )

    async def test_restart_keeps_the_card(
        self, replicas: Replicas, redis_server: RedisServer
    ) -> None:
        """A processor started after a restart updates the card posted before it."""
        before = replicas.start(redis_server.url)
        await before.process(firing("a"))
        await replicas.close()
        after = replicas.start(redis_server.url)
        replicas.clock.advance(600)
        assert (await after.process(firing("a", "b"))).plan is Plan.UPDATE
        assert replicas.sink.only_card()[1].fire_count == 2

    async def test_same_first_notification_on_two_replicas_posts_one_card(
        self, replicas: Replicas, redis_server: RedisServer
    ) -> None:
        """Two Alertmanager peers sending the same notification to two replicas: one card."""
        one, two = replicas.start(redis_server.url), replicas.start(redis_server.url)
        decisions = await asyncio.gather(one.process(firing("a")), two.process(firing("a")))
        assert sorted(decision.plan for decision in decisions) == [
            Plan.DUPLICATE,
            Plan.NEW_CARD,
        ]
        replicas.sink.only_card()
        assert len(replicas.sink.analyses) == 1

    async def test_notifications_during_posting_reach_the_card(
        self, replicas: Replicas, redis_server: RedisServer
    ) -> None:
        """A repeat and a resolution arriving while the card is posted are shown once it is."""
        sink = replicas.sink
        sink.hold_posts = asyncio.Event()
        poster, other = replicas.start(redis_server.url), replicas.start(redis_server.url)
        posting = asyncio.create_task(poster.process(firing("a")))
        await asyncio.wait_for(sink.posting.wait(), timeout=10)
        replicas.clock.advance(10)
        assert (await other.process(firing("a", "b"))).plan is Plan.PENDING
        replicas.clock.advance(10)
        assert (await other.process(resolved("a", "b"))).plan is Plan.PENDING
        assert not sink.cards
        sink.hold_posts.set()
        assert (await asyncio.wait_for(posting, timeout=10)).plan is Plan.NEW_CARD
        message, card = sink.only_card()
        assert (card.status, card.fire_count) == ("resolved", 2)
        assert [note for _, note in sink.notes if "Resolved" in note] != []
        assert len(sink.notes) == 1
        assert [analysed for analysed, _ in sink.analyses] == [message]

    async def test_failed_post_lets_the_next_notification_retry(self, replicas: Replicas) -> None:
        """When Slack fails the post, the claim is released and the next one posts the card."""
        replicas.sink.fail_posts = 1
        processor = replicas.start(None)
        with pytest.raises(SlackDown):
            await processor.process(firing("a"))
        assert not replicas.sink.cards
        replicas.clock.advance(30)
        assert (await processor.process(firing("a", "b"))).plan is Plan.NEW_CARD
        replicas.sink.only_card()

    async def test_refiring_updates_the_card_and_notes_it(self, replicas: Replicas) -> None:
        """A resolved group firing again keeps its card, which says so in the thread."""
        processor = replicas.start(None)
        await processor.process(firing("a"))
        replicas.clock.advance(2400)
        await processor.process(resolved("a"))
        replicas.clock.advance(3600)
        assert (await processor.process(firing("a"))).plan is Plan.REFIRE
        _, card = replicas.sink.only_card()
        assert (card.status, card.fire_count, card.resolved_at) == ("firing", 2, None)
        assert "Firing again" in replicas.sink.notes[-1][1]
        assert len(replicas.sink.analyses) == 1

    async def test_resolved_unknown_group_posts_a_resolved_card(self, replicas: Replicas) -> None:
        """A resolved notification for a group never seen posts a resolved card, no analysis."""
        processor = replicas.start(None)
        assert (await processor.process(resolved("a"))).plan is Plan.RESOLVED_CARD
        _, card = replicas.sink.only_card()
        assert card.status == "resolved"
        assert not replicas.sink.analyses
        assert not replicas.sink.notes

    async def test_no_service_gets_a_note_instead_of_an_analysis(self, replicas: Replicas) -> None:
        """Without a service label the thread says which labels were looked for."""
        alert = alertmanager_alert(labels={"alertname": "NodeDown", "instance": "10.0.0.7:9100"})
        payload = alertmanager_payload(alerts=[alert], common_labels={"alertname": "NodeDown"})
        processor = replicas.start(None)
        await processor.process(from_payload(payload))
        assert not replicas.sink.analyses
        assert "`service`, `service_name`" in replicas.sink.notes[0][1]

    async def test_signoz_test_notification_is_acknowledged_not_analysed(
        self, replicas: Replicas
    ) -> None:
        """SigNoz's test notification gets a card and a note, no analysis."""
        processor = replicas.start(None)
        await processor.process(from_payload(signoz_payload(test=True)))
        replicas.sink.only_card()
        assert not replicas.sink.analyses
        assert "test notification" in replicas.sink.notes[0][1]

    async def test_redis_outage_falls_back_to_memory(
        self, replicas: Replicas, redis_server: RedisServer
    ) -> None:
        """With Redis gone the processor still updates the card it knows from memory."""
        processor = replicas.start(redis_server.url)
        await processor.process(firing("a"))
        redis_server.kill()
        replicas.clock.advance(600)
        assert (await processor.process(firing("a", "b"))).plan is Plan.UPDATE
        assert replicas.sink.only_card()[1].fire_count == 2

    async def test_jobs_carry_notifications(self, replicas: Replicas) -> None:
        """A notification survives the trip through a serialised job."""
        processor = replicas.start(None)
        job = alert_job(firing("a"), received_at=replicas.clock.now())
        wire = Job.model_validate_json(job.model_dump_json())
        assert (await processor.handle_job(wire)).plan is Plan.NEW_CARD
        other = Job.create("reaction", {}, received_at=replicas.clock.now())
        with pytest.raises(ValueError, match="not an alert job"):
            await processor.handle_job(other)

    def test_a_job_is_kept_in_order_with_its_alert_group(self, replicas: Replicas) -> None:
        """Workers take one group's jobs in turn: the job says which group it belongs to."""
        notification = firing("a")
        job = alert_job(notification, received_at=replicas.clock.now())
        assert alert_order_key(job) == notification.group_key
        other = Job.create("alertmanager", {"groupKey": 7}, received_at=replicas.clock.now())
        assert alert_order_key(other) is None
