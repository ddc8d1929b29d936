"""A span that names itself as its parent, as buggy producers send, is still an origin."""

from __future__ import annotations

from aisher.analysis.evidence.model import BlameKind
from aisher.analysis.evidence.origins import TraceTree, find_origins
from tests.support.traces import TraceBuilder

SERVICES = frozenset({"frontend", "payment"})
FIRST_SPAN_ID = f"{1:016x}"  # TraceBuilder numbers span ids from 1


class TestSelfParentedSpan:
    def test_self_parented_error_span_is_an_origin(self) -> None:
        """An error span whose parent is itself is treated as a root and found as the origin."""
        trace = TraceBuilder()
        looped = trace.span("payment", "charge", parent=FIRST_SPAN_ID, error=True)
        assert looped == FIRST_SPAN_ID
        origins = find_origins(trace.spans, SERVICES)
        assert [(o.blamed, o.blame, o.span.span_id, o.path) for o in origins] == [
            ("payment", BlameKind.SERVICE, looped, ("payment",))
        ]

    def test_self_parented_span_has_no_children_of_itself(self) -> None:
        """The self-parented span keeps its real children and is not its own child."""
        trace = TraceBuilder()
        looped = trace.span("frontend", "GET /", parent=FIRST_SPAN_ID, error=True)
        child = trace.span("payment", "charge", parent=looped, error=True)
        tree = TraceTree(trace.spans)
        assert [span.span_id for span in tree.children[looped]] == [child]
        origins = find_origins(trace.spans, SERVICES)
        assert [o.span.span_id for o in origins] == [child]
