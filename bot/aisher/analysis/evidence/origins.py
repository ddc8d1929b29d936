"""Find where each failing trace's error started, and which component to blame for it.

The origin of an error is the deepest error span none of whose descendants failed. Most of the
time the origin's own service is to blame. Some failures point elsewhere:

- a client call that failed without any span on the other side blames the uninstrumented peer
  (a database, a SaaS API), or the instrumented peer whose spans are missing;
- a failure whose message names the component it could not reach (`No instances available for
  X`, `connection refused to X`) blames X, even when X recorded nothing;
- a timeout blames what the caller was waiting for: the latency is followed down to the span
  whose own time grew (`latency.slow_path`), which may be a client span to a slow database;
- except when the caller never got that far: a pool, queue, semaphore or breaker of its own
  that turned the call away (`failure_text.is_client_exhaustion`) blames the caller itself.

For windows with no new failure but a slower service, `latency_origins` does the same for the
slowest traces, without any error to start from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aisher.analysis.evidence.failure_text import FailureReader, KnownNames
from aisher.analysis.evidence.latency import LatencyBaseline, slow_path
from aisher.analysis.evidence.model import BlameKind, BlameNote, TraceOrigin
from aisher.analysis.evidence.peers import CLIENT_KINDS, names_its_peer, peer_aliases, peer_of
from aisher.telemetry import SpanRecord, parent_chain

__all__ = ["Blame", "BlameContext", "TraceTree", "find_origins", "origin_spans"]

_CLIENT_KINDS = CLIENT_KINDS


class TraceTree:
    """One trace's spans indexed by id and by parent."""

    def __init__(self, spans: Iterable[SpanRecord]) -> None:
        self.by_id: dict[str, SpanRecord] = {}
        for span in spans:
            self.by_id.setdefault(span.span_id, span)
        self.children: dict[str, list[SpanRecord]] = defaultdict(list)
        for span in self.by_id.values():
            # A span naming itself as parent (a producer bug) is taken as having no parent:
            # as its own child it would count as its own failing descendant, never an origin.
            parent = span.parent_span_id
            if parent and parent != span.span_id and parent in self.by_id:
                self.children[parent].append(span)
        self._failing_below = self._mark_failing_subtrees()

    def _mark_failing_subtrees(self) -> dict[str, bool]:
        """For every span: does any span below it have an error? One post-order pass."""
        failing_below: dict[str, bool] = {}
        visited: set[str] = set()
        for start in self.by_id.values():
            if start.span_id in visited:
                continue
            stack: list[tuple[SpanRecord, bool]] = [(start, False)]
            while stack:
                span, expanded = stack.pop()
                if expanded:
                    failing_below[span.span_id] = any(
                        kid.has_error or failing_below.get(kid.span_id, False)
                        for kid in self.children.get(span.span_id, ())
                    )
                    continue
                if span.span_id in visited:
                    continue  # a cycle or a shared subtree already handled
                visited.add(span.span_id)
                stack.append((span, True))
                stack.extend((kid, False) for kid in self.children.get(span.span_id, ()))
        return failing_below

    def has_failing_descendant(self, span: SpanRecord) -> bool:
        return self._failing_below.get(span.span_id, False)

    def ancestors(self, span: SpanRecord) -> list[SpanRecord]:
        """Parents of `span` up to the root, nearest first; stops at gaps and cycles."""
        return parent_chain(self.by_id, span.span_id)[1:]


def origin_spans(tree: TraceTree) -> list[SpanRecord]:
    """Error spans with no failing descendant, in start order."""
    found = [
        span
        for span in tree.by_id.values()
        if span.has_error and not tree.has_failing_descendant(span)
    ]
    return sorted(found, key=lambda span: span.start_ns)


@dataclass(frozen=True, slots=True)
class BlameContext:
    """What blaming needs beyond one trace: which services are instrumented, the names a
    message may mention, and each operation's baseline latency.

    Make one per analysis: its `reader` remembers what each failure text says, and that memo
    (raw telemetry) must go when the analysis does.
    """

    instrumented: frozenset[str]
    names: KnownNames = field(default_factory=lambda: KnownNames(()))
    latency: LatencyBaseline = field(default_factory=LatencyBaseline)
    reader: FailureReader = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reader", FailureReader(self.names))

    @classmethod
    def of(
        cls,
        instrumented: frozenset[str],
        spans: Iterable[SpanRecord] = (),
        latency: LatencyBaseline | None = None,
    ) -> BlameContext:
        """The context for these spans: the names are the instrumented services and the peers
        their client spans call."""
        names = KnownNames(instrumented, peer_aliases(spans))
        return cls(instrumented, names, latency or LatencyBaseline())


@dataclass(frozen=True, slots=True)
class Blame:
    """Who is blamed for an origin, how, and the span that stands for the blamed side."""

    blamed: str
    kind: BlameKind
    span: SpanRecord
    note: BlameNote = BlameNote.NONE
    context: str = ""


