"""The analyses a conversation in Slack asks for, from the question to the posted answer.

    answer      `/aisher why …` or `trace …` (or a mention): summary, details in its thread
    rerun       a re-run reaction or button: a fresh analysis in the thread, with what changed
    on_alert    a message Alertmanager posted: the analysis in that message's thread

Listeners ack first and run these in the background; each one reports a failure to the people
who asked (ephemerally for a command, in the thread otherwise) instead of raising.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from slack_sdk.errors import SlackApiError

from aisher.alerts.notes import no_service_note
from aisher.alerts.slack_message import SlackAlert
from aisher.analysis.report import Report, TraceReport
from aisher.analysis.request import AnalysisRequest
from aisher.errors import AisherError
from aisher.slack.commands import TraceCommand, WhyCommand
from aisher.slack.failures import describe_failure
from aisher.slack.limits import SlackMessage, fit_message, section
from aisher.slack.messages import (
    analysis_failed_text,
    invitation_hint_text,
    render_rerun_note,
)
from aisher.slack.publisher import ReportPublisher, Shown
from aisher.state.reports import MessageRef
from aisher.window import TimeWindow, resolve_window

log = logging.getLogger(__name__)

# Slack's answers when the bot may not post in a channel: it is not a member of a public one
# (without chat:write.public), or the channel is private and the bot is not in it.
NOT_POSTABLE = frozenset({"not_in_channel", "channel_not_found"})

Notify = Callable[[SlackMessage], Awaitable[None]]
"""Tells the person who asked something only they see (a response_url, an ephemeral post)."""


class Analyst(Protocol):
    """The analysis engine as the conversations use it."""

    async def analyze(self, request: AnalysisRequest) -> Report: ...

    async def explain_trace(
        self, trace_id: str, *, hint: TimeWindow | None = None
    ) -> TraceReport: ...


@dataclass(frozen=True, slots=True)
class ConversationSettings:
    """The slice of the settings the flows read (built from `Settings` in `slack.bot`)."""

    tenant: str
    retention_days: int
    alert_window: timedelta  # for alerts read from Slack messages
    service_labels: tuple[str, ...]


class Conversations:
    """Runs analyses for Slack and posts them through the publisher."""

    def __init__(
        self,
        analyst: Analyst,
        publisher: ReportPublisher,
        settings: ConversationSettings,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._analyst = analyst
        self._publisher = publisher
        self._settings = settings
        self._clock = clock

    async def answer(
        self,
        command: WhyCommand | TraceCommand,
        *,
        channel: str,
        notify: Notify,
        thread_ts: str | None = None,
        user: str | None = None,
    ) -> Shown | None:
        """Analyse what `command` asks and post the answer in `channel` (in `thread_ts`).

        A channel the bot cannot post in gets the summary through `notify`, with the hint to
        invite the bot.
        """
        window = command.window if isinstance(command, WhyCommand) else None
        try:
            shown = await self._run(command, channel, user)
        except Exception as exc:  # noqa: BLE001 - outermost handler: a line for the user, the trace to the log
            _log_unexpected(exc, command.text)
            await notify(notice(describe_failure(exc, window=window)))
            return None
        try:
            await self._publisher.publish(channel, shown, thread_ts=thread_ts)
        except SlackApiError as exc:
            error = _slack_error(exc)
            if error not in NOT_POSTABLE:
                log.warning("posting the answer to %s failed: %s", command.text, error)
                await notify(notice(analysis_failed_text(f"Slack refused the answer ({error})")))
                return None
            summary = self._publisher.summary(shown)
            hint = section(invitation_hint_text())
            await notify(fit_message(summary.text, [hint, *summary.blocks]))
        return shown

    async def rerun(
        self,
        message: MessageRef,
        *,
        thread_ts: str,
        report_id: str | None = None,
        trigger: str = "reaction",
        user: str | None = None,
    ) -> Shown | None:
        """Analyse again what `message` shows (or report `report_id`), bypassing the cache, and
        post the new answer with what changed in the thread `thread_ts`. None when the message
        shows no report this bot knows."""
        reports = self._publisher.reports
        report_id = report_id or await reports.report_id_at(message)
        before = await reports.load(report_id) if report_id else None
        if before is None:
            return None
        root = MessageRef(message.channel, thread_ts)
        try:
            after, preface = await self._fresh(before, message.channel, trigger, user)
        except Exception as exc:  # noqa: BLE001 - outermost handler: a line for the user, the trace to the log
            _log_unexpected(exc, f"re-run of {before.id}")
            text = describe_failure(exc)
            await self._publisher.post(message.channel, notice(text), thread_ts=thread_ts)
            return None
        await self._publisher.publish(
            message.channel,
            after,
            thread_ts=thread_ts,
            preface=preface,
            also_shown_at=(message, root),
        )
        return after

    async def on_alert(self, message: MessageRef, alert: SlackAlert) -> Report | None:
        """Answer an alert Alertmanager posted, in its thread; resolved alerts need no answer."""
        if alert.status != "firing":
            return None
        if alert.service is None:
            note = no_service_note(self._settings.service_labels)
            await self._publisher.post(message.channel, notice(note), thread_ts=message.ts)
            return None
        request = AnalysisRequest(
            service=alert.service,
            window=TimeWindow.ending_at(self._clock(), self._settings.alert_window),
            tenant=self._settings.tenant,
            channel=message.channel,
            trigger="alert",
            requester="alertmanager",
        )
        try:
            report = await self._analyst.analyze(request)
        except Exception as exc:  # noqa: BLE001 - outermost handler: a line for the user, the trace to the log
            _log_unexpected(exc, f"alert {alert.alertname}")
            text = describe_failure(exc)
            await self._publisher.post(message.channel, notice(text), thread_ts=message.ts)
            return None
        await self._publisher.publish(
            message.channel, report, thread_ts=message.ts, also_shown_at=(message,)
        )
        return report

    async def _run(
        self, command: WhyCommand | TraceCommand, channel: str, user: str | None
    ) -> Shown:
        if isinstance(command, TraceCommand):
            return await self._analyst.explain_trace(command.trace_id)
        window = resolve_window(
            command.window,
            None,
            now=self._clock(),
            retention_days=self._settings.retention_days,
        )
        request = AnalysisRequest(
            service=command.service,
            window=window,
            tenant=self._settings.tenant,
            channel=channel,
            trigger="slash",
            requester=user,
        )
        return await self._analyst.analyze(request)

    async def _fresh(
        self, before: Shown, channel: str, trigger: str, user: str | None
    ) -> tuple[Shown, list[SlackMessage]]:
        """A new answer to the question `before` answered, over a window ending now."""
        if isinstance(before, TraceReport):
            return await self._analyst.explain_trace(before.trace_id), []
        request = AnalysisRequest(
            service=before.service,
            window=TimeWindow.ending_at(self._clock(), before.window.length),
            tenant=self._settings.tenant,
            channel=channel,
            refresh=True,
            trigger=trigger,
            requester=user,
        )
        after = await self._analyst.analyze(request)
        return after, [render_rerun_note(before, after)]


def notice(text: str) -> SlackMessage:
    """A short mrkdwn text as a message of one section."""
    return fit_message(text, [section(text)])


def _slack_error(exc: SlackApiError) -> str:
    error = exc.response.get("error") if exc.response is not None else None
    return str(error or "")


def _log_unexpected(exc: Exception, what: str) -> None:
    if isinstance(exc, AisherError):
        log.info("%s failed: %s", what, exc)
    else:
        log.error("%s failed unexpectedly", what, exc_info=exc)
