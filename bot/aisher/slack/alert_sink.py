"""The Slack side of alert handling (`aisher.alerts.AlertSink`): cards, notes and analyses.

The alert processor decides what a notification changes; this sink shows it: a card in the
alert channel, updates to it, short notes in its thread, and the analysis of the alert's
service as a summary and details in the thread. A reaction on the card re-runs that analysis,
since the card is recorded as showing it.
"""

from __future__ import annotations

import logging

from aisher.alerts.target import AlertTarget
from aisher.analysis.request import AnalysisRequest
from aisher.errors import AisherError
from aisher.slack.alert_card import AlertCard, render_alert_card
from aisher.slack.conversation import Analyst, notice
from aisher.slack.failures import describe_failure
from aisher.slack.poster import SlackPoster
from aisher.slack.publisher import ReportPublisher
from aisher.state.reports import MessageRef

log = logging.getLogger(__name__)


class SlackAlertSink:
    """Posts what the alert processor decides; analysis failures become a note in the thread."""

    def __init__(
        self,
        poster: SlackPoster,
        publisher: ReportPublisher,
        analyst: Analyst,
        *,
        tenant: str = "default",
    ) -> None:
        self._poster = poster
        self._publisher = publisher
        self._analyst = analyst
        self._tenant = tenant

    async def post_card(self, channel: str, card: AlertCard) -> MessageRef:
        message = render_alert_card(card)
        posted = await self._poster.post(channel, message.text, message.blocks)
        return MessageRef(posted.channel, posted.ts)

    async def update_card(self, message: MessageRef, card: AlertCard) -> None:
        rendered = render_alert_card(card)
        await self._poster.update(message.channel, message.ts, rendered.text, rendered.blocks)

    async def post_in_thread(self, message: MessageRef, text: str) -> None:
        note = notice(text)
        await self._poster.post(message.channel, note.text, note.blocks, thread_ts=message.ts)

    async def analyse_into_thread(self, message: MessageRef, target: AlertTarget) -> None:
        if target.service is None:
            raise ValueError("analyse_into_thread needs a target with a service")
        request = AnalysisRequest(
            service=target.service,
            window=target.window,
            tenant=self._tenant,
            channel=message.channel,
            trigger="alert",
            requester="alertmanager",
        )
        try:
            report = await self._analyst.analyze(request)
        except Exception as exc:  # the thread says the analysis failed, and why
            unexpected = not isinstance(exc, AisherError)
            log.warning(
                "analysis for alert %s failed: %s", target.alertname, exc, exc_info=unexpected
            )
            await self.post_in_thread(message, describe_failure(exc))
            return
        await self._publisher.publish(
            message.channel, report, thread_ts=message.ts, also_shown_at=(message,)
        )
