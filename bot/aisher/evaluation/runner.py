"""Running a suite: each incident loaded into its own databases and analysed like `aisher why`.

Incidents go into private databases of an embedded chDB store: the configured one when it is
embedded (chDB runs one store per process), never a SigNoz ClickHouse reached over HTTP (then a
store of its own under the data directory). Each incident's databases are dropped after it.
The analysis runs through the same engine `aisher why` builds, on the window given directly:
labelled incidents lie outside the retention check that a typed `--until` goes through.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from aisher.analysis import AnalysisRequest
from aisher.config import ClickHouseSettings, Settings, embedded_dsn
from aisher.errors import AisherError, OtlpFormatError
from aisher.evaluation.rebase import days_to_recent, shift_document, shift_window
from aisher.evaluation.results import (
    HEURISTIC,
    LLM,
    IncidentResult,
    SuiteResult,
    Verdict,
    verdict_from_report,
)
from aisher.evaluation.suite import LabelledIncident
from aisher.runtime import open_runtime
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.loader import load_documents, read_documents
from aisher.signoz.store import ensure_embedded_schema, open_executor

log = logging.getLogger(__name__)

EVAL_STORE = "eval-store"  # under the data directory, when the configured store is not embedded
DATABASE_PREFIX = "aisher_eval"
MAX_KEPT_PROBLEMS = 3


def eval_store(settings: Settings) -> ClickHouseSettings:
    """Where incidents are loaded: the embedded store, never a remote ClickHouse."""
    if settings.clickhouse.embedded:
        return settings.clickhouse
    return settings.clickhouse.model_copy(
        update={"dsn": embedded_dsn(settings.data_dir / EVAL_STORE)}
    )


class SuiteRunner:
    """Loads and analyses the incidents of a suite one after another."""

    def __init__(
        self,
        settings: Settings,
        *,
        with_llm: bool = False,
        now: datetime | None = None,
        on_result: Callable[[int, IncidentResult], None] | None = None,
    ) -> None:
        self._settings = settings
        self._store = eval_store(settings)
        self._with_llm = with_llm
        self._now = now
        self._on_result = on_result

    async def run(self, incidents: Sequence[LabelledIncident], *, suite: str) -> SuiteResult:
        started = time.perf_counter()
        now = self._now or datetime.now(UTC)
        executor = open_executor(self._store)
        results: list[IncidentResult] = []
        try:
            for number, incident in enumerate(incidents, start=1):
                result = await self._run_one(executor, incident, number, now)
                results.append(result)
                if self._on_result is not None:
                    self._on_result(number, result)
        finally:
            await executor.close()
        analyzers = (HEURISTIC, LLM) if self._with_llm else (HEURISTIC,)
        return SuiteResult(
            suite=suite,
            results=tuple(results),
            seconds=time.perf_counter() - started,
            llm_model=self._settings.llm.model if self._with_llm else None,
            analyzers=analyzers,
        )

    async def _run_one(
        self, executor: QueryExecutor, incident: LabelledIncident, number: int, now: datetime
    ) -> IncidentResult:
        traces_db = f"{DATABASE_PREFIX}{number}_traces"
        logs_db = f"{DATABASE_PREFIX}{number}_logs"
        await _drop(executor, traces_db, logs_db)  # leftovers of an interrupted run
        try:
            await ensure_embedded_schema(executor, traces_db, logs_db)
            days = days_to_recent(incident.window, now)
            rows, problems = await _load(executor, incident, days, traces_db, logs_db)
            request = AnalysisRequest(
                service=incident.service, window=shift_window(incident.window, days), refresh=True
            )
            heuristic = await self._analyze(
                self._settings_for(traces_db, logs_db), request, incident
            )
            llm = None
            if self._with_llm:
                llm_settings = self._settings_for(traces_db, logs_db, llm=True)
                llm = await self._analyze(llm_settings, request, incident)
        finally:
            await _drop(executor, traces_db, logs_db)
        return IncidentResult(incident, rows, heuristic, llm, problems)

    def _settings_for(self, traces_db: str, logs_db: str, *, llm: bool = False) -> Settings:
        clickhouse = self._store.model_copy(
            update={"traces_database": traces_db, "logs_database": logs_db}
        )
        llm_settings = self._settings.llm
        if not llm:
            llm_settings = llm_settings.model_copy(update={"model": None})
        return self._settings.model_copy(update={"clickhouse": clickhouse, "llm": llm_settings})

    async def _analyze(
        self, settings: Settings, request: AnalysisRequest, incident: LabelledIncident
    ) -> Verdict:
        started = time.perf_counter()
        try:
            async with open_runtime(settings) as runtime:
                report = await runtime.engine.analyze(request)
        except AisherError as exc:
            return Verdict.failed(str(exc), time.perf_counter() - started)
        except Exception as exc:  # one incident's crash must not hide the others' results
            log.exception("analysis of %s crashed", incident.name)
            reason = f"internal error: {type(exc).__name__}: {exc}"
            return Verdict.failed(reason, time.perf_counter() - started)
        return verdict_from_report(report, incident.root_cause, time.perf_counter() - started)


async def _load(
    executor: QueryExecutor, incident: LabelledIncident, days: int, traces_db: str, logs_db: str
) -> tuple[int, tuple[str, ...]]:
    """Load the incident's files moved `days` later; (rows inserted, first problems)."""
    rows, problems = 0, list[str]()
    for path in incident.telemetry:
        report = await load_documents(
            executor,
            _shifted_documents(path, days, problems),
            traces_db=traces_db,
            logs_db=logs_db,
            source=str(path),
        )
        rows += report.total_rows
        problems.extend(str(problem) for problem in report.problems)
    return rows, tuple(problems[:MAX_KEPT_PROBLEMS])


def _shifted_documents(path: Path, days: int, problems: list[str]) -> Iterator[str]:
    """The documents of a file moved `days` later; lines it cannot read go to `problems`."""
    documents = read_documents(path)
    try:
        for line_no, document in documents:
            if isinstance(document, OtlpFormatError):
                problems.append(f"{path}:{line_no}: {document.detail}")
            else:
                yield shift_document(document, days)
    finally:
        documents.close()


async def _drop(executor: QueryExecutor, *databases: str) -> None:
    for database in databases:
        await executor.command(f"DROP DATABASE IF EXISTS {database}")
