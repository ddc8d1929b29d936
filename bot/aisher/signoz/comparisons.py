"""Plain records that compare a window with its baseline: per operation, per way of failing and
per instance. The data layer produces them (`SignozRepository`); none of them does I/O.

A baseline is a few separate stretches of time (segments): counts come per segment, in the
order the segments were asked for, so the analysis can tell a failure that has been there all
along from one that started late in the baseline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from aisher.signoz.span_conditions import GRPC_STATUS_KEY


def _empty_mapping() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class OperationStats:
    """One (service, operation): spans, failing spans and latency in the window and baseline.

    Percentiles are in nanoseconds; a baseline percentile is 0 when the baseline has no span of
    the operation.
    """

    service: str
    operation: str
    spans: int
    errors: int
    p50_ns: float
    p95_ns: float
    baseline_spans: tuple[int, ...] = ()
    baseline_errors: tuple[int, ...] = ()
    baseline_p50_ns: float = 0.0
    baseline_p95_ns: float = 0.0

    @property
    def baseline_total(self) -> int:
        return sum(self.baseline_spans)


@dataclass(frozen=True, slots=True)
class ErrorSignature:
    """Failing spans of one operation that fail with the same raw texts, counted per segment.

    The texts are raw (unmasked, not normalised): the analysis derives the error group from
    them the way it does for the spans of failing traces.
    """

    service: str
    operation: str
    kind: str
    exception_type: str
    exception_message: str
    status_message: str
    http_status: str
    attributes: Mapping[str, str] = field(default_factory=_empty_mapping)
    count: int = 0
    baseline_counts: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class InstanceStats:
    """Spans and failing spans of one instance (pod, host or service instance) in the window."""

    service: str
    instance: str
    spans: int
    errors: int


def _number(value: object) -> float:
    """A ClickHouse quantile as a float; NaN (no rows) reads as 0."""
    number = float(value) if isinstance(value, int | float) else 0.0
    return 0.0 if math.isnan(number) else number


def _counts(values: Iterable[object]) -> tuple[int, ...]:
    return tuple(int(value) for value in values if isinstance(value, int | float))


def operation_stats_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[OperationStats]:
    """Records of `comparison_queries.operation_stats` rows."""
    found = []
    for row in rows:
        window_q, baseline_q = list(row["window_quantiles"]), list(row["baseline_quantiles"])
        found.append(
            OperationStats(
                service=row["service"],
                operation=row["operation"],
                spans=int(row["spans"]),
                errors=int(row["errors"]),
                p50_ns=_number(window_q[0]) if window_q else 0.0,
                p95_ns=_number(window_q[1]) if len(window_q) > 1 else 0.0,
                baseline_spans=_counts(row["baseline_spans"]),
                baseline_errors=_counts(row["baseline_errors"]),
                baseline_p50_ns=_number(baseline_q[0]) if baseline_q else 0.0,
                baseline_p95_ns=_number(baseline_q[1]) if len(baseline_q) > 1 else 0.0,
            )
        )
    return found


def error_signatures_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[ErrorSignature]:
    """Records of `comparison_queries.error_signatures` rows."""
    found = []
    for row in rows:
        attributes = {
            key: value
            for key, value in (
                ("error.type", row["error_type"]),
                ("exception.type", row["exception_attribute"]),
                (GRPC_STATUS_KEY, row["grpc_code"] if row["grpc_code"] != "0" else ""),
            )
            if value
        }
        found.append(
            ErrorSignature(
                service=row["service"],
                operation=row["operation"],
                kind=row["span_kind"],
                exception_type=row["exception_type"] or "",
                exception_message=row["exception_message"] or "",
                status_message=row["status_message"] or "",
                http_status=row["http_status"] or "",
                attributes=MappingProxyType(attributes),
                count=int(row["window_count"]),
                baseline_counts=_counts(row["baseline_counts"]),
            )
        )
    return found


def instance_stats_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[InstanceStats]:
    """Records of `comparison_queries.instance_stats` rows."""
    return [
        InstanceStats(
            service=row["service"],
            instance=row["instance"],
            spans=int(row["spans"]),
            errors=int(row["errors"]),
        )
        for row in rows
    ]
