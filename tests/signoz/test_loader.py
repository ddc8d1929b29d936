"""`aisher load` puts OTLP/JSON into the real SigNoz tables of the embedded engine."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from aisher.config import ClickHouseSettings
from aisher.errors import DataSourceError, InputError
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.executor import QueryRows
from aisher.signoz.loader import (
    CHUNK_DOCUMENTS,
    LoadProblem,
    LoadReport,
    load_documents,
    load_files,
    read_documents,
)
from tests.support.otlp_documents import (
    CHECKOUT_FINGERPRINT,
    CHILD_SPAN_ID,
    ROOT_SPAN_ID,
    TRACE_ID,
    checkout_trace,
    dumps,
    log_record,
    logs_document,
    recent_ns,
    span,
    spans_document,
)


class _Databases:
    """The test's traces and logs database names."""

    def __init__(self, settings: ClickHouseSettings) -> None:
        self.traces = settings.traces_database
        self.logs = settings.logs_database


@pytest.fixture
def dbs(clickhouse_settings: ClickHouseSettings) -> _Databases:
    return _Databases(clickhouse_settings)


def write_lines(path: Path, documents: list[dict[str, Any] | str]) -> Path:
    lines = [doc if isinstance(doc, str) else dumps(doc) for doc in documents]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def load(store: EmbeddedExecutor, dbs: _Databases, *paths: Path, **kw: Any) -> LoadReport:
    return await load_files(store, paths, traces_db=dbs.traces, logs_db=dbs.logs, **kw)


async def scalar(store: EmbeddedExecutor, sql: str) -> Any:
    result = await store.query(sql)
    return result.rows[0][0]


