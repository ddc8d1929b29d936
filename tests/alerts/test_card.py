"""Card facts and thread notes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aisher.alerts.card import alert_card
from aisher.alerts.notes import TEST_NOTE, no_service_note, refiring_note, resolved_note
from aisher.alerts.payload import parse_alert_payload
from aisher.alerts.target import alert_target
from aisher.slack.alert_card import AlertCard, render_alert_card
from aisher.state.alert_threads import AlertThread
from tests.alerts.payloads import alertmanager_alert, alertmanager_payload, body

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def thread(**changes: object) -> AlertThread:
    base = AlertThread(
        group_key="g",
        status="firing",
        first_seen=T0,
        last_seen=T0 + timedelta(minutes=10),
        started_at=T0 - timedelta(minutes=2),
        fire_count=3,
        service="checkout-svc",
        channel="C1",
        ts="1.2",
    )
    return base.model_copy(update=changes)


class TestAlertCard:
    def test_counts_from_the_record_details_from_the_notification(self) -> None:
        """Status, counts and times come from the record; names and links from the alert."""
        target = alert_target(parse_alert_payload(body(alertmanager_payload())), now=T0)
        card = alert_card(thread(status="resolved", resolved_at=T0), target)
        assert card == AlertCard(
            alertname="HighErrorRate",
            status="resolved",
            severity="page",
            service="checkout-svc",
            summary="checkout-svc 5xx ratio > 5%",
            labels=dict(target.labels),
            starts_at=T0 - timedelta(minutes=2),
            last_seen=T0 + timedelta(minutes=10),
            fire_count=3,
            resolved_at=T0,
            external_url="http://alertmanager.example:9093",
            generator_url=target.generator_url,
        )

    def test_missing_facts_get_card_defaults(self) -> None:
        """No severity, summary, links or start: empty texts, no links, first sighting."""
        alert = alertmanager_alert(labels={"alertname": "X"}, annotations={})
        alert |= {"startsAt": "0001-01-01T00:00:00Z", "generatorURL": ""}
        payload = alertmanager_payload(
            alerts=[alert], common_labels={}, commonAnnotations={}, externalURL=""
        )
        target = alert_target(parse_alert_payload(body(payload)), now=T0)
        card = alert_card(thread(started_at=None, service=None), target)
        assert (card.severity, card.summary, card.service) == ("", "", None)
        assert (card.external_url, card.generator_url) == (None, None)
        assert card.starts_at == T0
        assert render_alert_card(card).text.startswith("Firing: X")


class TestNotes:
    def test_resolved_note_has_the_duration(self) -> None:
        """The resolution note says how long the alert fired and how often it was notified."""
        note = resolved_note(thread(status="resolved", resolved_at=T0 + timedelta(minutes=40)))
        assert "Resolved after 42m" in note
        assert "firing since 2026-11-26 09:58 UTC" in note
        assert "notified 3 times" in note

    def test_resolved_note_without_a_start(self) -> None:
        """Without a start time the note gives the resolution time only."""
        note = resolved_note(thread(status="resolved", started_at=None, fire_count=1))
        assert note.endswith("(notified once).")

    def test_refiring_note_says_how_long_it_was_quiet(self) -> None:
        """The refiring note names the quiet time since the resolution."""
        previous = thread(status="resolved", resolved_at=T0)
        note = refiring_note(thread(last_seen=T0 + timedelta(hours=1)), previous)
        assert "1h after it resolved" in note

    def test_fixed_notes(self) -> None:
        """The test note and the no-service note say what to do next."""
        assert "test notification" in TEST_NOTE
        note = no_service_note(("service", "job"))
        assert "`service`, `job`" in note
        assert "/aisher why" in note
