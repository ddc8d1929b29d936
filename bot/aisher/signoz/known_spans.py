"""Which spans of a batch the store already holds, so that loading a file twice adds nothing.

A span is its (trace_id, span_id). Before a batch is inserted, the store is asked for those
it already has. Every query reads only the 30-minute buckets the batch's spans start in
(`ts_bucket_start` leads the table's primary key, and a span's bucket follows from its start
time, so a copy of it lies in the same bucket). First the spans in those buckets are counted:

* none, as for a first import of a time range: nothing is known, and nothing more is asked;
* a few (at most `SCAN_SPANS_PER_SPAN` per span of the batch): the keys of those buckets are
  read whole and matched here, which is far cheaper than binding the batch's ids;
* more: one query per `LOOKUP_SPANS` spans binds the batch's trace and span ids as array
  parameters, so its cost follows the batch, not the store.

A span already stored is dropped from the batch together with its error rows, which the same
document produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aisher.signoz.executor import QueryExecutor
from aisher.signoz.rows import SPAN_BUCKET_COLUMN, Row, error_span_key, span_key

LOOKUP_SPANS = 10_000  # spans per lookup query: keeps each query's parameters to a few 100 kB
# Reading a key back costs a small fraction of binding one as a parameter (measured: 21k keys
# read in 0.08 s, 21k pairs bound in 0.3 s), so a bucket scan pays up to a few stored spans
# per span looked up.
SCAN_SPANS_PER_SPAN = 4

SpanKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class FreshRows:
    """A batch's span and error rows without the spans the store already holds."""

    spans: list[Row]
    errors: list[Row]
    skipped_spans: int


async def stored_span_keys(
    executor: QueryExecutor, traces_db: str, spans: Sequence[Row]
) -> set[SpanKey]:
    """The (trace_id, span_id) of each of `spans` that the store already holds."""
    if not spans:
        return set()
    buckets = sorted({row[SPAN_BUCKET_COLUMN] for row in spans})
    stored = await _count_in_buckets(executor, traces_db, buckets)
    if stored == 0:
        return set()
    if stored <= SCAN_SPANS_PER_SPAN * len(spans):
        known = await _scan_buckets(executor, traces_db, buckets, stored, spans)
        if known is not None:
            return known
    return await _look_up(executor, traces_db, spans)


async def _count_in_buckets(executor: QueryExecutor, traces_db: str, buckets: list[int]) -> int:
    result = await executor.query(
        f"SELECT count() FROM {traces_db}.signoz_index_v3"
        " WHERE ts_bucket_start IN {buckets:Array(UInt64)}",
        {"buckets": buckets},
        max_rows=1,
    )
    return int(result.rows[0][0])


async def _scan_buckets(
    executor: QueryExecutor, traces_db: str, buckets: list[int], stored: int, spans: Sequence[Row]
) -> set[SpanKey] | None:
    """The batch's spans among all those of `buckets`; None if the buckets grew meanwhile."""
    result = await executor.query(
        f"SELECT toString(trace_id), span_id FROM {traces_db}.signoz_index_v3"
        " WHERE ts_bucket_start IN {buckets:Array(UInt64)}",
        {"buckets": buckets},
        max_rows=stored,
    )
    if result.truncated:
        return None  # another load wrote there since the count: ask span by span instead
    wanted = {span_key(row) for row in spans}
    return {key for key in ((str(t), str(s)) for t, s in result.rows) if key in wanted}


async def _look_up(executor: QueryExecutor, traces_db: str, spans: Sequence[Row]) -> set[SpanKey]:
    known: set[SpanKey] = set()
    for offset in range(0, len(spans), LOOKUP_SPANS):
        chunk = spans[offset : offset + LOOKUP_SPANS]
        wanted = {span_key(row) for row in chunk}
        result = await executor.query(
            "SELECT DISTINCT toString(trace_id), span_id"
            f" FROM {traces_db}.signoz_index_v3"
            " WHERE ts_bucket_start IN {buckets:Array(UInt64)}"
            " AND trace_id IN {trace_ids:Array(String)}"
            " AND span_id IN {span_ids:Array(String)}",
            {
                "buckets": sorted({row[SPAN_BUCKET_COLUMN] for row in chunk}),
                "trace_ids": sorted({trace_id for trace_id, _ in wanted}),
                "span_ids": sorted({span_id for _, span_id in wanted}),
            },
            # Pairs crossing the batch's trace and span ids exist only by a 64-bit collision.
            max_rows=len(wanted) + 1_000,
        )
        known.update(key for key in ((str(t), str(s)) for t, s in result.rows) if key in wanted)
    return known


def drop_known(spans: Sequence[Row], errors: Sequence[Row], known: set[SpanKey]) -> FreshRows:
    """`spans` and `errors` without the rows of the spans in `known`."""
    if not known:
        return FreshRows(list(spans), list(errors), 0)
    fresh_spans = [row for row in spans if span_key(row) not in known]
    fresh_errors = [row for row in errors if error_span_key(row) not in known]
    return FreshRows(fresh_spans, fresh_errors, len(spans) - len(fresh_spans))