class TestLoadFiles:
    async def test_span_time_round_trips_to_the_nanosecond(
        self, store: EmbeddedExecutor, dbs: _Databases, tmp_path: Path
    ) -> None:
        """toUnixTimestamp64Nano(timestamp) equals the OTLP start time exactly."""
        start = recent_ns() // 10**9 * 10**9 + 123_456_789  # digits down to the ns
        path = write_lines(tmp_path / "spans.jsonl", [checkout_trace(start)])
        report = await load(store, dbs, path)
        result = await store.query(
            f"SELECT span_id, toUnixTimestamp64Nano(timestamp), duration_nano, ts_bucket_start"
            f" FROM {dbs.traces}.distributed_signoz_index_v3 ORDER BY timestamp"
        )
        assert result.rows == [
            (ROOT_SPAN_ID, start, 250_000_000, start // 10**9 // 1800 * 1800),
            (
                CHILD_SPAN_ID,
                start + 50_000_000,
                180_000_000,
                (start + 50_000_000) // 10**9 // 1800 * 1800,
            ),
        ]
        assert report.rows == {
            "signoz_index_v3": 2,
            "signoz_error_index_v2": 1,
            "traces_v3_resource": 1,
            "logs_v2": 0,
            "logs_v2_resource": 0,
        }
        assert (report.lines, report.problems) == (1, ())

    async def test_default_columns_are_filled_by_clickhouse(
        self, store: EmbeddedExecutor, dbs: _Databases, tmp_path: Path
    ) -> None:
        """The DEFAULT columns derive from the maps, and the v2 ALIAS names read them."""
        await load(store, dbs, write_lines(tmp_path / "t.jsonl", [checkout_trace(recent_ns())]))
        result = await store.query(
            "SELECT `resource_string_service$$name`, `attribute_string_peer$$service`,"
            " `attribute_string_peer$$service_exists`, `attribute_string_http$$route`,"
            " serviceName, toString(traceID), has_error, is_remote, events"
            f" FROM {dbs.traces}.signoz_index_v3 ORDER BY timestamp"
        )
        root, child = result.rows
        assert root[:5] == ("checkout-service", "", False, "/api/checkout", "checkout-service")
        assert child[:8] == (
            "checkout-service",
            "stripe",
            True,
            "",
            "checkout-service",
            TRACE_ID,
            True,
            "no",
        )
        assert json.loads(child[8][0])["attributeMap"]["exception.type"] == "stripe.error.CardError"

    async def test_error_row_joins_its_span(
        self, store: EmbeddedExecutor, dbs: _Databases, tmp_path: Path
    ) -> None:
        """The error index row joins the span on trace and span id, with the event time."""
        start = recent_ns()
        await load(store, dbs, write_lines(tmp_path / "t.jsonl", [checkout_trace(start)]))
        result = await store.query(
            "SELECT s.name, e.exceptionType, toUnixTimestamp64Nano(e.timestamp), e.serviceName,"
            " toString(e.groupID)"
            f" FROM {dbs.traces}.signoz_error_index_v2 AS e"
            f" INNER JOIN {dbs.traces}.signoz_index_v3 AS s"
            " ON s.trace_id = e.traceID AND s.span_id = e.spanID"
        )
        assert result.rows == [
            (
                "stripe.charges.create",
                "stripe.error.CardError",
                start + 229_543_211,
                "checkout-service",
                "5d6aeba7b762eec7bba18f72d964f863",
            )
        ]

    async def test_logs_join_spans_on_trace_id(
        self, store: EmbeddedExecutor, dbs: _Databases, tmp_path: Path
    ) -> None:
        """Log rows carry hex trace ids that join the span table, and share its fingerprint."""
        start = recent_ns()
        record = log_record(
            "Payment failed", time_ns=start + 60_000_000, trace_id=TRACE_ID, span_id=CHILD_SPAN_ID
        )
        path = write_lines(
            tmp_path / "mixed.jsonl", [checkout_trace(start), logs_document([record])]
        )
        report = await load(store, dbs, path)
        result = await store.query(
            "SELECT l.body, l.severity_text, l.timestamp, s.name, l.resource_fingerprint"
            f" FROM {dbs.logs}.logs_v2 AS l INNER JOIN {dbs.traces}.signoz_index_v3 AS s"
            " ON l.trace_id = s.trace_id AND l.span_id = s.span_id"
        )
        assert result.rows == [
            (
                "Payment failed",
                "ERROR",
                start + 60_000_000,
                "stripe.charges.create",
                CHECKOUT_FINGERPRINT,
            )
        ]
        assert report.rows["logs_v2"] == report.rows["logs_v2_resource"] == 1
        labels = await scalar(store, f"SELECT labels FROM {dbs.logs}.logs_v2_resource")
        assert json.loads(labels)["service.name"] == "checkout-service"

    async def test_malformed_line_in_the_middle_keeps_the_good_lines(
        self, store: EmbeddedExecutor, dbs: _Databases, tmp_path: Path
    ) -> None:
        """Every valid line loads and the bad one is reported with its file and line number."""
        start = recent_ns()
        bad_span = span(name="bad", start_ns=start, span_id="not-an-id")
        path = write_lines(
            tmp_path / "partly.jsonl",
            [
                spans_document([span(name="one", start_ns=start, span_id="1" * 16)]),
                spans_document([bad_span]),
                "",
                "{not json",
                spans_document([span(name="two", start_ns=start, span_id="2" * 16)]),
            ],
        )
        report = await load(store, dbs, path, batch_rows=1)
        names = await store.query(f"SELECT name FROM {dbs.traces}.signoz_index_v3 ORDER BY name")
        assert names.rows == [("one",), ("two",)]
        assert [(p.path, p.line) for p in report.problems] == [(str(path), 2), (str(path), 4)]
        assert "spans[0].spanId: 'not-an-id' is neither" in report.problems[0].message
        assert report.problems[1].message.startswith("not JSON")
        assert (report.lines, report.problem_count, report.rows["signoz_index_v3"]) == (4, 2, 2)

    async def test_single_pretty_printed_document(
        self, store: EmbeddedExecutor, dbs: _Databases, tmp_path: Path
    ) -> None:
        """A file holding one indented JSON document loads as one document."""
        path = tmp_path / "trace.json"
        path.write_text(json.dumps(checkout_trace(recent_ns()), indent=2), encoding="utf-8")
        report = await load(store, dbs, path)
        assert (report.lines, report.problems, report.rows["signoz_index_v3"]) == (1, (), 2)

    async def test_trace_summary_filled_by_its_view(
        self, store: EmbeddedExecutor, dbs: _Databases, tmp_path: Path
    ) -> None:
        """The trace_summary materialized view records the trace's bounds and span count."""
        start = recent_ns()
        await load(store, dbs, write_lines(tmp_path / "t.jsonl", [checkout_trace(start)]))
        result = await store.query(
            "SELECT trace_id, toUnixTimestamp64Nano(min(start)), toUnixTimestamp64Nano(max(end)),"
            f" sum(num_spans) FROM {dbs.traces}.distributed_trace_summary GROUP BY trace_id"
        )
        assert result.rows == [(TRACE_ID, start, start + 50_000_000, 2)]

    async def test_resource_rows_written_once_per_load(
        self, store: EmbeddedExecutor, dbs: _Databases, tmp_path: Path
    ) -> None:
        """Lines of the same resource and bucket add one resource row, not one each."""
        start = recent_ns()
        documents: list[dict[str, Any] | str] = [
            spans_document([span(name=f"s{n}", start_ns=start + n, span_id=f"{n + 1:016x}")])
            for n in range(5)
        ]
        report = await load(store, dbs, write_lines(tmp_path / "t.jsonl", documents), batch_rows=2)
        count = await scalar(store, f"SELECT count() FROM {dbs.traces}.traces_v3_resource")
        assert (report.rows["traces_v3_resource"], count) == (1, 1)
        assert report.rows["signoz_index_v3"] == 5

    async def test_several_files_in_one_report(
        self, store: EmbeddedExecutor, dbs: _Databases, tmp_path: Path
    ) -> None:
        """Rows of every file are counted together and problems name their own file."""
        start = recent_ns()
        first = write_lines(tmp_path / "a.jsonl", [checkout_trace(start)])
        second = write_lines(tmp_path / "b.jsonl", ["[]"])
        report = await load(store, dbs, first, second)
        assert report.problems == (
            LoadProblem(
                str(second), 1, "expected an object with resourceSpans or resourceLogs, got []"
            ),
        )
        assert report.total_rows == 4

    async def test_missing_file_is_refused_before_loading(
        self, store: EmbeddedExecutor, dbs: _Databases, tmp_path: Path
    ) -> None:
        """A path that is not a file is an InputError, and nothing is inserted."""
        good = write_lines(tmp_path / "a.jsonl", [checkout_trace(recent_ns())])
        with pytest.raises(InputError, match="not a file"):
            await load(store, dbs, good, tmp_path / "absent.jsonl")
        assert await scalar(store, f"SELECT count() FROM {dbs.traces}.signoz_index_v3") == 0


class TestReadDocuments:
    def test_json_lines_with_blank_lines_keep_their_numbers(self, tmp_path: Path) -> None:
        """Blank lines are skipped but still counted in the line numbers."""
        path = tmp_path / "a.jsonl"
        path.write_bytes(b'\xef\xbb\xbf{"resourceSpans":[]}\n\n  \n{"resourceLogs":[]}\n')
        assert list(read_documents(path)) == [
            (1, '{"resourceSpans":[]}\n'),
            (4, '{"resourceLogs":[]}\n'),
        ]

    def test_pretty_printed_document_is_one_document(self, tmp_path: Path) -> None:
        """An indented document is yielded whole, numbered by its first line."""
        path = tmp_path / "doc.json"
        text = json.dumps({"resourceSpans": []}, indent=2)
        path.write_text("\n" + text, encoding="utf-8")
        assert list(read_documents(path)) == [(2, "\n" + text)]

    def test_broken_first_line_of_json_lines_is_not_a_document(self, tmp_path: Path) -> None:
        """A truncated first line still leaves the following lines as separate documents."""
        path = tmp_path / "a.jsonl"
        path.write_text('{"resourceSpans": [\n{"resourceLogs":[]}\n', encoding="utf-8")
        assert [number for number, _ in read_documents(path)] == [1, 2]

    def test_broken_pretty_printed_document_stays_one_document(self, tmp_path: Path) -> None:
        """A broken indented document is one problem, not one per line."""
        path = tmp_path / "doc.json"
        path.write_text('{\n  "resourceSpans": [\n    {"resource": \n', encoding="utf-8")
        assert [number for number, _ in read_documents(path)] == [1]

    def test_invalid_utf8_becomes_replacement_characters(self, tmp_path: Path) -> None:
        """Undecodable bytes are replaced, as the collector's decoder does, not fatal."""
        path = tmp_path / "a.jsonl"
        path.write_bytes(b'{"resourceLogs":[],"x":"\xff"}\n')
        assert list(read_documents(path)) == [(1, '{"resourceLogs":[],"x":"\ufffd"}\n')]


class TestLoadDocuments:
    async def test_in_memory_documents(self, store: EmbeddedExecutor, dbs: _Databases) -> None:
        """JSON documents held in memory load through the same path, numbered from 1."""
        start = recent_ns()
        documents = [
            dumps(checkout_trace(start)),
            "",
            dumps(logs_document([log_record("hello", time_ns=start)])),
            "oops",
        ]
        report = await load_documents(store, documents, traces_db=dbs.traces, logs_db=dbs.logs)
        assert report.rows["signoz_index_v3"] == 2
        assert report.rows["logs_v2"] == 1
        assert report.problems == (
            LoadProblem("<memory>", 4, "not JSON: Expecting value at column 1"),
        )
        assert report.rows_per_second() > 0


class TestLoadReport:
    def test_rows_per_second(self) -> None:
        """Throughput is total rows over elapsed seconds, and 0 for no elapsed time."""
        report = LoadReport(
            rows={"signoz_index_v3": 30, "logs_v2": 10},
            lines=2,
            problems=(),
            problem_count=0,
            elapsed_s=2.0,
        )
        assert (report.total_rows, report.rows_per_second()) == (40, 20.0)
        assert (
            LoadReport(
                rows={}, lines=0, problems=(), problem_count=0, elapsed_s=0.0
            ).rows_per_second()
            == 0.0
        )

    def test_problem_reads_as_path_line_message(self) -> None:
        """A problem prints as `path:line: message`, like a compiler diagnostic."""
        assert str(LoadProblem("a.jsonl", 3, "bad")) == "a.jsonl:3: bad"


class _FailingInserts:
    """An executor whose store holds nothing and whose inserts fail from the `fail_from`-th on."""

    description = "a failing store"

    def __init__(self, fail_from: int) -> None:
        self.fail_from = fail_from
        self.inserted: list[str] = []
        self.in_flight = 0

    async def query(self, sql: str, parameters: Any = None, *, max_rows: int = 0) -> QueryRows:
        if sql.startswith("SELECT count()"):
            return QueryRows(("count()",), [(0,)])
        return QueryRows(("trace_id", "span_id"), [])

    async def command(self, sql: str, parameters: Any = None) -> None:
        return None

    async def insert(self, table: str, rows: Any, column_names: Any) -> None:
        self.in_flight += 1
        try:
            await asyncio.sleep(0)  # lets the loader convert the next batch meanwhile
            if len(self.inserted) + 1 >= self.fail_from:
                raise DataSourceError(f"cannot write rows into {table}")
            self.inserted.append(table)
        finally:
            self.in_flight -= 1

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


class TestFailingInserts:
    """Inserts overlap the next batch's conversion, yet a failure is raised as before.

    Documents are converted a chunk (`CHUNK_DOCUMENTS`) at a time, so with `batch_rows=1`
    each chunk of documents is one batch.
    """

    @staticmethod
    def documents(count: int) -> list[str]:
        start = recent_ns()
        return [
            dumps(spans_document([span(name="GET /", start_ns=start, span_id=f"{n + 1:016x}")]))
            for n in range(count)
        ]

    @pytest.mark.parametrize("fail_from", [1, 3])
    async def test_failure_is_raised_and_nothing_left_running(self, fail_from: int) -> None:
        """The failing batch's error comes out of the load, and no insert is left in flight."""
        executor = _FailingInserts(fail_from)
        with pytest.raises(DataSourceError, match="cannot write rows"):
            await load_documents(
                executor, self.documents(200), traces_db="t", logs_db="l", batch_rows=1
            )
        assert executor.in_flight == 0
        assert len(executor.inserted) == fail_from - 1  # batches before it stay inserted

    async def test_every_batch_is_inserted(self) -> None:
        """With no failure, each batch's rows arrive, the last one included."""
        executor = _FailingInserts(fail_from=10**6)
        count = 3 * CHUNK_DOCUMENTS + 1
        report = await load_documents(
            executor, self.documents(count), traces_db="t", logs_db="l", batch_rows=1
        )
        assert report.rows["signoz_index_v3"] == count
        assert executor.inserted.count("t.signoz_index_v3") == 4
