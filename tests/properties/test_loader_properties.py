"""Property of `aisher load` end to end into chDB: in a file of random valid and invalid lines,
every valid line loads and every invalid one is reported with its line number."""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aisher.config import ClickHouseSettings
from aisher.errors import OtlpFormatError
from aisher.signoz.document_rows import parse_line
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.import_limits import ImportLimits
from aisher.signoz.loader import load_files
from aisher.signoz.rows import span_key
from aisher.signoz.store import ensure_embedded_schema
from tests.properties.strategies import (
    HOSTILE_LITERALS,
    attribute_maps,
    attribute_values,
    hostile_text,
    json_values,
    mutated_documents,
)
from tests.support.otlp_documents import (
    TRACE_ID,
    log_record,
    logs_document,
    recent_ns,
    span,
    spans_document,
)

LIMITS = ImportLimits(
    max_line_bytes=4096, max_document_bytes=4096, max_values=20, max_value_bytes=256
)
NOW_NS = recent_ns()


def one_line(document: dict[str, object]) -> str:
    """A document as one JSON line; lone surrogates are escaped, as a file must hold them."""
    return json.dumps(document, ensure_ascii=True)


span_lines = st.builds(
    lambda name, number, values: one_line(
        spans_document([span(name=name, start_ns=NOW_NS, span_id=f"{number:016x}", values=values)])
    ),
    hostile_text,
    st.integers(min_value=1, max_value=6),  # few ids, so that repeats occur
    attribute_maps,
)
log_lines = st.builds(
    lambda body, values: one_line(
        logs_document([log_record(body, time_ns=NOW_NS, trace_id=TRACE_ID, values=values)])
    ),
    attribute_values,
    attribute_maps,
)
invalid_lines = (
    st.builds(lambda value: json.dumps(value, ensure_ascii=True), json_values)
    | st.sampled_from(HOSTILE_LITERALS)
    | st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=50)
    | st.just("x" * (LIMITS.max_line_bytes + 1))
)
lines = st.lists(
    span_lines
    | log_lines
    | mutated_documents().map(lambda text: text.replace("\n", " "))
    | invalid_lines,
    max_size=12,
)


@pytest.fixture
async def fresh_store(clickhouse_settings: ClickHouseSettings) -> AsyncIterator[EmbeddedExecutor]:
    """An executor on the session's engine, for tests that make their own databases."""
    executor = EmbeddedExecutor(clickhouse_settings)
    try:
        yield executor
    finally:
        await executor.close()


def expected(numbered: list[tuple[int, str]]) -> tuple[list[int], set[tuple[str, str]], int]:
    """What the pure parser says of each line: invalid line numbers, span keys, log rows."""
    invalid: list[int] = []
    keys: set[tuple[str, str]] = set()
    logs = 0
    for number, text in numbered:
        if not text.strip():
            continue
        if len(text.encode("utf-8")) > LIMITS.max_line_bytes:
            invalid.append(number)
            continue
        try:
            batch = parse_line(text, number, limits=LIMITS)
        except OtlpFormatError:
            invalid.append(number)
            continue
        keys.update(span_key(row) for row in batch.spans)
        logs += len(batch.logs)
    return invalid, keys, logs


class TestLoadProperties:
    # Thirty loads into chDB: about a minute on an idle machine, more on a busy one.
    @pytest.mark.timeout(600)
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(lines)
    async def test_valid_lines_load_and_invalid_ones_are_reported(
        self, fresh_store: EmbeddedExecutor, random_lines: list[str]
    ) -> None:
        """Each valid line's spans and logs are stored once; each invalid line is one problem."""
        trace_id = uuid.uuid4().hex
        # The first line is a valid span, so the file is read as JSON lines.
        texts = [one_line(spans_document([span(name="first", start_ns=NOW_NS)]))]
        texts += [text.replace(TRACE_ID, trace_id) for text in random_lines]
        numbered = list(enumerate(texts, start=1))
        invalid, keys, logs = expected(numbered)
        suffix = uuid.uuid4().hex[:10]
        traces_db, logs_db = f"p{suffix}_traces", f"p{suffix}_logs"
        await ensure_embedded_schema(fresh_store, traces_db, logs_db)
        try:
            with tempfile.TemporaryDirectory() as directory:
                path = Path(directory) / "random.jsonl"
                path.write_text("\n".join(texts) + "\n", encoding="utf-8")
                report = await load_files(
                    fresh_store, [path], traces_db=traces_db, logs_db=logs_db, limits=LIMITS
                )
            assert [problem.line for problem in report.problems] == invalid
            stored = await fresh_store.query(
                f"SELECT toString(trace_id), span_id FROM {traces_db}.signoz_index_v3"
            )
            assert sorted(stored.rows) == sorted(keys)
            assert report.rows["logs_v2"] == logs
        finally:
            for database in (traces_db, logs_db):
                await fresh_store.command(f"DROP DATABASE IF EXISTS {database}")
