"""Which spans of a batch the store already holds, so that loading a file twice adds nothing.

A span is its (trace_id, span_id). Before a batch is inserted, one query per
`LOOKUP_SPANS` spans asks the store for those it already has. The query reads only the
30-minute buckets the batch's spans start in (`ts_bucket_start` leads the table's primary key,
and a span's bucket follows from its start time, so a copy of it lies in the same bucket) and
binds the batch's trace and span ids as array parameters, so its cost follows the batch, not
the store. A span already stored is dropped from the batch together with its error rows, which
the same document produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aisher.signoz.executor import QueryExecutor
from aisher.signoz.rows import SPAN_BUCKET_COLUMN, Row, error_span_key, span_key

LOOKUP_SPANS = 10_000  # spans per lookup query: keeps each query's parameters to a few 100 kB

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
