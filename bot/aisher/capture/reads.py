"""What an analysis read from the store: the stretches of time, the traces and the services.

A capture must hold what the analysis reads, or its analysis will not come out the same when the
capture is loaded again. Rather than restate the analysis's choices (which baseline stretches,
which traces count as failing or slow), the capture runs the analysis once with a `ReadLog`
watching its repository, and takes the answer from what was read:

* every time range a query was bounded by (`window_params` names them `<prefix>start_ns` and
  `<prefix>end_ns`), merged where they overlap;
* every trace id a result named;
* every service name a result named, so a failed call to an instrumented peer can be told
  from a call to an uninstrumented one.

Look-backs that are not time ranges of spans (the exception history's `since_ns`) are not taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aisher.signoz.executor import QueryRows
from aisher.signoz.queries import Sql
from aisher.window import TimeWindow

_START, _END = "start_ns", "end_ns"


class ReadLog:
    """A `QueryObserver` that keeps the ranges, trace ids and services an analysis read."""

    def __init__(self) -> None:
        self._ranges: set[tuple[int, int]] = set()
        self._trace_ids: dict[str, None] = {}
        self._services: dict[str, None] = {}

    def observed(self, name: str, sql: Sql, result: QueryRows) -> None:
        self._ranges.update(time_ranges(sql.params))
        columns = result.column_names
        for column, found in (("trace_id", self._trace_ids), ("service", self._services)):
            if column in columns:
                at = columns.index(column)
                found.update((str(row[at]), None) for row in result.rows if row[at])

    @property
    def trace_ids(self) -> tuple[str, ...]:
        """Every trace id a result named, in the order first seen."""
        return tuple(self._trace_ids)

    @property
    def services(self) -> frozenset[str]:
        """Every service name a result named."""
        return frozenset(self._services)

    def ranges(self) -> list[TimeWindow]:
        """The time ranges read, overlapping or touching ones merged, oldest first."""
        # TimeWindow holds microseconds: round the end up so no nanosecond read is left out.
        return [TimeWindow.from_ns(start, end + 999) for start, end in merge_ranges(self._ranges)]


def time_ranges(params: Mapping[str, Any]) -> list[tuple[int, int]]:
    """The (start_ns, end_ns) pairs among a query's parameters, under any prefix."""
    found = []
    for key, start in params.items():
        if not key.endswith(_START):
            continue
        end = params.get(key[: -len(_START)] + _END)
        if isinstance(start, int) and isinstance(end, int) and end > start:
            found.append((start, end))
    return found


def merge_ranges(ranges: set[tuple[int, int]] | list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of half-open ranges as the fewest disjoint ones, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
