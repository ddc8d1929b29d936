"""The pure parts of a capture: which services to take, how records are masked, the card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import yaml

from aisher.capture.incident_card import IncidentCard, incident_name, render_card
from aisher.capture.masking import CaptureMasker
from aisher.capture.selection import involved_services, peer_of
from aisher.signoz.stored_records import StoredLog, StoredSpan
from aisher.telemetry import ExceptionRecord, SpanRecord
from aisher.window import TimeWindow

WINDOW = TimeWindow.ending_at(datetime(2026, 11, 26, 9, 30, tzinfo=UTC), timedelta(minutes=30))
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)


def span(service: str, *, peer: str = "", kind: str = "Client") -> SpanRecord:
    return SpanRecord(
        trace_id="a" * 32,
        span_id="b" * 16,
        parent_span_id="",
        service=service,
        operation="op",
        kind=kind,
        start_ns=0,
        duration_ns=1,
        status_code=2,
        attributes=MappingProxyType({"peer.service": peer} if peer else {}),
    )


class TestInvolvedServices:
    def test_services_of_failing_traces_and_instrumented_peers(self) -> None:
        """The asked service first, then each trace's services, then peers that are services."""
        spans = [
            span("frontend"),
            span("checkout", peer="payment"),
            span("checkout", peer="stripe"),
        ]
        known = {"frontend", "checkout", "payment", "search"}
        assert involved_services("checkout", spans, known) == ["checkout", "frontend", "payment"]

    def test_peer_is_read_as_the_span_model_reads_it(self) -> None:
        """The first of peer.service, db.system, … that is set names the peer."""
        assert peer_of({"server.address": "api.stripe.com", "db.system": "postgresql"}) == (
            "postgresql"
        )
        assert peer_of({"http.route": "/x"}) == ""


class TestCaptureMasker:
    def test_span_texts_are_masked_but_service_and_ids_stay(self) -> None:
        """Names, statuses, attributes, resources, exceptions are masked; ids, service.name not."""
        masker = CaptureMasker()
        stored = StoredSpan(
            trace_id="c" * 32,
            span_id="d" * 16,
            parent_span_id="",
            name=f"GET /users/ana@example.com?token={JWT}",
            kind=2,
            start_ns=1,
            duration_ns=1,
            status_code=2,
            status_message="login failed for ana@example.com",
            attributes=MappingProxyType({"http.request.header.authorization": f"Bearer {JWT}"}),
            numbers=MappingProxyType({"login.otp": 482913.0, "http.response.status_code": 401.0}),
            resource=MappingProxyType({"service.name": "auth", "owner": "ana@example.com"}),
            exceptions=(ExceptionRecord("AuthError", f"bad token {JWT}", "", False, "g", 1),),
        )
        masked = masker.span(stored)
        text = repr(masked)
        assert "ana@example.com" not in text
        assert JWT[10:30] not in text
        assert (masked.trace_id, masked.span_id) == (stored.trace_id, stored.span_id)
        assert masked.resource["service.name"] == "auth"
        assert masked.resource["owner"] == "<EMAIL_1>"
        assert masked.status_message == "login failed for <EMAIL_1>"
        assert masked.attributes["login.otp"].startswith("<SECRET_")
        assert masked.numbers == {"http.response.status_code": 401.0}
        assert masked.exceptions[0].group_id == ""
        assert masker.findings

    def test_one_masker_keeps_placeholders_across_spans_and_logs(self) -> None:
        """The same value masks to the same placeholder in a span and in a log body."""
        masker = CaptureMasker()
        stored = StoredSpan("e" * 32, "f" * 16, "", "op", 1, 1, 1, 2, "mail ana@example.com")
        log = StoredLog(1, 1, "ERROR", 17, "user ana@example.com and bo@example.org")
        assert masker.span(stored).status_message == "mail <EMAIL_1>"
        assert masker.log(log).body == "user <EMAIL_1> and <EMAIL_2>"


class TestIncidentCard:
    def test_card_reads_back_as_yaml(self) -> None:
        """The card is YAML with the question, an empty root_cause and the notes as text."""
        card = IncidentCard(
            name=incident_name("checkout: svc", WINDOW),
            service='checkout: svc "eu"',
            window=WINDOW,
            window_text="30m",
            notes=("8 failing traces", "masked 2 values (email 2)"),
        )
        text = render_card(card)
        read = yaml.safe_load(text)
        assert read == {
            "name": "checkout: svc-20261126-0930",
            "kind": "unknown",
            "service": 'checkout: svc "eu"',
            "until": "2026-11-26T09:30:00.000Z",
            "window": "30m",
            "root_cause": [],
            "notes": "8 failing traces; masked 2 values (email 2)",
        }
        assert "# FILL THIS IN" in text
