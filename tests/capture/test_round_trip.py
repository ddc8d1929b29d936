"""A captured incident loads into a fresh store and is analysed exactly as the original.

The incident of tests/support/incident.py goes into an embedded store and is analysed; `aisher
capture` writes it to a folder; the folder is loaded into a second, empty store and analysed
again. Root cause, candidates in order, scores and every count must be the same.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from aisher import cli
from aisher.analysis.engine import AnalysisEngine
from aisher.analysis.evidence.collector import EvidenceCollector
from aisher.analysis.report import Report
from aisher.analysis.request import AnalysisRequest
from aisher.capture import Capture, IncidentCapturer, write_capture
from aisher.config import ClickHouseSettings, QueryLimits
from aisher.errors import InputError
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.loader import load_files
from aisher.signoz.probe import probe_schema
from aisher.signoz.repository import SignozRepository
from aisher.window import TimeWindow, datetime_from_ns, iso
from tests.support.databases import load_clean
from tests.support.incident import Incident, build_incident

SERVICE = "frontend"


async def open_repository(
    executor: EmbeddedExecutor, settings: ClickHouseSettings
) -> SignozRepository:
    schema = await probe_schema(executor, settings.traces_database, settings.logs_database)
    return SignozRepository(executor, schema, QueryLimits())


async def analyse(repository: SignozRepository, window: TimeWindow) -> Report:
    """The heuristic analysis `aisher why` runs without a model."""
    collector = EvidenceCollector(repository, max_traces=500, max_logs=20, with_llm_context=False)
    return await AnalysisEngine(collector).analyze(AnalysisRequest(SERVICE, window))


def outcome(report: Report) -> dict[str, object]:
    """What must survive the round trip: the answer, the ranking and the counts."""
    return {
        "root_cause": report.root_cause.model_dump(),
        "candidates": [
            (c.service, c.operation, c.score, c.kind, c.symptom, c.reasons, c.evidence)
            for c in report.candidates
        ],
        "error_count": report.error_count,
        "failing_traces": report.failing_traces,
        "span_count": report.span_count,
        "error_rate": report.error_rate,
        "baseline_error_rate": report.baseline_error_rate,
        "confidence": report.confidence,
        "deploys": report.deploys,
        "error_groups": [
            (g.service, g.operation, g.exception_type, g.message, g.count, g.traces, g.origin)
            for g in report.error_groups
        ],
        "chain": [(link.span_id, link.status, link.duration_ms) for link in report.parent_chain],
        "logs": [(line.time, line.service, line.body) for line in report.related_logs],
    }


class Captured:
    def __init__(self, incident: Incident, window: TimeWindow, capture: Capture, folder: Path):
        self.incident, self.window, self.capture, self.folder = incident, window, capture, folder


@pytest.fixture
async def source(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings
) -> tuple[SignozRepository, Incident, TimeWindow]:
    """The hand-made incident loaded into the source store, and its 30-minute window."""
    incident = build_incident(time.time_ns())
    await load_clean(store, clickhouse_settings, incident.documents)
    window = TimeWindow.ending_at(datetime_from_ns(incident.now_ns), timedelta(minutes=30))
    return await open_repository(store, clickhouse_settings), incident, window


@pytest.fixture
async def captured(
    store: EmbeddedExecutor, source: tuple[SignozRepository, Incident, TimeWindow], tmp_path: Path
) -> Captured:
    """The incident captured to a folder."""
    repository, incident, window = source
    capturer = IncidentCapturer(store, repository.schema, QueryLimits())
    capture = await capturer.capture(SERVICE, window)
    folder = tmp_path / "suite" / "frontend-keyerror"
    write_capture(folder, capture, window_text="30m")
    return Captured(incident, window, capture, folder)


class TestRoundTrip:
    async def test_replayed_capture_gives_the_same_analysis(
        self,
        source: tuple[SignozRepository, Incident, TimeWindow],
        captured: Captured,
        replay_store: EmbeddedExecutor,
        replay_settings: ClickHouseSettings,
    ) -> None:
        """Root cause, candidate order and scores, counts, chain and logs survive the trip."""
        repository, _, window = source
        before = await analyse(repository, window)
        loaded = await load_files(
            replay_store,
            [captured.folder / "telemetry.jsonl"],
            traces_db=replay_settings.traces_database,
            logs_db=replay_settings.logs_database,
        )
        assert loaded.problem_count == 0
        after = await analyse(await open_repository(replay_store, replay_settings), window)
        assert before.root_cause.service == "payment"
        assert [c.service for c in before.candidates][:1] == ["payment"]
        assert outcome(after) == outcome(before)

    async def test_aisher_eval_of_the_filled_in_capture_gives_the_live_answer(
        self,
        source: tuple[SignozRepository, Incident, TimeWindow],
        captured: Captured,
        *,
        chdb_path: Path,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """The capture, its root cause filled in as a post-mortem would, is a suite for
        `aisher eval`: it names the live analysis's root cause first, with the same candidates
        in the same order and with the same scores."""
        repository, _, window = source
        before = await analyse(repository, window)
        card_path = captured.folder / "incident.yaml"
        card = yaml.safe_load(card_path.read_text())
        card["root_cause"] = [before.root_cause.service]
        card_path.write_text(yaml.safe_dump(card))
        monkeypatch.setenv("AISHER_CLICKHOUSE_DSN", f"chdb://{chdb_path}")
        monkeypatch.setenv("AISHER_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.delenv("AISHER_LLM_MODEL", raising=False)
        monkeypatch.delenv("AISHER_REDIS_URL", raising=False)
        # In process, as the eval tests run it: the event loop of this test is elsewhere.
        code = await asyncio.to_thread(cli.main, ["eval", str(captured.folder.parent), "--json"])
        assert code == 0
        (result,) = json.loads(capsys.readouterr().out)["results"]
        verdict = result["heuristic"]
        assert verdict["error"] is None
        assert (verdict["root_cause"], verdict["rank"]) == (before.root_cause.service, 1)
        live = [(c.service, c.score, c.symptom) for c in before.candidates]
        replayed = [(c["service"], c["score"], c["symptom"]) for c in verdict["candidates"]]
        assert replayed == live

    async def test_short_window_keeps_the_longer_baseline(
        self,
        store: EmbeddedExecutor,
        source: tuple[SignozRepository, Incident, TimeWindow],
        replay_store: EmbeddedExecutor,
        replay_settings: ClickHouseSettings,
        tmp_path: Path,
    ) -> None:
        """A 15-minute window is compared with 30 minutes before it; the capture holds them."""
        repository, incident, _ = source
        window = TimeWindow.ending_at(datetime_from_ns(incident.now_ns), timedelta(minutes=15))
        before = await analyse(repository, window)
        capture = await IncidentCapturer(store, repository.schema, QueryLimits()).capture(
            SERVICE, window
        )
        assert capture.ranges[0].start <= window.start - timedelta(minutes=30)
        write_capture(tmp_path / "short", capture, window_text="15m")
        await load_files(
            replay_store,
            [tmp_path / "short" / "telemetry.jsonl"],
            traces_db=replay_settings.traces_database,
            logs_db=replay_settings.logs_database,
        )
        after = await analyse(await open_repository(replay_store, replay_settings), window)
        # The payment failures began before this short window, so the engine may call them
        # chronic; what the capture must keep is that the replay says exactly the same.
        assert outcome(after) == outcome(before)

    async def test_capture_holds_the_failing_traces_and_the_baseline(
        self, captured: Captured
    ) -> None:
        """Every span of the failing traces and the involved services' baseline spans are kept."""
        capture, incident = captured.capture, captured.incident
        trace_ids = {span.trace_id for span in capture.spans}
        assert set(incident.failing_frontend_traces) <= trace_ids
        assert capture.traces == 8  # six payment failures, two search failures
        assert set(capture.services) == {"frontend", "checkout", "payment", "search"}
        baseline_start = captured.window.start_ns - (
            captured.window.end_ns - captured.window.start_ns
        )
        baseline = [s for s in capture.spans if s.start_ns < captured.window.start_ns]
        assert {s.resource["service.version"] for s in baseline if s.service == "payment"} == {
            "2.3.1"
        }
        assert all(s.start_ns >= baseline_start for s in capture.spans)
        assert incident.batch_trace not in trace_ids  # batch-svc is not involved
        assert capture.cut == ()

    async def test_exceptions_and_logs_are_exported(self, captured: Captured) -> None:
        """Exception events come back from the error index and logs of failing traces go out."""
        lines = (captured.folder / "telemetry.jsonl").read_text(encoding="utf-8").splitlines()
        text = "\n".join(lines)
        assert text.count('"name":"exception"') == 6
        assert "KeyError" in text
        assert sum('"resourceLogs"' in line for line in lines) >= 1
        assert len(captured.capture.logs) == 6


class TestIncidentCard:
    async def test_card_asks_for_the_root_cause(self, captured: Captured) -> None:
        """incident.yaml names the question and leaves root_cause empty to be filled in."""
        text = (captured.folder / "incident.yaml").read_text(encoding="utf-8")
        card = yaml.safe_load(text)
        assert card["service"] == SERVICE
        assert card["window"] == "30m"
        assert card["kind"] == "unknown"
        assert card["root_cause"] == []
        assert card["name"].startswith("frontend-")
        assert "8 traces of frontend" in card["notes"]
        assert "FILL THIS IN" in text
        assert card["until"] == iso(captured.window.end)

    async def test_existing_capture_is_never_overwritten(
        self, source: tuple[SignozRepository, Incident, TimeWindow], captured: Captured
    ) -> None:
        """Capturing into a folder that already holds a card fails and leaves the card alone."""
        card = captured.folder / "incident.yaml"
        card.write_text(
            card.read_text(encoding="utf-8").replace("root_cause: []", "root_cause: [payment]")
        )
        with pytest.raises(InputError, match="already holds"):
            write_capture(captured.folder, captured.capture, window_text="30m")
        assert "root_cause: [payment]" in card.read_text(encoding="utf-8")
