"""`aisher load` against hostile telemetry: a bad line costs only itself, in bounded memory."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from aisher.config import ClickHouseSettings
from aisher.errors import OtlpFormatError
from aisher.signoz import document_rows, known_spans, loader
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.import_limits import ImportLimits
from aisher.signoz.loader import LoadReport, load_documents, load_files, read_documents
from tests.support.otlp_documents import (
    attributes,
    checkout_trace,
    dumps,
    log_record,
    logs_document,
    recent_ns,
    span,
    spans_document,
)

SMALL = ImportLimits(
    max_line_bytes=64 * 1024, max_document_bytes=64 * 1024, max_values=50, max_value_bytes=1024
)
HUGE_DIGITS = "9" * 5_000  # past Python's 4,300-digit limit on converting text to int


class _Target:
    """The test's store and databases, and a way to load into them."""

    def __init__(self, store: EmbeddedExecutor, settings: ClickHouseSettings) -> None:
        self.store = store
        self.traces = settings.traces_database
        self.logs = settings.logs_database

    async def load(self, *paths: Path, **options: Any) -> LoadReport:
        return await load_files(
            self.store, paths, traces_db=self.traces, logs_db=self.logs, **options
        )

    async def count(self, table: str) -> int:
        database = self.logs if table.startswith("logs") else self.traces
        result = await self.store.query(f"SELECT count() FROM {database}.{table}")
        return int(result.rows[0][0])

    async def span_names(self) -> list[str]:
        result = await self.store.query(f"SELECT name FROM {self.traces}.signoz_index_v3")
        return sorted(row[0] for row in result.rows)


@pytest.fixture
def target(store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings) -> _Target:
    return _Target(store, clickhouse_settings)


def named_span(name: str, number: int, **fields: Any) -> dict[str, Any]:
    """A valid span document of its own, with a span id derived from `number`."""
    return spans_document(
        [span(name=name, start_ns=recent_ns(), span_id=f"{number:016x}", **fields)]
    )


def spans_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = document["resourceSpans"][0]["scopeSpans"][0]["spans"]
    return spans


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lines_of(report: LoadReport) -> list[int]:
    return [problem.line for problem in report.problems]


