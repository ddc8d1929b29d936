"""Feedback from Slack: the Helpful / Not helpful buttons and the +1 / -1 reactions.

Each vote is stored with the report it rates and the model and prompt version that made that
report, so answers can later be compared across models and prompts. A reaction counts only on
a message that shows a report; a vote on a report this bot no longer has is kept anyway, with
the model unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from aisher.analysis.report import TraceReport
from aisher.ops.metrics import AisherMetrics
from aisher.slack.publisher import Shown
from aisher.state.feedback import Feedback, FeedbackCounts, FeedbackStore, Vote
from aisher.state.reports import MessageRef, ReportStore

UNKNOWN_MODEL = "unknown"
TRACE_MODEL = "trace"  # trace reports are built without an analyzer
# Slack names the thumbs `+1` and `-1` (`thumbsup`/`thumbsdown` are aliases some clients send);
# skin tones arrive as `+1::skin-tone-3`.
REACTION_VOTES = {"+1": Vote.UP, "thumbsup": Vote.UP, "-1": Vote.DOWN, "thumbsdown": Vote.DOWN}


def reaction_vote(reaction: str) -> Vote | None:
    """The vote a reaction casts, or None for any other reaction."""
    return REACTION_VOTES.get(reaction.split("::", 1)[0])


class Votes:
    """Records feedback on reports, one vote per user per report."""

    def __init__(
        self,
        reports: ReportStore[Shown],
        feedback: FeedbackStore,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        metrics: AisherMetrics | None = None,
    ) -> None:
        self._reports = reports
        self._feedback = feedback
        self._clock = clock
        self._metrics = metrics or AisherMetrics()

    @property
    def feedback(self) -> FeedbackStore:
        return self._feedback

    async def on_report(self, report_id: str, vote: Vote, user: str) -> FeedbackCounts:
        """`user` votes on the report `report_id` (a button carries the id)."""
        shown = await self._reports.load(report_id)
        model, prompt = _provenance(shown)
        self._metrics.count_feedback(vote.value)
        return await self._feedback.record(
            Feedback(
                report_id=report_id,
                vote=vote,
                user=user,
                model=model,
                prompt_version=prompt,
                at=self._clock(),
            )
        )

    async def on_message(self, message: MessageRef, vote: Vote, user: str) -> FeedbackCounts | None:
        """`user` reacted with a vote on `message`; None when it shows no report."""
        report_id = await self._reports.report_id_at(message)
        if report_id is None:
            return None
        return await self.on_report(report_id, vote, user)

    async def withdraw(self, message: MessageRef, user: str) -> FeedbackCounts | None:
        """`user` took their vote reaction back from `message`."""
        report_id = await self._reports.report_id_at(message)
        if report_id is None:
            return None
        self._metrics.count_feedback("withdrawn")
        return await self._feedback.withdraw(report_id, user)


def _provenance(shown: Shown | None) -> tuple[str, str | None]:
    if shown is None:
        return UNKNOWN_MODEL, None
    if isinstance(shown, TraceReport):
        return TRACE_MODEL, None
    return shown.analyzer, shown.prompt_version
