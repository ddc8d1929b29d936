"""How the loader asks the store which spans of a batch it already holds."""

from __future__ import annotations

from typing import Any

from aisher.signoz.executor import QueryRows
from aisher.signoz.known_spans import stored_span_keys
from aisher.signoz.rows import SPAN_COLUMNS, Row

TRACE = "a" * 32


def span_row(span_id: str, bucket: int = 1800) -> Row:
    values: dict[str, Any] = {column: "" for column in SPAN_COLUMNS}
    values.update(ts_bucket_start=bucket, trace_id=TRACE, span_id=span_id)
    return tuple(values[column] for column in SPAN_COLUMNS)


class _Store:
    """Answers the count, the bucket scan and the id lookup from a list of stored keys; the
    scan may find more rows than were counted, as when another load writes in between."""

    description = "a scripted store"

    def __init__(self, stored: list[tuple[str, str]], *, grows_by: int = 0) -> None:
        self.stored = stored
        self.grows_by = grows_by
        self.asked: list[str] = []

    async def query(self, sql: str, parameters: Any = None, *, max_rows: int = 10_000) -> QueryRows:
        if sql.startswith("SELECT count()"):
            self.asked.append("count")
            return QueryRows(("count()",), [(len(self.stored),)])
        if "span_id IN" in sql:
            self.asked.append("lookup")
            wanted = set(parameters["span_ids"])
            return QueryRows(("t", "s"), [key for key in self.stored if key[1] in wanted])
        self.asked.append("scan")
        rows = self.stored + [(TRACE, f"new{n}") for n in range(self.grows_by)]
        return QueryRows(("t", "s"), rows[:max_rows], truncated=len(rows) > max_rows)

    async def command(self, sql: str, parameters: Any = None) -> None:
        raise AssertionError("the lookup runs no statements")

    async def insert(self, table: str, rows: Any, column_names: Any) -> None:
        raise AssertionError("the lookup inserts nothing")

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


async def test_an_empty_time_range_costs_one_count() -> None:
    store = _Store([])
    assert await stored_span_keys(store, "t", [span_row("1"), span_row("2")]) == set()
    assert store.asked == ["count"]


async def test_a_few_stored_spans_are_read_whole() -> None:
    store = _Store([(TRACE, "1"), (TRACE, "9")])
    known = await stored_span_keys(store, "t", [span_row("1"), span_row("2")])
    assert known == {(TRACE, "1")}
    assert store.asked == ["count", "scan"]


async def test_many_stored_spans_are_looked_up_by_id() -> None:
    store = _Store([(TRACE, str(n)) for n in range(100)])
    known = await stored_span_keys(store, "t", [span_row("1"), span_row("x")])
    assert known == {(TRACE, "1")}
    assert store.asked == ["count", "lookup"]


async def test_buckets_grown_since_the_count_fall_back_to_the_lookup() -> None:
    store = _Store([(TRACE, "1")], grows_by=3)
    known = await stored_span_keys(store, "t", [span_row("1"), span_row("2")])
    assert known == {(TRACE, "1")}
    assert store.asked == ["count", "scan", "lookup"]
