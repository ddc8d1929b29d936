"""What the analysis derives from telemetry: error groups, where each failing trace started,
ranked suspects, and the evidence bundle every analyzer and renderer works from. Plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from aisher.signoz.comparisons import OperationStats
from aisher.telemetry import CallEdge, GroupHistory, LogRecord, ServiceStats, SpanRecord
from aisher.window import TimeWindow


class BlameKind(StrEnum):
    """Why a failing trace is attributed to a component."""

    SERVICE = "service"  # the deepest failing span is the component's own
    DEPENDENCY = "dependency"  # a client call to an uninstrumented peer failed
    SLOW_CALLEE = "slow_callee"  # a client call timed out while the callee was slow


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class BlameNote(StrEnum):
    """What, beyond the span tree, decided where a trace's failure was blamed."""

    NONE = ""
    EXHAUSTED = "exhausted"  # the caller's own pool, queue or breaker turned the call away
    NAMED = "named"  # the failure message names the component it could not reach
    SLOW = "slow"  # the latency was followed down to the span whose own time grew
    INSTANCE = "instance"  # only one instance of the caller fails to reach a healthy peer


@dataclass(frozen=True, slots=True)
class GroupTrend:
    """One error group's failing spans in the whole window against its baseline rate.

    `expected` is what the group's baseline rate (per span of its operation) predicts for the
    window's traffic; a chronic group was there before at about the same rate.
    """

    count: int
    baseline_count: int
    expected: float
    chronic: bool
    lift: float  # 0..1: how much of `count` the baseline does not explain


@dataclass(frozen=True, slots=True)
class BaselineSummary:
    """Which stretches of time the window was compared with, and how much they held."""

    description: str
    segments: tuple[TimeWindow, ...]
    spans: int  # spans of the asked service in all segments together


@dataclass(frozen=True, slots=True)
class ErrorGroup:
    """Error spans that fail the same way: same service, operation, type and message template."""

    key: str
    service: str
    operation: str
    exception_type: str
    message_template: str
    count: int
    trace_count: int
    origin_count: int
    first_seen_ns: int
    last_seen_ns: int
    http_status: str = ""
    stacktrace: str = ""
    sample_trace_ids: tuple[str, ...] = ()
    sample_span_ids: tuple[str, ...] = ()
    signoz_group_ids: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    trend: GroupTrend | None = None  # None: the baseline query did not cover this group

    @property
    def chronic(self) -> bool:
        return self.trend is not None and self.trend.chronic


@dataclass(frozen=True, slots=True)
class TraceOrigin:
    """Where one failing trace's error started and which way it travelled."""

    trace_id: str
    span: SpanRecord
    blamed: str
    blame: BlameKind
    path: tuple[str, ...]  # services from the origin up to the root, consecutive repeats folded
    note: BlameNote = BlameNote.NONE
    context: str = ""  # the other side: the peer of an exhausted client, the caller of a slow span
    group: str = ""  # key of the error group of `span` ('' for a slow span that did not fail)
    chronic: bool = False  # the group was failing at about this rate in the baseline too


@dataclass(frozen=True, slots=True)
class VersionChange:
    """A service started reporting a new `service.version` (a deploy)."""

    service: str
    old_version: str
    new_version: str
    changed_at_ns: int


@dataclass(frozen=True, slots=True)
class Suspect:
    """A component ranked as a possible root cause, with the figures behind its score."""

    service: str
    operation: str
    blame: BlameKind
    score: float
    origin_traces: int
    origin_share: float
    exception_type: str = ""
    error_rate: float = 0.0
    baseline_error_rate: float = 0.0
    deploy: VersionChange | None = None
    via: str = ""  # for dependencies and slow callees: the service that saw the failure
    symptom: bool = False  # only propagates errors that start elsewhere
    chronic: bool = False  # its failures were there at about the same rate in the baseline
    instance: str = ""  # the one instance all its failing spans came from, when there are more
    lift: float = 0.0  # 0..1: how much of its failures the baseline does not explain
    beside: str = ""  # listed as context beside this other suspect (see `reasons` for why)
    reasons: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()  # "trace:<id>" / "span:<id>" references


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything known about one service's errors in one window; input of every analyzer."""

    service: str
    window: TimeWindow
    error_count: int
    span_count: int
    failing_traces: int
    groups: tuple[ErrorGroup, ...] = ()
    origins: tuple[TraceOrigin, ...] = ()
    suspects: tuple[Suspect, ...] = ()
    stats: tuple[ServiceStats, ...] = ()
    edges: tuple[CallEdge, ...] = ()
    deploys: tuple[VersionChange, ...] = ()
    chain: tuple[SpanRecord, ...] = ()  # representative failing span first, then its ancestors
    related_logs: tuple[LogRecord, ...] = ()
    history: tuple[GroupHistory, ...] = ()
    truncated: bool = False
    notes: tuple[str, ...] = field(default=())
    baseline: BaselineSummary | None = None
    slow_traces: int = 0  # traces analysed for a latency regression (when nothing new failed)
    latency: tuple[OperationStats, ...] = ()  # operations slower than in the baseline
    concurrent: tuple[str, ...] = ()  # further causes, unrelated to the top one, also new

    @property
    def top_suspect(self) -> Suspect | None:
        return self.suspects[0] if self.suspects else None

    @property
    def new_groups(self) -> tuple[ErrorGroup, ...]:
        return tuple(group for group in self.groups if not group.chronic)

    @property
    def chronic_groups(self) -> tuple[ErrorGroup, ...]:
        """Groups failing as before: background, whoever raises them."""
        return tuple(group for group in self.groups if group.chronic)

    def known_ids(self) -> frozenset[str]:
        """Trace and span ids an answer may cite: those the evidence actually contains."""
        ids: set[str] = set()
        for origin in self.origins:
            ids.update((origin.trace_id, origin.span.span_id))
        for group in self.groups:
            ids.update(group.sample_trace_ids)
            ids.update(group.sample_span_ids)
        for span in self.chain:
            ids.update((span.trace_id, span.span_id))
        for suspect in self.suspects:
            ids.update(ref.split(":", 1)[1] for ref in suspect.evidence)
        for log in self.related_logs:
            ids.update(filter(None, (log.trace_id, log.span_id)))
        return frozenset(ids)
