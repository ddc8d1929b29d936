"""Carries out the decision about one alert notification through the Slack side.

The decision is made atomically against the shared thread map (see `workflow`); the effects go
through `AlertSink`, which the Slack integration implements. A card is posted by the replica
that claimed it; when other notifications of the group arrive meanwhile, they only update the
record, and the poster refreshes the card from it once the card exists.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Protocol

from aisher.alerts.card import alert_card
from aisher.alerts.notes import TEST_NOTE, no_service_note, refiring_note, resolved_note
from aisher.alerts.payload import AlertNotification
from aisher.alerts.target import AlertTarget, TargetSettings, alert_target
from aisher.alerts.workflow import (
    DEFAULT_RULES,
    Decision,
    Plan,
    Rules,
    attach_card,
    claim_resolved_note,
    decide,
    release_claim,
)
from aisher.slack.alert_card import AlertCard
from aisher.state.alert_threads import AlertThread, AlertThreads
from aisher.state.jobs import Job
from aisher.state.reports import MessageRef

log = logging.getLogger(__name__)

ALERT_JOB_KIND = "alertmanager"


class AlertSink(Protocol):
    """The Slack side of alert handling."""

    async def post_card(self, channel: str, card: AlertCard) -> MessageRef:
        """Post a new alert card to `channel`; returns where it landed."""
        ...

    async def update_card(self, message: MessageRef, card: AlertCard) -> None:
        """Redraw the card at `message`."""
        ...

    async def post_in_thread(self, message: MessageRef, text: str) -> None:
        """Add a short mrkdwn note to the card's thread."""
        ...

    async def analyse_into_thread(self, message: MessageRef, target: AlertTarget) -> None:
        """Analyse `target.service` in `target.window` and post the report in the thread."""
        ...


@dataclass(frozen=True, slots=True)
class ProcessorSettings:
    """`channel` gets the cards; `targets` and `rules` tune the decisions."""

    channel: str
    targets: TargetSettings = field(default_factory=TargetSettings)
    rules: Rules = DEFAULT_RULES


def alert_job(notification: AlertNotification, *, received_at: datetime) -> Job:
    """The job that carries `notification` from the webhook to the processor."""
    return Job.create(ALERT_JOB_KIND, notification.to_json(), received_at=received_at)


def alert_order_key(job: Job) -> str | None:
    """The alert group a job's notification belongs to: a group's notifications are handled
    one after another, in the order they came. None for a payload without one (its handler
    refuses it)."""
    group_key = job.payload.get("groupKey")
    return group_key if isinstance(group_key, str) else None


class AlertProcessor:
    """Handles alert notifications; workers and replicas sharing `threads` share cards."""

    def __init__(
        self,
        threads: AlertThreads,
        sink: AlertSink,
        settings: ProcessorSettings,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._threads = threads
        self._sink = sink
        self._settings = settings
        self._clock = clock

    async def handle_job(self, job: Job) -> Decision:
        """Process the notification an `alert_job` carries."""
        if job.kind != ALERT_JOB_KIND:
            raise ValueError(f"not an alert job: kind {job.kind!r}")
        return await self.process(AlertNotification.model_validate(job.payload))

    async def process(self, notification: AlertNotification) -> Decision:
        """Decide what `notification` changes, record it, and show it in Slack."""
        now = self._clock()
        target = alert_target(notification, now=now, settings=self._settings.targets)
        claim = secrets.token_hex(8)
        decision = await self._threads.update(
            target.group_key,
            partial(
                decide,
                target=target,
                now=now,
                channel=self._settings.channel,
                claim=claim,
                rules=self._settings.rules,
            ),
        )
        log.info(
            "alert %s (%s, %s): %s",
            target.alertname,
            target.status,
            target.group_key,
            decision.plan.value,
        )
        after = decision.after
        if decision.plan in (Plan.NEW_CARD, Plan.RESOLVED_CARD):
            await self._post_card(decision, target, claim)
            return decision
        message = _message(after)
        if message is None:
            return decision
        if decision.plan in (Plan.UPDATE, Plan.REFIRE, Plan.RESOLVE):
            await self._sink.update_card(message, alert_card(after, target))
        if decision.plan is Plan.REFIRE and decision.before is not None:
            await self._sink.post_in_thread(message, refiring_note(after, decision.before))
        if decision.plan is Plan.RESOLVE:
            await self._sink.post_in_thread(message, resolved_note(after))
        return decision

    async def _post_card(self, decision: Decision, target: AlertTarget, claim: str) -> None:
        group_key = target.group_key
        card = alert_card(decision.after, target)
        try:
            message = await self._sink.post_card(self._settings.channel, card)
        except BaseException:
            # Let the next notification of the group try again instead of waiting for the
            # claim to time out.
            await self._threads.update(group_key, partial(release_claim, claim=claim))
            raise
        attached = await self._threads.update(
            group_key, partial(attach_card, claim=claim, message=message)
        )
        if attached is None:
            log.warning(
                "alert card for %s was posted after another replica's; this one stays idle",
                group_key,
            )
            return
        # Notifications that arrived while the card was being posted changed the record.
        fresh = alert_card(attached, target)
        if fresh != card:
            await self._sink.update_card(message, fresh)
        if decision.plan is Plan.NEW_CARD:
            await self._explain(message, target)
        resolved = await self._threads.update(group_key, claim_resolved_note)
        if resolved is not None:
            await self._sink.post_in_thread(message, resolved_note(resolved))

    async def _explain(self, message: MessageRef, target: AlertTarget) -> None:
        if target.test:
            await self._sink.post_in_thread(message, TEST_NOTE)
        elif target.service is None:
            labels = self._settings.targets.service_labels
            await self._sink.post_in_thread(message, no_service_note(labels))
        else:
            await self._sink.analyse_into_thread(message, target)


def _message(thread: AlertThread) -> MessageRef | None:
    if thread.channel is None or thread.ts is None:
        return None
    return MessageRef(thread.channel, thread.ts)
