"""Naming the other side of a client call as specifically as the span allows."""

from __future__ import annotations

from aisher.analysis.evidence.model import BlameKind
from aisher.analysis.evidence.origins import find_origins
from aisher.analysis.evidence.peers import clean_host, peer_aliases, peer_of
from aisher.telemetry import SpanRecord
from tests.support.traces import TraceBuilder


def client(attributes: dict[str, str], *, error: bool = False, message: str = "") -> SpanRecord:
    trace = TraceBuilder()
    trace.span("api", "call", kind="Client", attributes=attributes, error=error, message=message)
    return trace.spans[-1]


class TestPeerOf:
    def test_hosts_become_names(self) -> None:
        """IPs are no name; cluster-internal DNS names are cut to their service."""
        assert clean_host("10.0.4.17") == ""
        assert clean_host("orders-db.prod.svc.cluster.local") == "orders-db"
        assert clean_host("ledger-db.internal") == "ledger-db"
        assert clean_host("api.stripe.com") == "api.stripe.com"

    def test_a_database_is_named_by_its_host(self) -> None:
        """A database is its host, not its kind; without a host, its kind."""
        assert peer_of(client({"db.system": "postgresql", "server.address": "fleet-db"})) == (
            "fleet-db"
        )
        assert peer_of(client({"db.system": "postgresql", "server.address": "10.1.2.3"})) == (
            "postgresql"
        )

    def test_peer_service_wins_and_brokers_keep_their_system(self) -> None:
        """peer.service names a peer best; a broker is its system, not one broker's host."""
        both = {"peer.service": "stripe", "server.address": "api.stripe.com"}
        assert peer_of(client(both)) == "stripe"
        kafka = {"messaging.system": "kafka", "server.address": "kafka-0.kafka"}
        assert peer_of(client(kafka)) == "kafka"

    def test_aliases_resolve_to_the_peer_unless_shared(self) -> None:
        """Every name of a database points at it; a kind two databases share points nowhere."""
        spans = [
            client({"db.system": "postgresql", "server.address": "fleet-db"}),
            client({"db.system": "postgresql", "server.address": "orders-db.prod.svc"}),
        ]
        aliases = peer_aliases(spans)
        assert aliases["orders-db.prod.svc"] == "orders-db"
        assert aliases["fleet-db"] == "fleet-db"
        assert "postgresql" not in aliases

    def test_failing_database_is_blamed_by_its_host(self) -> None:
        """A refused connection to a database blames the database by its host name."""
        trace = TraceBuilder()
        root = trace.span("api", "GET /orders", error=True)
        database = {"db.system": "postgresql", "server.address": "orders-db"}
        trace.span("api", "SELECT orders", parent=root, kind="Client", error=True,
                   message="connection refused", attributes=database)  # fmt: skip
        (origin,) = find_origins(trace.spans, frozenset({"api"}))
        assert (origin.blamed, origin.blame) == ("orders-db", BlameKind.DEPENDENCY)

    def test_host_named_in_the_message_beats_the_kind_of_database(self) -> None:
        """A database known only as 'postgresql' is blamed by the host its error names."""
        trace = TraceBuilder()
        root = trace.span("api", "GET /orders", error=True)
        trace.span("api", "SELECT orders", parent=root, kind="Client", error=True,
                   message="connection refused to fleet-db:5432",
                   attributes={"db.system": "postgresql"})  # fmt: skip
        (origin,) = find_origins(trace.spans, frozenset({"api"}))
        assert (origin.blamed, origin.blame) == ("fleet-db", BlameKind.DEPENDENCY)
