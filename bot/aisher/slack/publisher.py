"""Posting an analysis: the summary, its details in the summary's thread, and the bookkeeping.

Every report posted is kept by id, and every message that shows it is remembered, so that a
reaction or a button on any of them finds the report again (to re-run it, to record feedback),
on whichever replica gets the event.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from pydantic import TypeAdapter

from aisher.analysis.report import Report, TraceReport
from aisher.ops.metrics import AisherMetrics
from aisher.slack.limits import SlackMessage
from aisher.slack.poster import SlackPoster
from aisher.slack.report_blocks import render_summary, render_thread
from aisher.slack.trace_blocks import render_trace, render_trace_thread
from aisher.state.reports import MessageRef, ReportCodec, ReportStore

Shown = Report | TraceReport
"""What a message can show: a service's analysis or one trace's."""

_SHOWN: TypeAdapter[Shown] = TypeAdapter(Shown)


def shown_codec() -> ReportCodec[Shown]:
    """Reports and trace reports in one store; the fields tell which is which."""

    def load(raw: str | bytes) -> Shown:
        return _SHOWN.validate_json(raw)

    return ReportCodec(dump=lambda shown: shown.model_dump_json(), load=load)


class ReportPublisher:
    """Posts reports through the paced poster and records where they landed."""

    def __init__(
        self,
        poster: SlackPoster,
        reports: ReportStore[Shown],
        *,
        signoz_url: str | None,
        metrics: AisherMetrics | None = None,
    ) -> None:
        self._poster = poster
        self._reports = reports
        self._signoz_url = signoz_url
        self._metrics = metrics or AisherMetrics()

    @property
    def reports(self) -> ReportStore[Shown]:
        return self._reports

    async def publish(
        self,
        channel: str,
        shown: Shown,
        *,
        thread_ts: str | None = None,
        preface: Sequence[SlackMessage] = (),
        also_shown_at: Iterable[MessageRef] = (),
    ) -> MessageRef:
        """Post `shown` to `channel`: its summary (as a reply in `thread_ts` when given, after
        the `preface` messages), then its details in the same thread. The summary's place is
        returned; it and every message in `also_shown_at` now lead to this report. The whole
        of it is the analysis's `post` stage."""
        started = time.perf_counter()
        summary, details = self._render(shown)
        await self._reports.save(shown.id, shown)
        for message in preface:
            await self.post(channel, message, thread_ts=thread_ts)
        posted = await self.post(channel, summary, thread_ts=thread_ts)
        await self._reports.record_post(shown.id, posted)
        for ref in also_shown_at:
            await self._reports.record_post(shown.id, ref)
        thread = thread_ts or posted.ts
        for message in details:
            await self.post(channel, message, thread_ts=thread)
        self._metrics.observe_stage("post", time.perf_counter() - started)
        return posted

    async def post(
        self, channel: str, message: SlackMessage, *, thread_ts: str | None = None
    ) -> MessageRef:
        """Post one rendered message."""
        posted = await self._poster.post(
            channel, message.text, message.blocks or None, thread_ts=thread_ts
        )
        return MessageRef(posted.channel, posted.ts)

    def summary(self, shown: Shown) -> SlackMessage:
        """The summary message alone (for a reply that cannot go to the channel)."""
        return self._render(shown)[0]

    def _render(self, shown: Shown) -> tuple[SlackMessage, list[SlackMessage]]:
        if isinstance(shown, TraceReport):
            return (
                render_trace(shown, signoz_url=self._signoz_url),
                render_trace_thread(shown, signoz_url=self._signoz_url),
            )
        return (
            render_summary(shown, signoz_url=self._signoz_url),
            render_thread(shown, signoz_url=self._signoz_url),
        )
