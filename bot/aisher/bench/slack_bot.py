"""The real Slack bot in this process, against the Slack emulator, for the Slack benchmark.

`open_bench_bot` wires the bot exactly as `aisher serve` does (`open_slack_bot`: Bolt, Socket
Mode, the paced poster, in-process state) around an engine the benchmark chooses, and points it
at the emulator on loopback. `BenchSlack` pushes slash commands and times them: acks by the
emulator's own clock (from sending the envelope to the ack's arrival), answers from the push to
the emulator storing the summary (its `ts` is the wall clock when stored). Every question gets
a channel of its own, so Slack's one-post-per-second pacing never holds a summary back.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CollectorRegistry

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.budget import BudgetLedger
from aisher.analysis.engine import AnalysisEngine, Analyzer, EvidenceSource
from aisher.analysis.report import Report
from aisher.analysis.request import AnalysisRequest
from aisher.config import Settings
from aisher.ops.metrics import AisherMetrics
from aisher.redis_link import RedisLink
from aisher.runtime import Runtime
from aisher.signoz.executor import QueryExecutor
from aisher.slack.bot import SlackBot, open_slack_bot
from aisher.slack.publisher import shown_codec
from aisher.state.dedup import Deduplicator
from aisher.state.reports import ReportStore
from aisher.testing.slack_emulator import Ack, Message, ResponsePost, SlackEmulator

# Bounds that only trip when the bot hangs: a fresh analysis of 1,000,000 spans on a busy
# machine takes seconds, never minutes.
ACK_WAIT_S = 60.0
ANSWER_WAIT_S = 300.0


class CountingEngine(AnalysisEngine):
    """The analysis engine, counting the analyses started and finished."""

    def __init__(
        self,
        evidence: EvidenceSource,
        analyzer: Analyzer | None = None,
        *,
        signoz_url: str | None = None,
    ) -> None:
        super().__init__(evidence, analyzer, signoz_url=signoz_url)
        self.started = 0
        self.finished = 0

    @property
    def in_flight(self) -> int:
        return self.started - self.finished

    async def analyze(self, request: AnalysisRequest) -> Report:
        self.started += 1
        try:
            return await super().analyze(request)
        finally:
            self.finished += 1


class NoAnswer(RuntimeError):
    """The bot replied to a question only privately (an error), so there is nothing to time."""


class BenchSlack:
    """The emulator as the benchmark drives it: fresh channels, timed commands."""

    def __init__(self, emulator: SlackEmulator) -> None:
        self.emulator = emulator
        self._numbers = itertools.count(1)

    def new_channel(self) -> str:
        number = next(self._numbers)
        return self.emulator.add_channel(f"C_BENCH{number:05d}", f"bench-{number}").id

    async def ack(self, text: str, channel: str) -> Ack:
        """Push `/aisher text` in `channel` and wait for the bot's ack."""
        envelope_id = self.emulator.push_slash_command(text, channel_id=channel)
        return await self.emulator.wait_for_ack(envelope_id, timeout=ACK_WAIT_S)

    async def answer(self, text: str) -> tuple[float, Message]:
        """Seconds from pushing `/aisher text` (in a fresh channel) to its summary being stored,
        and the summary. `NoAnswer` when the bot replied privately instead."""
        channel = self.new_channel()
        pushed_at = time.time()
        envelope_id = self.emulator.push_slash_command(text, channel_id=channel)

        def answered() -> Message | ResponsePost | None:
            posts = self.emulator.posts(channel)
            if posts:
                return posts[0]  # the summary: details follow in its thread
            replies = self.emulator.response_posts(envelope_id)
            return replies[0] if replies else None

        found: Message | ResponsePost = await self.emulator.wait_for(
            answered, timeout=ANSWER_WAIT_S, what=f"the answer to /aisher {text}"
        )
        if isinstance(found, ResponsePost):
            said = str(found.body.get("text", ""))[:300]
            raise NoAnswer(f"the bot did not answer /aisher {text}: {said}")
        return float(found.ts) - pushed_at, found


@asynccontextmanager
async def open_bench_bot(
    settings: Settings,
    slack: BenchSlack,
    engine: AnalysisEngine,
    executor: QueryExecutor,
    *,
    llm_model: str | None = None,
    cache: AnswerCache | None = None,
    budget: BudgetLedger | None = None,
) -> AsyncIterator[SlackBot]:
    """The bot of `aisher serve` answering with `engine`, connected to the emulator; on exit it
    first lets every answer finish posting."""
    emulator = slack.emulator
    bot_settings = settings.model_copy(
        update={"slack": settings.slack.model_copy(update={"api_url": emulator.api_url})}
    )
    registry = CollectorRegistry()
    runtime = Runtime(
        engine=engine,
        clickhouse=executor,
        llm_model=llm_model,
        answer_cache=cache,
        budget_ledger=budget,
        metrics_registry=registry,
        metrics=AisherMetrics(registry),
    )
    link = RedisLink(None)  # state in this process: the bench measures the bot, not Redis
    connections = len(emulator.connections())
    async with open_slack_bot(
        bot_settings,
        runtime,
        tokens=(emulator.bot_token, emulator.app_token),
        link=link,
        dedup=Deduplicator(link),
        reports=ReportStore(link, shown_codec()),
    ) as bot:
        await emulator.wait_for_connection(connections + 1, timeout=ACK_WAIT_S)
        yield bot
        await bot.parts.tasks.idle()