class TestMalformedValues:
    async def test_huge_numbers_cost_only_their_own_line(
        self, target: _Target, tmp_path: Path
    ) -> None:
        """A 5,000-digit time, as a JSON number or a string, is one problem; the rest loads."""
        as_number = named_span("number", 2)
        spans_of(as_number)[0]["startTimeUnixNano"] = "HUGE"
        as_string = named_span("string", 3)
        spans_of(as_string)[0]["endTimeUnixNano"] = HUGE_DIGITS
        path = write(
            tmp_path / "huge.jsonl",
            [
                dumps(named_span("first", 1)),
                dumps(as_number).replace('"HUGE"', HUGE_DIGITS),
                dumps(as_string),
                dumps(named_span("unknown", 4)).replace("{", f'{{"x":{HUGE_DIGITS},', 1),
                dumps(named_span("last", 5)),
            ],
        )
        report = await target.load(path)
        assert lines_of(report) == [2, 3]
        assert "<a 5000-digit number> is not an unsigned integer" in report.problems[0].message
        assert "endTimeUnixNano: '99999" in report.problems[1].message
        assert "does not fit in 63 unsigned bits" in report.problems[1].message
        # A field the collector does not know is ignored there too, however long.
        assert await target.span_names() == ["first", "last", "unknown"]

    async def test_raw_lone_surrogate_is_replaced(self, target: _Target) -> None:
        """A str holding a lone surrogate loads with U+FFFD instead of failing the batch."""
        broken = json.dumps(named_span("a\ud800b", 1), ensure_ascii=False)  # raw, not escaped
        report = await load_documents(
            target.store,
            [broken, dumps(named_span("good", 2))],
            traces_db=target.traces,
            logs_db=target.logs,
        )
        assert (report.problems, report.rows["signoz_index_v3"]) == ((), 2)
        assert await target.span_names() == ["a\ufffdb", "good"]

    async def test_converter_failure_costs_one_line(
        self, target: _Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An unexpected exception while converting a line is that line's problem only."""
        real = document_rows.parse_line

        def fails_on_line_two(text: str, line_no: int, **options: Any) -> Any:
            if line_no == 2:
                raise KeyError("injected")
            return real(text, line_no, **options)

        monkeypatch.setattr(loader, "parse_line", fails_on_line_two)
        path = write(
            tmp_path / "a.jsonl", [dumps(named_span(n, i)) for i, n in enumerate("abc", start=1)]
        )
        report = await target.load(path)
        assert [(p.line, p.message) for p in report.problems] == [
            (2, "cannot import this document (KeyError: \"'injected'\")")
        ]
        assert await target.span_names() == ["a", "c"]


class TestImportLimits:
    async def test_overlong_lines_are_skipped_and_the_rest_loads(
        self, target: _Target, tmp_path: Path
    ) -> None:
        """Lines over the limit, in the middle and unterminated at the end, are each a problem."""
        padding = "x" * (3 * 1024 * 1024)
        path = write(
            tmp_path / "long.jsonl",
            [dumps(named_span("first", 1)), padding, dumps(named_span("last", 2))],
        )
        with path.open("a", encoding="utf-8") as handle:
            handle.write(padding)  # a last line with no newline
        report = await target.load(path, limits=SMALL)
        assert lines_of(report) == [2, 4]
        assert report.problems[0].message.startswith(
            "a line of 3,145,728 bytes is longer than the limit of 65,536 bytes"
        )
        assert await target.span_names() == ["first", "last"]

    def test_an_overlong_line_is_never_held_whole(self, tmp_path: Path) -> None:
        """Reading an 8 MB line-less file under a 64 KiB limit allocates far less than the file."""
        path = tmp_path / "lineless.json"
        path.write_bytes(b"{" + b"7" * (8 * 1024 * 1024))
        tracemalloc.start()
        try:
            documents = list(read_documents(path, SMALL))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        ((line, problem),) = documents
        assert line == 1
        assert isinstance(problem, OtlpFormatError)
        assert peak < 4 * 1024 * 1024

    async def test_too_many_attributes_are_refused_per_line(
        self, target: _Target, tmp_path: Path
    ) -> None:
        """A span, resource, log record or nested map over the value limit is one problem."""
        many = {f"k{n}": n for n in range(51)}
        nested = {"outer": {f"k{n}": n for n in range(50)}}  # 51 values with the map itself
        resource = spans_document([span(name="r", start_ns=recent_ns(), span_id="3" * 16)])
        resource["resourceSpans"][0]["resource"]["attributes"] = attributes(many)
        events = [{"name": "e", "timeUnixNano": str(recent_ns())}] * 51
        path = write(
            tmp_path / "wide.jsonl",
            [
                dumps(spans_document([span(name="s", start_ns=recent_ns(), values=many)])),
                dumps(resource),
                dumps(logs_document([log_record("l", time_ns=recent_ns(), values=many)])),
                dumps(spans_document([span(name="n", start_ns=recent_ns(), values=nested)])),
                dumps(spans_document([span(name="e", start_ns=recent_ns(), events=events)])),
                dumps(named_span("fine", 9, values={f"k{n}": n for n in range(50)})),
            ],
        )
        report = await target.load(path, limits=SMALL)
        assert lines_of(report) == [1, 2, 3, 4, 5]
        messages = [problem.message for problem in report.problems]
        assert messages[0].endswith("spans[0].attributes: more than 50 values in one attribute "
                                    "list (nested array and map items included)")  # fmt: skip
        assert messages[1].startswith("resourceSpans[0].resource.attributes: more than 50")
        assert "logRecords[0].attributes: more than 50" in messages[2]
        assert "kvlistValue.values: more than 50" in messages[3]
        assert messages[4].endswith("spans[0].events: 51 items, more than the limit of 50")
        assert await target.span_names() == ["fine"]

    async def test_oversized_values_are_refused_per_line(
        self, target: _Target, tmp_path: Path
    ) -> None:
        """A string, bytes value, key or log body over the size limit is one problem each."""
        big = "é" * 600  # 1,200 bytes of UTF-8 in 600 characters
        path = write(
            tmp_path / "big.jsonl",
            [
                dumps(spans_document([span(name="s", start_ns=recent_ns(), values={"a": big})])),
                dumps(spans_document([span(name="k", start_ns=recent_ns(), values={big: 1})])),
                dumps(
                    spans_document(
                        [span(name="b", start_ns=recent_ns(), values={"b": b"x" * 2000})]
                    )
                ),
                dumps(logs_document([log_record(big, time_ns=recent_ns())])),
                dumps(named_span("fine", 9, values={"a": "é" * 512})),
            ],
        )
        report = await target.load(path, limits=SMALL)
        assert lines_of(report) == [1, 2, 3, 4]
        limit = "longer than the limit of 1024 bytes for one value"
        assert report.problems[0].message.endswith(f"attributes[0].value.stringValue: {limit}")
        assert report.problems[1].message.endswith(f"attributes[0].key: {limit}")
        assert report.problems[2].message.endswith(f"attributes[0].value.bytesValue: {limit}")
        assert report.problems[3].message.endswith(f"logRecords[0].body.stringValue: {limit}")
        assert await target.span_names() == ["fine"]

    async def test_pretty_printed_document_over_its_limit(
        self, target: _Target, tmp_path: Path
    ) -> None:
        """A single indented document larger than its limit is one problem, not one per line."""
        document = spans_document(
            [span(name=f"s{n}", start_ns=recent_ns(), span_id=f"{n + 1:016x}") for n in range(400)]
        )
        path = tmp_path / "pretty.json"
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        report = await target.load(path, limits=SMALL)
        assert [(p.line, p.message.split(";")[0]) for p in report.problems] == [
            (1, "a single JSON document larger than the limit of 65,536 bytes")
        ]
        assert await target.count("signoz_index_v3") == 0


class TestIdempotentLoad:
    @pytest.fixture(autouse=True, params=["bucket scan", "id lookup"])
    def lookup(self, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each test runs with both ways of finding stored spans: reading the buckets whole
        (few spans stored there, as in these tests) and binding the batch's ids."""
        if request.param == "id lookup":
            monkeypatch.setattr(known_spans, "SCAN_SPANS_PER_SPAN", 0)

    async def test_loading_a_file_twice_adds_nothing(self, target: _Target, tmp_path: Path) -> None:
        """The second load of a file skips every span and its error rows."""
        path = write(tmp_path / "t.jsonl", [dumps(checkout_trace(recent_ns()))])
        first = await target.load(path)
        second = await target.load(path)
        assert (first.rows["signoz_index_v3"], first.skipped_spans) == (2, 0)
        assert (second.rows["signoz_index_v3"], second.rows["signoz_error_index_v2"]) == (0, 0)
        assert second.skipped_spans == 2
        assert await target.count("signoz_index_v3") == 2
        assert await target.count("signoz_error_index_v2") == 1

    async def test_repeats_within_one_load_are_stored_once(
        self, target: _Target, tmp_path: Path
    ) -> None:
        """A span repeated in the same batch, a later batch, or the same document is stored once."""
        trace = dumps(checkout_trace(recent_ns()))
        doubled = checkout_trace(recent_ns())
        spans = spans_of(doubled)
        spans.append(dict(spans[1], name="copy"))
        path = write(tmp_path / "twice.jsonl", [trace, trace, dumps(doubled)])
        report = await target.load(path)
        assert (report.rows["signoz_index_v3"], report.skipped_spans) == (2, 4)
        assert await target.count("signoz_error_index_v2") == 1
        # 70 lines are two chunks, so the second batch finds its spans in the first.
        lines = [dumps(named_span("s", n % 3 + 1)) for n in range(70)]
        in_batches = await target.load(write(tmp_path / "batches.jsonl", lines), batch_rows=1)
        assert (in_batches.rows["signoz_index_v3"], in_batches.skipped_spans) == (3, 67)
        assert await target.count("signoz_index_v3") == 5