def blame(tree: TraceTree, origin: SpanRecord, context: BlameContext) -> Blame:
    """Who to blame for an origin span (see the module docstring for the order of the rules)."""
    kids = tree.children.get(origin.span_id, [])
    reader = context.reader
    if not kids and reader.is_client_exhaustion(origin):
        note = BlameNote.EXHAUSTED
        return Blame(origin.service, BlameKind.SERVICE, origin, note, peer_of(origin))
    if kids and reader.is_timeout(origin):
        culprit = slow_path(tree.children, origin, context.latency, gave_up=True)
        if culprit is not origin:
            return blame_slow(tree, origin, culprit, context)
    named = reader.unreachable_name(origin)
    if not named and not names_its_peer(origin):
        # A name the telemetry never used: better than a peer known only by its kind.
        named = reader.unreachable_host(origin)
    if any(named in (kid.service, peer_of(kid)) for kid in kids):
        named = ""  # the call reached it: the message only mentions it
    peer = peer_of(origin) if origin.kind in _CLIENT_KINDS else ""
    if named and (not peer or peer not in context.instrumented or named == peer):
        # The message names what was unreachable: trust it over a peer that is only an address.
        kind = BlameKind.SERVICE if named in context.instrumented else BlameKind.DEPENDENCY
        return Blame(named, kind, origin, BlameNote.NAMED, origin.service)
    if kids or not peer or peer == origin.service:
        return Blame(origin.service, BlameKind.SERVICE, origin)
    if peer in context.instrumented:
        # The callee is instrumented, but its spans are missing here (sampling, dropped spans,
        # or it never answered).
        kind = BlameKind.SLOW_CALLEE if reader.is_timeout(origin) else BlameKind.SERVICE
        return Blame(peer, kind, origin, context=origin.service)
    return Blame(peer, BlameKind.DEPENDENCY, origin, context=origin.service)


def blame_slow(
    tree: TraceTree, start: SpanRecord, culprit: SpanRecord, context: BlameContext
) -> Blame:
    """Blame for the span where a slow request's time went, found from `start`."""
    if culprit.kind in _CLIENT_KINDS and not tree.children.get(culprit.span_id):
        if context.reader.is_client_exhaustion(culprit):
            note = BlameNote.EXHAUSTED
            return Blame(culprit.service, BlameKind.SERVICE, culprit, note, peer_of(culprit))
        peer = peer_of(culprit)
        if peer and peer != culprit.service:
            kind = BlameKind.SLOW_CALLEE if peer in context.instrumented else BlameKind.DEPENDENCY
            return Blame(peer, kind, culprit, BlameNote.SLOW, culprit.service)
    if culprit.service == start.service:
        return Blame(culprit.service, BlameKind.SERVICE, culprit, BlameNote.SLOW)
    return Blame(culprit.service, BlameKind.SLOW_CALLEE, culprit, BlameNote.SLOW, start.service)


def service_path(origin: SpanRecord, ancestors: Sequence[SpanRecord]) -> tuple[str, ...]:
    """Services the error travelled through, origin first, consecutive repeats folded."""
    path: list[str] = []
    for span in (origin, *ancestors):
        if not path or path[-1] != span.service:
            path.append(span.service)
    return tuple(path)


def _by_trace(spans: Iterable[SpanRecord]) -> dict[str, list[SpanRecord]]:
    by_trace: dict[str, list[SpanRecord]] = defaultdict(list)
    for span in spans:
        by_trace[span.trace_id].append(span)
    return by_trace


def find_origins(
    spans: Iterable[SpanRecord],
    instrumented: frozenset[str] | BlameContext,
) -> list[TraceOrigin]:
    """Every (trace, blamed component) origin among the spans of failing traces.

    A trace whose errors start in two places (a retry storm and an unrelated 404, say) yields
    one origin per blamed component, so each component is counted once per trace.
    """
    spans = list(spans)
    context = (
        instrumented
        if isinstance(instrumented, BlameContext)
        else BlameContext.of(instrumented, spans)
    )
    origins: list[TraceOrigin] = []
    for trace_id, trace_spans in _by_trace(spans).items():
        tree = TraceTree(trace_spans)
        seen: set[str] = set()
        for span in origin_spans(tree):
            found = blame(tree, span, context)
            if found.blamed in seen:
                continue
            seen.add(found.blamed)
            origins.append(_origin(tree, trace_id, span, found))
    return origins


def _origin(tree: TraceTree, trace_id: str, span: SpanRecord, found: Blame) -> TraceOrigin:
    path = service_path(span, tree.ancestors(span))
    return TraceOrigin(
        trace_id, span, found.blamed, found.kind, path, note=found.note, context=found.context
    )


def latency_origins(
    spans: Iterable[SpanRecord],
    service: str,
    operations: Iterable[str],
    context: BlameContext,
) -> list[TraceOrigin]:
    """Where the time went in each slow trace: from the service's slowest span of one of
    `operations` that took longer than its baseline p95, down the slow path.

    The origin's span is the span whose own time grew (it need not have failed).
    """
    wanted = frozenset(operations)
    origins: list[TraceOrigin] = []
    for trace_id, trace_spans in _by_trace(spans).items():
        tree = TraceTree(trace_spans)
        starts = [
            span
            for span in tree.by_id.values()
            if span.service == service
            and span.operation in wanted
            and _slower_than_usual(span, context.latency)
        ]
        if not starts:
            continue
        start = max(starts, key=lambda span: span.duration_ns)
        culprit = slow_path(tree.children, start, context.latency)
        found = blame_slow(tree, start, culprit, context)
        origins.append(_origin(tree, trace_id, culprit, found))
    return origins


def _slower_than_usual(span: SpanRecord, latency: LatencyBaseline) -> bool:
    operation = latency.operation(span.service, span.operation)
    return operation is not None and span.duration_ns > operation.baseline_p95_ns > 0
