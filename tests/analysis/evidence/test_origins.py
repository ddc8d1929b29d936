"""Where a failing trace's error starts, and who gets the blame."""

from __future__ import annotations

from aisher.analysis.evidence.model import BlameKind, BlameNote
from aisher.analysis.evidence.origins import TraceTree, find_origins, origin_spans
from tests.support.traces import TraceBuilder

SERVICES = frozenset({"frontend", "checkout", "payment", "shipping"})


def shipping_timeout(message: str, *, database_ms: float) -> TraceBuilder:
    """checkout's call to a slow shipping times out; shipping spends `database_ms` in a query."""
    trace = TraceBuilder()
    root = trace.span("checkout", "POST /checkout", error=True, duration_ms=2100)
    call = trace.span(
        "checkout",
        "GET shipping/quote",
        parent=root,
        kind="Client",
        error=True,
        duration_ms=2000,
        message=message,
        attributes={"peer.service": "shipping"},
    )
    slow = trace.span("shipping", "GET /quote", parent=call, duration_ms=1990)
    trace.span(
        "shipping",
        "SELECT rates",
        parent=slow,
        kind="Client",
        duration_ms=database_ms,
        attributes={"db.system": "postgresql"},
    )
    return trace


class TestOriginSpans:
    def test_deepest_error_span_is_the_origin(self) -> None:
        """An error that propagates up three services starts at the deepest error span."""
        trace = TraceBuilder()
        root = trace.span("frontend", "GET /checkout", error=True)
        call = trace.span("checkout", "POST /pay", parent=root, kind="Client", error=True)
        server = trace.span(
            "payment", "POST /charge", parent=call, error=True, exception=("KeyError", "'currency'")
        )
        origins = find_origins(trace.spans, SERVICES)
        assert [(o.blamed, o.blame, o.span.span_id) for o in origins] == [
            ("payment", BlameKind.SERVICE, server)
        ]
        assert origins[0].path == ("payment", "checkout", "frontend")

    def test_error_below_a_non_error_span_still_counts_as_descendant(self) -> None:
        """An error below an unset intermediate span still makes the upper error no origin."""
        trace = TraceBuilder()
        root = trace.span("frontend", "GET /", error=True)
        middle = trace.span("checkout", "internal step", parent=root, kind="Internal")
        trace.span("payment", "charge", parent=middle, error=True)
        tree = TraceTree(trace.spans)
        assert [span.service for span in origin_spans(tree)] == ["payment"]

    def test_two_independent_failures_give_two_origins(self) -> None:
        """Sibling branches failing for different reasons yield one origin per blamed service."""
        trace = TraceBuilder()
        root = trace.span("frontend", "GET /", error=True)
        trace.span("payment", "charge", parent=root, error=True)
        trace.span("shipping", "quote", parent=root, error=True)
        assert sorted(o.blamed for o in find_origins(trace.spans, SERVICES)) == [
            "payment",
            "shipping",
        ]

    def test_retries_of_the_same_failure_count_once_per_trace(self) -> None:
        """Three failing retries into the same service give one origin for the trace."""
        trace = TraceBuilder()
        root = trace.span("checkout", "POST /checkout", error=True)
        for attempt in range(3):
            trace.span("payment", "charge", parent=root, error=True, offset_ms=attempt * 5)
        assert [o.blamed for o in find_origins(trace.spans, SERVICES)] == ["payment"]


