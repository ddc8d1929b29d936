"""`aisher load`: OTLP/JSON files or in-memory documents into SigNoz's local tables.

This is the I/O edge around the pure conversion of `document_rows`. Files are streamed line by
line (`document_source`). Reading and converting run in a worker thread a chunk at a time, and
rows are inserted in batches. A batch is inserted while the next one is converted (the engine
does most of an insert without holding the GIL), and one insert at a time is in flight, so
memory stays bounded by two batches of `batch_rows` (or `BATCH_TEXT_CHARS` of input) plus one
chunk of lines, each line within `ImportLimits`. A malformed line is
recorded with its file and line number and skipped; whatever goes wrong inside its conversion,
it never costs the good lines around it.

Loading is idempotent per span: a span the store already holds, or that came earlier in the
same load, is skipped with its error rows (`known_spans`). Log records have no identity of
their own (the exporter gives each a fresh random id), so they are appended.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import os
import time
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aisher.errors import InputError, OtlpFormatError
from aisher.signoz.ddl import check_identifier
from aisher.signoz.document_rows import parse_line
from aisher.signoz.document_source import Document, check_text_size, read_documents
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.import_limits import DEFAULT_LIMITS, ImportLimits
from aisher.signoz.known_spans import drop_known, stored_span_keys
from aisher.signoz.otlp_json import describe
from aisher.signoz.rows import (
    ERRORS,
    LOG_RESOURCES,
    SPAN_RESOURCES,
    SPANS,
    TABLES,
    Row,
    SigNozBatch,
    SigNozTable,
    error_span_key,
    span_key,
)

__all__ = [
    "DEFAULT_LIMITS",
    "ImportLimits",
    "LoadProblem",
    "LoadReport",
    "load_documents",
    "load_files",
    "read_documents",
]

log = logging.getLogger(__name__)

DEFAULT_BATCH_ROWS = 20_000
CHUNK_DOCUMENTS = 64  # documents converted per worker-thread hop
CHUNK_TEXT_CHARS = 16 * 1024 * 1024  # …or fewer, once their text adds up to this
BATCH_TEXT_CHARS = 64 * 1024 * 1024  # a batch is inserted once its input text adds up to this
MAX_REPORTED_PROBLEMS = 1_000  # later problems are counted, not kept
MEMORY_SOURCE = "<memory>"

_DEDUPLICATED = (SPAN_RESOURCES, LOG_RESOURCES)


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """A document that was skipped: where it is and what is wrong with it."""

    path: str
    line: int  # 0 when the file as a whole could not be read further
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a load did: rows inserted per table, documents read, problems, and time taken."""

    rows: Mapping[str, int]
    lines: int  # documents read: non-blank lines, or 1 for a single-document file
    problems: tuple[LoadProblem, ...]
    problem_count: int  # every problem, including those past MAX_REPORTED_PROBLEMS
    elapsed_s: float
    skipped_spans: int = 0  # spans already in the store or earlier in the load

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def rows_per_second(self) -> float:
        """Rows inserted per second of wall time (0 when nothing took measurable time)."""
        return self.total_rows / self.elapsed_s if self.elapsed_s > 0 else 0.0


