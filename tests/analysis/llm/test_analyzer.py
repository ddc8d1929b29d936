"""The LLM pipeline end to end: engine → masking → cache → budget → litellm (respx) → report."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.budget import BudgetLedger
from aisher.analysis.engine import AnalysisEngine
from aisher.analysis.evidence.builder import build_evidence, with_context
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.evidence.trace import TraceEvidence
from aisher.analysis.llm.analyzer import LlmAnalyzer, is_simple
from aisher.analysis.llm.client import LlmClient
from aisher.analysis.llm.explainer import LlmExplainer
from aisher.analysis.llm.prompts import PromptLibrary, default_prompt_directory
from aisher.analysis.masking.masker import Masker
from aisher.analysis.masking.redaction import redact_evidence
from aisher.analysis.request import AnalysisRequest
from aisher.config import BudgetSettings, CacheSettings, LlmSettings, PromptSettings
from aisher.errors import UnknownTraceError
from aisher.ops.metrics import AisherMetrics
from aisher.render.json_report import render_json
from aisher.render.text import render_text
from aisher.retry import RetryPolicy
from aisher.telemetry import LogRecord, ServiceStats, SpanRecord
from aisher.window import TimeWindow
from tests.support.fake_llm import (
    FAKE_MODEL,
    WINDOW,
    FakeProvider,
    answer_json,
    error_reply,
    fake_llm_settings,
    fake_provider,
    incident_evidence,
    incident_spans,
    reply,
)
from tests.support.redis_server import RedisServer
from tests.support.secrets_corpus import leaked, seeded_secrets, seeded_telemetry

FAST = RetryPolicy(retries=2, base_s=0.001, cap_s=0.002, retry_after_cap_s=0.002)


class FixedSource:
    """An evidence source that returns prepared evidence (the SigNoz side is tested elsewhere)."""

    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence

    async def collect(self, request: AnalysisRequest) -> Evidence:
        return self.evidence

    async def collect_trace(
        self, trace_id: str, *, hint: TimeWindow | None = None
    ) -> TraceEvidence:
        raise UnknownTraceError(trace_id)  # these sources hold windows, not single traces


class TelemetrySource:
    """An evidence source that builds and masks evidence from raw records, as the SigNoz
    collector does (`EvidenceCollector` is tested on chDB in tests/analysis/evidence)."""

    def __init__(
        self, spans: list[SpanRecord], stats: list[ServiceStats], logs: list[LogRecord]
    ) -> None:
        self.spans, self.stats, self.logs = spans, stats, logs

    async def collect(self, request: AnalysisRequest) -> Evidence:
        masker = Masker()
        evidence = build_evidence("checkout", WINDOW, self.spans, self.stats, mask=masker.mask)
        evidence = with_context(evidence, chain=self.spans[:1], related_logs=self.logs)
        return redact_evidence(evidence, masker)

    async def collect_trace(
        self, trace_id: str, *, hint: TimeWindow | None = None
    ) -> TraceEvidence:
        raise UnknownTraceError(trace_id)  # these sources hold windows, not single traces


@dataclasses.dataclass
class Rig:
    engine: AnalysisEngine
    cache: AnswerCache
    metrics: AisherMetrics
    registry: CollectorRegistry


def build_rig(
    evidence: Evidence | TelemetrySource,
    *,
    llm: LlmSettings | None = None,
    redis_url: str | None = None,
    prompts_dir: Path | None = None,
    budget_usd: float = 10.0,
) -> Rig:
    settings = llm or fake_llm_settings()
    registry = CollectorRegistry()
    metrics = AisherMetrics(registry)
    cache = AnswerCache(CacheSettings(redis_url=redis_url, ttl_s=600), metrics=metrics)
    budget = BudgetLedger(
        BudgetSettings(redis_url=redis_url, daily_usd=budget_usd), metrics=metrics
    )
    pipeline = LlmAnalyzer(
        settings,
        prompts=PromptLibrary(PromptSettings(directory=prompts_dir)),
        llm=LlmExplainer(LlmClient(settings, retry=FAST)),
        cache=cache,
        budget=budget,
        metrics=metrics,
    )
    source = evidence if isinstance(evidence, TelemetrySource) else FixedSource(evidence)
    engine = AnalysisEngine(source, pipeline, clock=lambda: datetime.now(UTC))
    return Rig(engine, cache, metrics, registry)


def request(**overrides: object) -> AnalysisRequest:
    values: dict[str, object] = {"service": "checkout", "window": WINDOW}
    values.update(overrides)
    return AnalysisRequest(**values)  # type: ignore[arg-type]


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with fake_provider() as fake:
        yield fake


class TestLlmAnswers:
    async def test_llm_answer_fills_the_report(self, provider: FakeProvider) -> None:
        """With a model configured the LLM answers, and the report names it and its costs."""
        evidence = incident_evidence()
        provider.queue(reply(answer_json(evidence)))
        report = await build_rig(evidence).engine.analyze(request())
        assert report.analyzer == f"llm:{FAKE_MODEL}"
        assert report.root_cause.service == "payment"
        assert report.tokens.prompt == 1200
        assert report.tokens.completion == 150
        assert report.cost_usd > 0
        assert report.prompt_version
        data = json.loads(render_json(report))
        for field in ("service", "window", "error_count", "root_cause", "candidates",
                      "confidence", "analyzer", "cached", "parent_chain", "related_logs",
                      "remediation", "tokens", "cost_usd"):  # fmt: skip
            assert field in data
        body = provider.bodies[0]
        assert body["response_format"]["type"] == "json_schema"
        assert "```toon" in body["messages"][1]["content"]

    async def test_llm_failure_falls_back_to_the_heuristic_with_a_note(
        self, provider: FakeProvider
    ) -> None:
        """Server errors until retries run out give the heuristic answer and say why."""
        evidence = incident_evidence()
        provider.queue(*(error_reply(500, "boom") for _ in range(5)))
        report = await build_rig(evidence).engine.analyze(request())
        assert report.analyzer == "heuristic"
        assert report.root_cause.service == "payment"
        assert any("LLM analysis failed" in note for note in report.notes)

    async def test_unknown_citations_twice_fall_back(self, provider: FakeProvider) -> None:
        """An answer citing ids that are not in the evidence, twice, yields the heuristic answer."""
        evidence = incident_evidence()
        bogus = answer_json(evidence, cite=["trace:" + "e" * 32])
        provider.queue(reply(bogus), reply(bogus))
        report = await build_rig(evidence).engine.analyze(request())
        assert report.analyzer == "heuristic"
        assert len(provider.requests) == 2

    async def test_over_budget_uses_the_heuristic(self, provider: FakeProvider) -> None:
        """With a zero budget the LLM is never called and the report says the budget is spent."""
        report = await build_rig(incident_evidence(), budget_usd=0.0).engine.analyze(request())
        assert report.analyzer == "heuristic"
        assert provider.requests == []
        assert any("budget" in note for note in report.notes)

    async def test_too_little_evidence_skips_the_llm(self, provider: FakeProvider) -> None:
        """Two failing traces are too few to spend an LLM call on."""
        spans = incident_spans(traces=2)
        small = build_evidence("checkout", WINDOW, spans, list(incident_evidence().stats))
        report = await build_rig(small).engine.analyze(request())
        assert report.analyzer == "heuristic"
        assert provider.requests == []
        assert report.insufficient_evidence


class TestModelRouting:
    def test_one_failure_mode_is_simple(self) -> None:
        """One origin group in one service is a simple window."""
        assert is_simple(incident_evidence())

    async def test_simple_window_goes_to_the_cheaper_model(self, provider: FakeProvider) -> None:
        """A simple window is sent to the configured cheaper model."""
        evidence = incident_evidence()
        provider.queue(reply(answer_json(evidence)))
        settings = fake_llm_settings(simple_model="openai/gpt-4o-mini", model="openai/gpt-4o")
        report = await build_rig(evidence, llm=settings).engine.analyze(request())
        assert provider.bodies[0]["model"] == "gpt-4o-mini"
        assert report.analyzer == "llm:openai/gpt-4o-mini"


class TestCaching:
    async def test_second_identical_request_makes_no_llm_call(
        self, provider: FakeProvider, redis_server: RedisServer
    ) -> None:
        """The repeat is served from Redis: one LLM call, and the report says it is cached."""
        evidence = incident_evidence()
        provider.queue(reply(answer_json(evidence)))
        rig = build_rig(evidence, redis_url=redis_server.url)
        first = await rig.engine.analyze(request())
        second = await rig.engine.analyze(request())
        assert len(provider.requests) == 1
        assert not first.cached
        assert second.cached
        assert second.cached_at is not None
        assert second.analyzer == first.analyzer
        assert (
            rig.registry.get_sample_value(
                "aisher_cache_requests_total", {"layer": "redis", "result": "hit"}
            )
            == 1
        )

    async def test_second_replica_shares_the_answer(
        self, provider: FakeProvider, redis_server: RedisServer
    ) -> None:
        """Another replica with its own process state hits the answer the first one stored."""
        evidence = incident_evidence()
        provider.queue(reply(answer_json(evidence)))
        await build_rig(evidence, redis_url=redis_server.url).engine.analyze(request())
        other = await build_rig(evidence, redis_url=redis_server.url).engine.analyze(request())
        assert other.cached
        assert len(provider.requests) == 1

    async def test_refresh_bypasses_and_refreshes(
        self, provider: FakeProvider, redis_server: RedisServer
    ) -> None:
        """A re-run calls the LLM again, and the next plain request gets the new answer."""
        evidence = incident_evidence()
        provider.queue(
            reply(answer_json(evidence, summary="first answer")),
            reply(answer_json(evidence, summary="second answer")),
        )
        rig = build_rig(evidence, redis_url=redis_server.url)
        await rig.engine.analyze(request())
        rerun = await rig.engine.analyze(request(refresh=True))
        after = await rig.engine.analyze(request())
        assert len(provider.requests) == 2
        assert not rerun.cached
        assert after.cached
        assert after.root_cause.summary == "second answer"

    async def test_other_model_misses(
        self, provider: FakeProvider, redis_server: RedisServer
    ) -> None:
        """Changing the model makes the cached answer of the old model unusable."""
        evidence = incident_evidence()
        provider.queue(reply(answer_json(evidence)), reply(answer_json(evidence)))
        await build_rig(evidence, redis_url=redis_server.url).engine.analyze(request())
        other = fake_llm_settings(model="openai/gpt-4o", simple_model=None)
        report = await build_rig(evidence, llm=other, redis_url=redis_server.url).engine.analyze(
            request()
        )
        assert not report.cached
        assert report.analyzer == "llm:openai/gpt-4o"
        assert len(provider.requests) == 2

    async def test_other_prompt_version_misses(
        self, provider: FakeProvider, redis_server: RedisServer, tmp_path: Path
    ) -> None:
        """Editing the prompt template changes its version, so the old answer is not served."""
        evidence = incident_evidence()
        provider.queue(reply(answer_json(evidence)), reply(answer_json(evidence)))
        edited = tmp_path / "prompts"
        shutil.copytree(default_prompt_directory(), edited)
        rca = edited / "rca.md"
        rca.write_text(rca.read_text() + "\nBe brief.\n")
        await build_rig(evidence, redis_url=redis_server.url).engine.analyze(request())
        report = await build_rig(
            evidence, redis_url=redis_server.url, prompts_dir=edited
        ).engine.analyze(request())
        assert not report.cached
        assert len(provider.requests) == 2

    async def test_redis_killed_mid_test_degrades_to_the_local_cache(
        self, provider: FakeProvider, redis_server: RedisServer
    ) -> None:
        """With Redis gone the bot keeps answering, and repeats hit the in-process cache."""
        evidence = incident_evidence()
        provider.queue(reply(answer_json(evidence)))
        rig = build_rig(evidence, redis_url=redis_server.url)
        await rig.engine.analyze(request())
        redis_server.kill()
        repeat = await rig.engine.analyze(request())
        again = await rig.engine.analyze(request())
        assert repeat.cached
        assert again.cached
        assert len(provider.requests) == 1
        hits = rig.registry.get_sample_value(
            "aisher_cache_requests_total", {"layer": "local", "result": "hit"}
        )
        assert hits is not None
        assert hits >= 1


class TestMaskingCorpus:
    # One analysis per seeded secret, two of each kind (128): the masking corpus tests try
    # twelve of each kind against the masker alone.
    @pytest.mark.timeout(600)
    async def test_no_seeded_secret_reaches_the_llm_or_the_report(
        self, provider: FakeProvider
    ) -> None:
        """Every seeded secret, in messages, stack traces, attributes and logs, is masked away."""
        secrets = seeded_secrets(seed=3, per_kind=2)
        spans, logs = seeded_telemetry(secrets, service="checkout")
        stats = [ServiceStats("checkout", 1000, len(spans), 1000, 0)]
        rendered_reports: list[str] = []
        for index in range(len(spans)):
            # Three failing traces per analysis (the LLM needs at least three), with this
            # secret's span as the representative chain so that its attributes are sent too.
            neighbours = [spans[(index + step) % len(spans)] for step in range(3)]
            source = TelemetrySource(
                neighbours, stats, [logs[(index + step) % len(logs)] for step in range(3)]
            )
            plain = build_evidence("checkout", WINDOW, neighbours, stats)
            provider.queue(reply(answer_json(plain)))
            report = await build_rig(source).engine.analyze(request())
            assert report.analyzer.startswith("llm:")
            rendered_reports.append(render_json(report) + render_text(report))
        sent = json.dumps(provider.bodies)
        assert len(provider.requests) == len(spans)
        assert leaked(secrets, sent) == []
        assert leaked(secrets, "\n".join(rendered_reports)) == []


class TestConcurrency:
    async def test_an_alert_storm_runs_concurrently_under_the_limit(self) -> None:
        """Eight analyses at once never have more than `concurrency` LLM calls in flight."""
        evidence = incident_evidence()
        in_flight = 0
        peak = 0

        async def slow_answer(request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.05)
            in_flight -= 1
            return reply(answer_json(evidence))

        with fake_provider() as provider:
            provider.route.side_effect = slow_answer
            rig = build_rig(evidence, llm=fake_llm_settings(concurrency=2))
            requests = [request(tenant=f"tenant-{n}", channel=f"C{n}") for n in range(8)]
            # Different channels and tenants would share one cached answer; refresh forces calls.
            reports = await rig.engine.analyze_many(
                [dataclasses.replace(r, refresh=True) for r in requests]
            )
        assert all(not isinstance(report, Exception) for report in reports)
        assert len(provider.requests) == 8
        assert peak == 2