class TestBlame:
    def test_failing_call_to_uninstrumented_peer_blames_the_dependency(self) -> None:
        """A client span with peer.service and no span on the other side blames the peer."""
        trace = TraceBuilder()
        root = trace.span("payment", "POST /charge", error=True)
        trace.span(
            "payment",
            "stripe.charges.create",
            parent=root,
            kind="Client",
            error=True,
            attributes={"peer.service": "stripe", "server.address": "api.stripe.com"},
            message="503 Service Unavailable",
        )
        (origin,) = find_origins(trace.spans, SERVICES)
        assert (origin.blamed, origin.blame) == ("stripe", BlameKind.DEPENDENCY)

    def test_timeout_while_callee_is_slow_blames_the_callee(self) -> None:
        """A client timeout whose callee ran long without erroring blames the slow callee."""
        trace = shipping_timeout("DEADLINE_EXCEEDED: deadline exceeded after 2s", database_ms=15)
        (origin,) = find_origins(trace.spans, SERVICES)
        assert (origin.blamed, origin.blame) == ("shipping", BlameKind.SLOW_CALLEE)

    def test_timeout_follows_latency_down_to_a_slow_database(self) -> None:
        """When the slow callee spends its time in a database call, the database is blamed."""
        trace = shipping_timeout("read timeout", database_ms=1950)
        (origin,) = find_origins(trace.spans, SERVICES)
        assert (origin.blamed, origin.blame) == ("postgresql", BlameKind.DEPENDENCY)

    def test_non_timeout_client_error_with_healthy_callee_blames_the_caller(self) -> None:
        """A client-side failure (bad response parsing) with a fine callee stays with the caller."""
        trace = TraceBuilder()
        root = trace.span("checkout", "POST /checkout", error=True)
        call = trace.span(
            "checkout",
            "GET pricing",
            parent=root,
            kind="Client",
            error=True,
            exception=("JsonParseException", "Unexpected token"),
            attributes={"peer.service": "pricing"},
        )
        trace.span("pricing", "GET /price", parent=call, duration_ms=3)
        (origin,) = find_origins(trace.spans, SERVICES | {"pricing"})
        assert (origin.blamed, origin.blame) == ("checkout", BlameKind.SERVICE)


def pool_exhausted(message: str) -> TraceBuilder:
    """checkout's query never reaches postgres: its client span fails with `message`."""
    trace = TraceBuilder()
    root = trace.span("checkout", "POST /checkout", error=True)
    trace.span(
        "checkout",
        "SELECT orders",
        parent=root,
        kind="Client",
        error=True,
        message=message,
        attributes={"db.system": "postgresql"},
    )
    return trace


class TestClientSideFailures:
    def test_exhausted_pool_blames_the_caller(self) -> None:
        """A client span that never reached the database because the pool was dry blames
        the calling service, with the database kept as context."""
        trace = pool_exhausted("QueuePool limit of size 5 overflow 10 reached, timeout 30.00")
        (origin,) = find_origins(trace.spans, SERVICES)
        assert (origin.blamed, origin.blame, origin.note) == (
            "checkout",
            BlameKind.SERVICE,
            BlameNote.EXHAUSTED,
        )
        assert origin.context == "postgresql"

    def test_refused_connection_still_blames_the_dependency(self) -> None:
        """The database refusing the connection is the database's failure."""
        trace = pool_exhausted("connection refused")
        (origin,) = find_origins(trace.spans, SERVICES)
        assert (origin.blamed, origin.blame) == ("postgresql", BlameKind.DEPENDENCY)

    def test_unreachable_service_named_in_the_message_is_blamed(self) -> None:
        """'No instances available for X' blames X even though X recorded nothing."""
        trace = TraceBuilder()
        trace.span(
            "checkout",
            "POST /checkout",
            error=True,
            exception=("IllegalStateException", "No instances available for shipping"),
        )
        (origin,) = find_origins(trace.spans, SERVICES)
        assert (origin.blamed, origin.blame, origin.note) == (
            "shipping",
            BlameKind.SERVICE,
            BlameNote.NAMED,
        )

    def test_named_component_beats_a_bare_address(self) -> None:
        """A client span whose peer is only an address blames the service its message names."""
        trace = TraceBuilder()
        root = trace.span("checkout", "POST /checkout", error=True)
        trace.span(
            "checkout",
            "POST",
            parent=root,
            kind="Client",
            error=True,
            message="connection refused to payment:8443",
            attributes={"server.address": "10.0.4.17"},
        )
        (origin,) = find_origins(trace.spans, SERVICES)
        assert origin.blamed == "payment"

    def test_named_component_counts_after_other_calls_succeeded(self) -> None:
        """A request that read its database fine, then found no instance of shipping, blames
        shipping: the successful query does not hide the named failure."""
        trace = TraceBuilder()
        root = trace.span(
            "checkout",
            "POST /checkout",
            error=True,
            exception=("IllegalStateException", "No instances available for shipping"),
        )
        trace.span("checkout", "SELECT cart", parent=root, kind="Client",
                   attributes={"db.system": "postgresql"})  # fmt: skip
        (origin,) = find_origins(trace.spans, SERVICES)
        assert origin.blamed == "shipping"