async def load_files(
    executor: QueryExecutor,
    paths: Iterable[str | os.PathLike[str]],
    *,
    traces_db: str,
    logs_db: str,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> LoadReport:
    """Import OTLP/JSON files (JSON lines, or one JSON document each) into the local tables.

    Raises `InputError` before inserting anything if a path is not a file. An insert that
    fails raises its `DataSourceError`; batches inserted before it stay in the tables.
    """
    files = [Path(path) for path in paths]
    missing = await asyncio.to_thread(lambda: [str(p) for p in files if not p.is_file()])
    if missing:
        raise InputError(f"not a file: {', '.join(missing)}")
    loader = _Loader(executor, traces_db, logs_db, batch_rows, limits)
    try:
        for path in files:
            documents = read_documents(path, limits)
            try:
                await loader.load(str(path), documents)
            finally:
                # Closes the file now, even when an insert failed. If the load was cancelled
                # while a worker thread still runs the generator, that thread finishes it.
                with contextlib.suppress(ValueError):
                    documents.close()
        return await loader.finish()
    finally:
        await loader.abandon()


async def load_documents(
    executor: QueryExecutor,
    documents: Iterable[str],
    *,
    traces_db: str,
    logs_db: str,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    source: str = MEMORY_SOURCE,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> LoadReport:
    """Import in-memory OTLP/JSON documents (one per item, numbered from 1 as lines).

    `documents` is consumed a chunk at a time from a worker thread, so a generator works and
    need not be materialised.
    """
    loader = _Loader(executor, traces_db, logs_db, batch_rows, limits)
    numbered: Iterator[Document] = (
        (n, check_text_size(text, limits) or text)
        for n, text in enumerate(documents, start=1)
        if text.strip()
    )
    try:
        await loader.load(source, numbered)
        return await loader.finish()
    finally:
        await loader.abandon()


@dataclass(slots=True)
class _Loader:
    """Accumulates converted rows, inserts them in batches, and keeps the tally."""

    executor: QueryExecutor
    traces_db: str
    logs_db: str
    batch_rows: int
    limits: ImportLimits
    started: float = field(default_factory=time.perf_counter)
    pending: dict[SigNozTable, list[Row]] = field(default_factory=dict)
    pending_rows: int = 0
    pending_chars: int = 0
    pending_spans: set[tuple[str, str]] = field(default_factory=set)
    seen_resources: set[tuple[str, Row]] = field(default_factory=set)
    inserted: dict[str, int] = field(default_factory=lambda: {t.name: 0 for t in TABLES})
    skipped_spans: int = 0
    documents: int = 0
    problems: list[LoadProblem] = field(default_factory=list)
    problem_count: int = 0
    inserting: asyncio.Task[None] | None = None  # the batch being inserted, if any

    def __post_init__(self) -> None:
        check_identifier(self.traces_db)
        check_identifier(self.logs_db)
        if self.batch_rows < 1:
            raise ValueError(f"batch_rows must be positive, got {self.batch_rows}")

    async def load(self, source: str, documents: Iterator[Document]) -> None:
        while True:
            chunk = await asyncio.to_thread(_convert_chunk, documents, self.limits)
            if not chunk.results and not chunk.read_error:
                return
            for line_no, result in chunk.results:
                self.documents += 1
                if isinstance(result, OtlpFormatError):
                    self._record_problem(LoadProblem(source, line_no, result.detail))
                else:
                    self._add(result)
            self.pending_chars += chunk.text_chars
            if chunk.read_error:
                self._record_problem(LoadProblem(source, 0, chunk.read_error))
            if self.pending_rows >= self.batch_rows or self.pending_chars >= BATCH_TEXT_CHARS:
                await self._start_flush()

    async def finish(self) -> LoadReport:
        await self._start_flush()
        await self._await_insert()
        return LoadReport(
            rows=dict(self.inserted),
            lines=self.documents,
            problems=tuple(self.problems),
            problem_count=self.problem_count,
            elapsed_s=time.perf_counter() - self.started,
            skipped_spans=self.skipped_spans,
        )

    def _record_problem(self, problem: LoadProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(problem)

    def _add(self, batch: SigNozBatch) -> None:
        repeated: set[tuple[str, str]] = set()  # spans of this document already pending
        for table, rows in batch.by_table():
            fresh = rows
            if table is SPANS:
                fresh = tuple(row for row in rows if self._first_in_batch(row, repeated))
                self.skipped_spans += len(rows) - len(fresh)
            elif table is ERRORS and repeated:
                fresh = tuple(row for row in rows if error_span_key(row) not in repeated)
            elif table in _DEDUPLICATED:
                # Resource rows repeat for every document of the same resource and bucket.
                fresh = tuple(row for row in rows if self._first_sighting(table, row))
            if fresh:
                self.pending.setdefault(table, []).extend(fresh)
                self.pending_rows += len(fresh)

    def _first_in_batch(self, row: Row, repeated: set[tuple[str, str]]) -> bool:
        key = span_key(row)
        if key in self.pending_spans:
            repeated.add(key)
            return False
        self.pending_spans.add(key)
        return True

    def _first_sighting(self, table: SigNozTable, row: Row) -> bool:
        key = (table.name, row)
        if key in self.seen_resources:
            return False
        self.seen_resources.add(key)
        return True

    async def abandon(self) -> None:
        """Stop an insert still in flight (the load failed or was cancelled; a no-op after
        `finish`), waiting for it to stop."""
        task, self.inserting = self.inserting, None
        if task is not None:
            task.cancel()  # a no-op once it is done
            with contextlib.suppress(BaseException):  # and this retrieves how it ended
                await task

    async def _await_insert(self) -> None:
        """Wait for the batch in flight; its failure is raised here."""
        task, self.inserting = self.inserting, None
        if task is not None:
            await task

    async def _start_flush(self) -> None:
        """Hand the pending rows to a background insert, once the previous one is done.

        The next batch's lookup of known spans must see this batch stored, which the one
        insert in flight at a time guarantees.
        """
        await self._await_insert()
        pending, self.pending, self.pending_rows = self.pending, {}, 0
        self.pending_chars, self.pending_spans = 0, set()
        if pending:
            self.inserting = asyncio.create_task(self._insert(pending))

    async def _insert(self, pending: dict[SigNozTable, list[Row]]) -> None:
        spans = pending.get(SPANS)
        if spans:
            known = await stored_span_keys(self.executor, self.traces_db, spans)
            fresh = drop_known(spans, pending.get(ERRORS, ()), known)
            pending[SPANS], pending[ERRORS] = fresh.spans, fresh.errors
            self.skipped_spans += fresh.skipped_spans
        for table in TABLES:
            rows = pending.get(table)
            if rows:
                database = self.traces_db if table.signal == "traces" else self.logs_db
                await self.executor.insert(f"{database}.{table.name}", rows, table.columns)
                self.inserted[table.name] += len(rows)


@dataclass(frozen=True, slots=True)
class _Chunk:
    results: list[tuple[int, SigNozBatch | OtlpFormatError]]
    text_chars: int
    read_error: str | None = None


@contextlib.contextmanager
def _cyclic_gc_paused() -> Generator[None, None, None]:
    """Pause Python's cyclic garbage collector, if it runs, for the duration.

    Decoding and converting allocate millions of containers (JSON trees, rows, maps) that
    never form cycles, so reference counting frees them all; the collector's passes over them
    find nothing and cost about a tenth of the conversion. It is paused for one chunk at a
    time, and left alone when someone else had already turned it off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _convert_chunk(documents: Iterator[Document], limits: ImportLimits) -> _Chunk:
    """Read and convert the next few documents (runs in a worker thread)."""
    with _cyclic_gc_paused():
        return _read_and_convert(documents, limits)


def _read_and_convert(documents: Iterator[Document], limits: ImportLimits) -> _Chunk:
    results: list[tuple[int, SigNozBatch | OtlpFormatError]] = []
    chars = 0
    try:
        for line_no, text in itertools.islice(documents, CHUNK_DOCUMENTS):
            if isinstance(text, OtlpFormatError):
                results.append((line_no, text))
                continue
            results.append((line_no, _convert(text, line_no, limits)))
            chars += len(text)
            if chars >= CHUNK_TEXT_CHARS:
                break
    except OSError as exc:
        # The documents read so far still count; the rest of this file is lost.
        return _Chunk(results, chars, f"cannot read further: {exc.strerror or exc}")
    return _Chunk(results, chars)


def _convert(text: str, line_no: int, limits: ImportLimits) -> SigNozBatch | OtlpFormatError:
    """The rows of one document, or the problem that costs this document and no other."""
    try:
        return parse_line(text, line_no, limits=limits)
    except OtlpFormatError as exc:
        return exc
    except Exception as exc:  # a converter bug must cost this one line, not the whole load
        log.debug("line %d could not be converted", line_no, exc_info=True)
        return OtlpFormatError(
            f"cannot import this document ({type(exc).__name__}: {describe(str(exc))})",
            line=line_no,
        )
