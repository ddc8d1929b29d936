"""Which stretches of time a window is compared with, and what the store said about them.

The stretch right before the window is the baseline, but never shorter than `MIN_BASELINE`: a
two-minute window against the two minutes before it turns every rate into noise. It is split in
two halves, so that a failure that began late in the baseline is not taken for a chronic one.
When the window and its baseline cover less than a day, the same window yesterday is compared
too (when the store still holds it; a segment without data simply counts nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from aisher.analysis.evidence.model import BaselineSummary
from aisher.signoz.comparisons import ErrorSignature, InstanceStats, OperationStats
from aisher.window import TimeWindow, iso

MIN_BASELINE = timedelta(minutes=30)
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Baseline:
    """The baseline of one window: `before` it, and `yesterday` when that adds anything."""

    window: TimeWindow
    before: TimeWindow
    yesterday: TimeWindow | None = None

    @classmethod
    def for_window(cls, window: TimeWindow) -> Baseline:
        length = max(window.length, MIN_BASELINE)
        before = TimeWindow(start=window.start - length, end=window.start)
        yesterday = None
        if length + window.length <= DAY:
            yesterday = TimeWindow(start=window.start - DAY, end=window.end - DAY)
        return cls(window, before, yesterday)

    @property
    def segments(self) -> tuple[TimeWindow, ...]:
        """The older half of `before`, its newer half, then `yesterday` (when compared)."""
        middle = self.before.start + self.before.length / 2
        halves = (
            TimeWindow(start=self.before.start, end=middle),
            TimeWindow(start=middle, end=self.before.end),
        )
        return halves + ((self.yesterday,) if self.yesterday else ())

    @property
    def since(self) -> TimeWindow:
        """From the start of `before` to the end of the window (for deploys and versions)."""
        return TimeWindow(start=self.before.start, end=self.window.end)

    def summary(self, spans_by_segment: Sequence[int]) -> BaselineSummary:
        """What was compared, in words, given the asked service's spans in each segment."""
        before_spans = sum(spans_by_segment[:2])
        text = (
            f"the {_duration(self.before.length)} before the window "
            f"({iso(self.before.start)} → {iso(self.before.end)}, {before_spans:,} spans)"
        )
        total = before_spans
        if self.yesterday is not None:
            yesterday_spans = spans_by_segment[2] if len(spans_by_segment) > 2 else 0
            total += yesterday_spans
            same = f"the same {_duration(self.window.length)} yesterday"
            if yesterday_spans:
                text += f" and {same} ({yesterday_spans:,} spans)"
            else:
                text += f"; {same} holds no data"
        return BaselineSummary(description=text, segments=self.segments, spans=total)


def _duration(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day" + ("s" if days > 1 else "")
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours > 1 else "")
    return f"{minutes} min"


@dataclass(frozen=True, slots=True)
class WindowComparison:
    """What the store said about the window against its baseline (empty: nothing to compare)."""

    baseline: Baseline | None = None
    operations: Sequence[OperationStats] = ()
    signatures: Sequence[ErrorSignature] = ()
    instances: Sequence[InstanceStats] = field(default_factory=tuple)

    def service_baseline_spans(self, service: str) -> tuple[int, ...]:
        """The service's spans in each baseline segment, over all its operations."""
        width = len(self.baseline.segments) if self.baseline else 0
        totals = [0] * width
        for operation in self.operations:
            if operation.service == service:
                for index, count in enumerate(operation.baseline_spans[:width]):
                    totals[index] += count
        return tuple(totals)
