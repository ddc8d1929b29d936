"""Find where each failing trace's error started, and which component to blame for it.

The origin of an error is the deepest error span none of whose descendants failed. Most of the
time the origin's own service is to blame. Two cases point elsewhere: a client call that failed
without any span on the other side blames the uninstrumented peer (a database, a SaaS API), and
a client call that timed out while its callee was merely slow blames the slow callee, following
the latency down to the span that spent it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from aisher.analysis.evidence.model import BlameKind, TraceOrigin
from aisher.telemetry import SpanRecord, parent_chain

_TIMEOUT = re.compile(
    r"time[d\s-]*out|timeout|deadline|DEADLINE_EXCEEDED|ReadTimeout|\b504\b|\b408\b", re.IGNORECASE
)
_CLIENT_KINDS = frozenset({"Client", "Producer"})
# A child that took this share of its parent's time is where the parent's time went.
LATENCY_SHARE = 0.8


class TraceTree:
    """One trace's spans indexed by id and by parent."""

    def __init__(self, spans: Iterable[SpanRecord]) -> None:
        self.by_id: dict[str, SpanRecord] = {}
        for span in spans:
            self.by_id.setdefault(span.span_id, span)
        self.children: dict[str, list[SpanRecord]] = defaultdict(list)
        for span in self.by_id.values():
            if span.parent_span_id and span.parent_span_id in self.by_id:
                self.children[span.parent_span_id].append(span)
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


def is_timeout(span: SpanRecord) -> bool:
    texts = [span.status_message, span.http_status, span.attributes.get("error.type", "")]
    for exception in span.exceptions:
        texts.extend((exception.type, exception.message))
    return any(_TIMEOUT.search(text) for text in texts if text)


def origin_spans(tree: TraceTree) -> list[SpanRecord]:
    """Error spans with no failing descendant, in start order."""
    found = [
        span
        for span in tree.by_id.values()
        if span.has_error and not tree.has_failing_descendant(span)
    ]
    return sorted(found, key=lambda span: span.start_ns)


def slowest_descendant(tree: TraceTree, span: SpanRecord) -> SpanRecord:
    """Follow the child that took most of its parent's time while it took ≥ LATENCY_SHARE."""
    current = span
    for _ in range(64):  # traces are not deeper than this in practice; guards against cycles
        kids = tree.children.get(current.span_id)
        if not kids:
            return current
        slowest = max(kids, key=lambda kid: kid.duration_ns)
        if slowest.duration_ns < LATENCY_SHARE * current.duration_ns:
            return current
        current = slowest
    return current


def blame(
    tree: TraceTree, origin: SpanRecord, instrumented: frozenset[str]
) -> tuple[str, BlameKind, SpanRecord]:
    """Who to blame for an origin span, how, and the span that stands for the blamed side."""
    if origin.kind not in _CLIENT_KINDS:
        return origin.service, BlameKind.SERVICE, origin
    kids = tree.children.get(origin.span_id, [])
    if kids and is_timeout(origin):
        callee = max(kids, key=lambda kid: kid.duration_ns)
        culprit = slowest_descendant(tree, callee)
        if (
            culprit.kind in _CLIENT_KINDS
            and not tree.children.get(culprit.span_id)
            and culprit.peer
        ):
            return culprit.peer, BlameKind.DEPENDENCY, culprit
        return culprit.service, BlameKind.SLOW_CALLEE, culprit
    peer = origin.peer
    if kids or not peer or peer == origin.service:
        return origin.service, BlameKind.SERVICE, origin
    if peer in instrumented:
        # The callee is instrumented, but its spans are missing here (sampling, dropped spans).
        return peer, BlameKind.SLOW_CALLEE if is_timeout(origin) else BlameKind.SERVICE, origin
    return peer, BlameKind.DEPENDENCY, origin


def service_path(origin: SpanRecord, ancestors: Sequence[SpanRecord]) -> tuple[str, ...]:
    """Services the error travelled through, origin first, consecutive repeats folded."""
    path: list[str] = []
    for span in (origin, *ancestors):
        if not path or path[-1] != span.service:
            path.append(span.service)
    return tuple(path)


def find_origins(spans: Iterable[SpanRecord], instrumented: frozenset[str]) -> list[TraceOrigin]:
    """Every (trace, blamed component) origin among the spans of failing traces.

    A trace whose errors start in two places (a retry storm and an unrelated 404, say) yields
    one origin per blamed component, so each component is counted once per trace.
    """
    by_trace: dict[str, list[SpanRecord]] = defaultdict(list)
    for span in spans:
        by_trace[span.trace_id].append(span)
    origins: list[TraceOrigin] = []
    for trace_id, trace_spans in by_trace.items():
        tree = TraceTree(trace_spans)
        seen: set[str] = set()
        for span in origin_spans(tree):
            blamed, kind, _ = blame(tree, span, instrumented)
            if blamed in seen:
                continue
            seen.add(blamed)
            path = service_path(span, tree.ancestors(span))
            origins.append(TraceOrigin(trace_id, span, blamed, kind, path))
    return origins
