"""`aisher load`: OTLP/JSON files or in-memory documents into SigNoz's local tables.

This is the I/O edge around the pure conversion of `document_rows`. Files are streamed line by line
(JSON lines, as the collector's file exporter writes them); a file whose first line is not a
JSON document on its own is tried as one pretty-printed document, and read whole only then.
Reading and converting run in a worker thread a chunk at a time, and rows are inserted in
batches, so memory stays bounded by `batch_rows` plus one chunk of lines. A malformed line is
recorded with its file and line number and skipped; it never costs the good lines around it.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import itertools
import json
import os
import time
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aisher.errors import InputError, OtlpFormatError
from aisher.signoz.ddl import check_identifier
from aisher.signoz.document_rows import parse_line
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.rows import (
    LOG_RESOURCES,
    SPAN_RESOURCES,
    TABLES,
    Row,
    SigNozBatch,
    SigNozTable,
)

DEFAULT_BATCH_ROWS = 20_000
CHUNK_DOCUMENTS = 64  # documents converted per worker-thread hop
MAX_REPORTED_PROBLEMS = 1_000  # later problems are counted, not kept
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # a single-document file is read whole up to this size
MEMORY_SOURCE = "<memory>"

_Document = tuple[int, str]  # (line number, document text)
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
) -> LoadReport:
    """Import OTLP/JSON files (JSON lines, or one JSON document each) into the local tables.

    Raises `InputError` before inserting anything if a path is not a file. An insert that
    fails raises its `DataSourceError`; batches inserted before it stay in the tables.
    """
    files = [Path(path) for path in paths]
    missing = await asyncio.to_thread(lambda: [str(p) for p in files if not p.is_file()])
    if missing:
        raise InputError(f"not a file: {', '.join(missing)}")
    loader = _Loader(executor, traces_db, logs_db, batch_rows)
    for path in files:
        documents = read_documents(path)
        try:
            await loader.load(str(path), documents)
        finally:
            # Closes the file now, even when an insert failed. If the load was cancelled
            # while a worker thread still runs the generator, that thread finishes it instead.
            with contextlib.suppress(ValueError):
                documents.close()
    return await loader.finish()


async def load_documents(
    executor: QueryExecutor,
    documents: Iterable[str],
    *,
    traces_db: str,
    logs_db: str,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    source: str = MEMORY_SOURCE,
) -> LoadReport:
    """Import in-memory OTLP/JSON documents (one per item, numbered from 1 as lines).

    `documents` is consumed a chunk at a time from a worker thread, so a generator works and
    need not be materialised.
    """
    loader = _Loader(executor, traces_db, logs_db, batch_rows)
    numbered = ((n, text) for n, text in enumerate(documents, start=1) if text.strip())
    await loader.load(source, numbered)
    return await loader.finish()


def read_documents(path: Path) -> Generator[_Document, None, None]:
    """The documents of a file with their line numbers: its lines, or the file as one document.

    Invalid UTF-8 becomes U+FFFD, as the collector's Go decoder does.
    """
    with path.open("rb") as handle:
        first = _first_content_line(handle)
        if first is None:
            return
        line_no, text = first
        if _opens_a_document(text) and path.stat().st_size <= MAX_DOCUMENT_BYTES:
            # JSON lines whose first line is broken still have whole documents on other
            # lines; a pretty-printed document has none.
            handle.seek(0)
            if not any(_is_trace_or_log_document(raw) for raw in handle):
                handle.seek(0)
                yield line_no, _decode(handle.read())
                return
            handle.seek(0)
            _first_content_line(handle)
        yield line_no, text
        for number, raw in enumerate(handle, start=line_no + 1):
            if raw.strip():
                yield number, _decode(raw)


def _first_content_line(handle: Iterable[bytes]) -> tuple[int, str] | None:
    for line_no, raw in enumerate(handle, start=1):
        if raw.strip():
            return line_no, _decode(raw)
    return None


def _decode(raw: bytes) -> str:
    return raw.removeprefix(codecs.BOM_UTF8).decode("utf-8", "replace")


def _opens_a_document(first_line: str) -> bool:
    """A first line that opens an object without being one starts a multi-line document."""
    if not first_line.lstrip().startswith("{"):
        return False
    try:
        json.loads(first_line)
    except (ValueError, RecursionError):
        return True
    return False


def _is_trace_or_log_document(raw: bytes) -> bool:
    line = raw.strip().removeprefix(codecs.BOM_UTF8)
    if not line.startswith(b"{"):
        return False
    try:
        document = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(document, dict) and (
        "resourceSpans" in document or "resourceLogs" in document
    )


@dataclass(slots=True)
class _Loader:
    """Accumulates converted rows, inserts them in batches, and keeps the tally."""

    executor: QueryExecutor
    traces_db: str
    logs_db: str
    batch_rows: int
    started: float = field(default_factory=time.perf_counter)
    pending: dict[SigNozTable, list[Row]] = field(default_factory=dict)
    pending_rows: int = 0
    seen_resources: set[tuple[str, Row]] = field(default_factory=set)
    inserted: dict[str, int] = field(default_factory=lambda: {t.name: 0 for t in TABLES})
    documents: int = 0
    problems: list[LoadProblem] = field(default_factory=list)
    problem_count: int = 0

    def __post_init__(self) -> None:
        check_identifier(self.traces_db)
        check_identifier(self.logs_db)
        if self.batch_rows < 1:
            raise ValueError(f"batch_rows must be positive, got {self.batch_rows}")

    async def load(self, source: str, documents: Iterator[_Document]) -> None:
        while True:
            chunk = await asyncio.to_thread(_convert_chunk, documents)
            if not chunk.results and not chunk.read_error:
                return
            for line_no, result in chunk.results:
                self.documents += 1
                if isinstance(result, OtlpFormatError):
                    self._record_problem(LoadProblem(source, line_no, result.detail))
                else:
                    self._add(result)
            if chunk.read_error:
                self._record_problem(LoadProblem(source, 0, chunk.read_error))
            if self.pending_rows >= self.batch_rows:
                await self._flush()

    async def finish(self) -> LoadReport:
        await self._flush()
        return LoadReport(
            rows=dict(self.inserted),
            lines=self.documents,
            problems=tuple(self.problems),
            problem_count=self.problem_count,
            elapsed_s=time.perf_counter() - self.started,
        )

    def _record_problem(self, problem: LoadProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(problem)

    def _add(self, batch: SigNozBatch) -> None:
        for table, rows in batch.by_table():
            fresh = rows
            if table in _DEDUPLICATED:
                # Resource rows repeat for every document of the same resource and bucket.
                fresh = tuple(row for row in rows if self._first_sighting(table, row))
            if fresh:
                self.pending.setdefault(table, []).extend(fresh)
                self.pending_rows += len(fresh)

    def _first_sighting(self, table: SigNozTable, row: Row) -> bool:
        key = (table.name, row)
        if key in self.seen_resources:
            return False
        self.seen_resources.add(key)
        return True

    async def _flush(self) -> None:
        pending, self.pending, self.pending_rows = self.pending, {}, 0
        for table in TABLES:
            rows = pending.get(table)
            if rows:
                database = self.traces_db if table.signal == "traces" else self.logs_db
                await self.executor.insert(f"{database}.{table.name}", rows, table.columns)
                self.inserted[table.name] += len(rows)


@dataclass(frozen=True, slots=True)
class _Chunk:
    results: list[tuple[int, SigNozBatch | OtlpFormatError]]
    read_error: str | None = None


def _convert_chunk(documents: Iterator[_Document]) -> _Chunk:
    """Read and convert the next few documents (runs in a worker thread)."""
    results: list[tuple[int, SigNozBatch | OtlpFormatError]] = []
    try:
        for line_no, text in itertools.islice(documents, CHUNK_DOCUMENTS):
            try:
                results.append((line_no, parse_line(text, line_no)))
            except OtlpFormatError as exc:
                results.append((line_no, exc))
    except OSError as exc:
        # The documents read so far still count; the rest of this file is lost.
        return _Chunk(results, f"cannot read further: {exc.strerror or exc}")
    return _Chunk(results)
