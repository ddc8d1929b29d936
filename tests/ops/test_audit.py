"""The audit log: one JSON line per analysis and per refusal, never telemetry or secrets."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.budget import BudgetLedger
from aisher.analysis.engine import AnalysisEngine
from aisher.analysis.evidence.builder import build_evidence, with_context
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.evidence.trace import TraceEvidence
from aisher.analysis.llm.analyzer import LlmAnalyzer
from aisher.analysis.llm.client import LlmClient
from aisher.analysis.llm.explainer import LlmExplainer
from aisher.analysis.llm.prompts import PromptLibrary
from aisher.analysis.masking.masker import Masker
from aisher.analysis.masking.redaction import redact_evidence
from aisher.analysis.request import AnalysisRequest
from aisher.config import BudgetSettings, CacheSettings, PromptSettings
from aisher.errors import DataSourceUnavailable, UnknownTraceError
from aisher.ops.audit import AuditLog
from aisher.ops.logging import log_context
from aisher.ops.metrics import AisherMetrics
from aisher.retry import RetryPolicy
from aisher.telemetry import LogRecord, ServiceStats, SpanRecord
from aisher.window import TimeWindow
from tests.support.fake_llm import (
    FAKE_MODEL,
    WINDOW,
    FakeProvider,
    answer_json,
    fake_llm_settings,
    fake_provider,
    reply,
)
from tests.support.secret_values import SeededSecret
from tests.support.secrets_corpus import leaked, seeded_secrets, seeded_telemetry

FAST = RetryPolicy(retries=0, base_s=0.001, cap_s=0.002)
AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


class SeededSource:
    """Evidence built and masked from telemetry full of seeded secrets, as the collector does;
    `fail_with` makes collection fail instead."""

    def __init__(self, spans: list[SpanRecord], logs: list[LogRecord]) -> None:
        self.spans, self.logs = spans, logs
        self.fail_with: Exception | None = None

    def plain(self) -> Evidence:
        return build_evidence("checkout", WINDOW, self.spans, self.stats())

    def stats(self) -> list[ServiceStats]:
        return [ServiceStats("checkout", 1000, len(self.spans), 1000, 0)]

    async def collect(self, request: AnalysisRequest) -> Evidence:
        if self.fail_with is not None:
            raise self.fail_with
        masker = Masker()
        evidence = build_evidence("checkout", WINDOW, self.spans, self.stats(), mask=masker.mask)
        evidence = with_context(evidence, chain=self.spans[:1], related_logs=self.logs)
        return redact_evidence(evidence, masker)

    async def collect_trace(
        self, trace_id: str, *, hint: TimeWindow | None = None
    ) -> TraceEvidence:
        raise UnknownTraceError(trace_id)


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with fake_provider() as fake:
        yield fake


@pytest.fixture
def secrets() -> list[SeededSecret]:
    return seeded_secrets(seed=5)


def engine_with_audit(source: SeededSource, audit: AuditLog) -> AnalysisEngine:
    settings = fake_llm_settings()
    metrics = AisherMetrics(CollectorRegistry())
    analyzer = LlmAnalyzer(
        settings,
        prompts=PromptLibrary(PromptSettings()),
        llm=LlmExplainer(LlmClient(settings, retry=FAST)),
        cache=AnswerCache(CacheSettings(redis_url=None), metrics=metrics),
        budget=BudgetLedger(BudgetSettings(redis_url=None), metrics=metrics),
        metrics=metrics,
    )
    return AnalysisEngine(source, analyzer, metrics=metrics, audit=audit)


def read_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


class TestAuditLog:
    async def test_an_llm_analysis_is_one_line_with_the_prompt_hash(
        self, tmp_path: Path, provider: FakeProvider, secrets: list[SeededSecret]
    ) -> None:
        """Who, where, trigger, service, window, model, prompt hash, tokens and cost, no secret."""
        spans, logs = seeded_telemetry(secrets, service="checkout")
        source = SeededSource(spans[:6], logs[:6])
        provider.queue(reply(answer_json(source.plain())))
        path = tmp_path / "audit" / "audit.jsonl"
        audit = AuditLog.open(str(path))
        request = AnalysisRequest(
            service="checkout", window=WINDOW, channel="C1", trigger="slash", requester="U42"
        )
        with log_context(request_id="req-1"):
            report = await engine_with_audit(source, audit).analyze(request)
        audit.close()
        [line] = read_lines(path)
        messages = provider.bodies[0]["messages"]
        sent = f"{messages[0]['content']}\n{messages[1]['content']}"
        assert line["prompt_sha256"] == hashlib.sha256(sent.encode()).hexdigest()
        assert line["prompt_sha256"] == report.prompt_sha256
        assert line["event"] == "analysis"
        assert (line["who"], line["channel"], line["trigger"], line["id"]) == (
            "U42",
            "C1",
            "slash",
            "req-1",
        )
        assert (line["service"], line["model"], line["outcome"]) == (
            "checkout",
            FAKE_MODEL,
            "answered",
        )
        assert line["window"] == {
            "start": "2026-11-26T09:30:00.000Z",
            "end": "2026-11-26T10:00:00.000Z",
        }
        assert line["tokens"] == {"prompt": 1200, "completion": 150}
        assert line["cost_usd"] == pytest.approx(report.cost_usd)
        assert line["report_id"] == report.id
        assert leaked(secrets, path.read_text()) == []

    async def test_a_failed_analysis_has_a_masked_reason(
        self, tmp_path: Path, provider: FakeProvider, secrets: list[SeededSecret]
    ) -> None:
        """An error that echoes a secret is recorded as failed, with the secret masked."""
        spans, logs = seeded_telemetry(secrets, service="checkout")
        source = SeededSource(spans[:6], logs[:6])
        password = next(secret for secret in secrets if secret.kind == "url_password")
        source.fail_with = DataSourceUnavailable(f"cannot reach {password.snippet}")
        path = tmp_path / "audit.jsonl"
        audit = AuditLog.open(str(path))
        request = AnalysisRequest(service="checkout", window=WINDOW, trigger="alert")
        with pytest.raises(DataSourceUnavailable):
            await engine_with_audit(source, audit).analyze(request)
        audit.close()
        [line] = read_lines(path)
        assert (line["outcome"], line["trigger"]) == ("failed", "alert")
        assert str(line["reason"]).startswith("DataSourceUnavailable: cannot reach")
        assert leaked(secrets, path.read_text()) == []

    def test_refusals_are_lines_too(self, tmp_path: Path) -> None:
        """A refused request names the trigger, the peer and a stable reason."""
        path = tmp_path / "audit.jsonl"
        audit = AuditLog.open(str(path))
        audit.record_refusal(
            trigger="api", reason="unauthorized", who="key:1a2b", remote="10.0.0.9"
        )
        audit.close()
        [line] = read_lines(path)
        assert (line["event"], line["outcome"], line["reason"]) == (
            "refused",
            "refused",
            "unauthorized",
        )
        assert (line["who"], line["trigger"]) == ("key:1a2b", "api")

    def test_off_records_nothing_and_stdout_stays_open(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`off` writes nothing; `-` writes to stdout and closing it leaves stdout open."""
        silent = AuditLog.open("off")
        silent.record_refusal(trigger="api", reason="x")
        assert not silent.enabled
        loud = AuditLog.open("-")
        loud.record_refusal(trigger="alert", reason="unauthorized")
        loud.close()
        [line] = capsys.readouterr().out.splitlines()
        assert json.loads(line)["reason"] == "unauthorized"
