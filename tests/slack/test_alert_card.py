"""Alert cards show an alert's state, facts, labels and history, valid and inert."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from aisher.slack.alert_card import (
    OPEN_ALERTMANAGER_ACTION,
    OPEN_SOURCE_ACTION,
    AlertCard,
    render_alert_card,
    render_resolved_note,
)
from aisher.slack.limits import MAX_FIELDS, SlackMessage, validate_message

STARTED = datetime(2026, 11, 26, 9, 58, 30, tzinfo=UTC)
EVIL = "<!channel> <@U123> <#C1> <https://evil.example|click> ```x``` \x1b[31m" + "y" * 10_000


def make_card(**changes: Any) -> AlertCard:
    card = AlertCard(
        alertname="HighErrorRate",
        status="firing",
        severity="page",
        service="checkout-svc",
        summary="checkout-svc 5xx ratio > 5%",
        starts_at=STARTED,
        labels={"alertname": "HighErrorRate", "namespace": "shop", "pod": "checkout-7f9c"},
        external_url="http://alertmanager.example:9093",
        generator_url="http://prometheus.example:9090/graph?g0.expr=x",
    )
    return replace(card, **changes)


def _checked(message: SlackMessage) -> str:
    """The payload as JSON after checking it is valid and carries no markup from data."""
    validate_message(message.blocks, message.text)
    dump = json.dumps([message.text, message.blocks], ensure_ascii=False)
    assert "<" not in dump
    assert "\x1b" not in dump
    return dump


def _fields(message: SlackMessage) -> list[str]:
    return [field["text"] for block in message.blocks for field in block.get("fields", ())]


class TestRenderAlertCard:
    def test_firing_card_shows_state_and_facts(self) -> None:
        """Title with the firing emoji, summary, severity, service and start time."""
        message = render_alert_card(make_card())
        dump = _checked(message)
        assert message.blocks[0]["text"]["text"] == ":fire: [FIRING] HighErrorRate"
        assert "checkout-svc 5xx ratio &gt; 5%" in dump
        assert "*Severity*\npage" in _fields(message)
        assert "*Service*\n`checkout-svc`" in _fields(message)
        assert "*Started*\n2026-11-26 09:58 UTC" in _fields(message)
        assert message.text == "Firing: HighErrorRate"

    def test_labels_are_fields(self) -> None:
        """Each label is a field named after it, sorted."""
        fields = _fields(render_alert_card(make_card()))
        assert fields[-3:] == [
            "*alertname*\nHighErrorRate",
            "*namespace*\nshop",
            "*pod*\ncheckout-7f9c",
        ]

    def test_labels_are_capped_at_ten_fields(self) -> None:
        """Thirty labels show nine and a field counting the rest."""
        labels = {f"label{i:02}": f"v{i}" for i in range(30)}
        message = render_alert_card(make_card(labels=labels))
        _checked(message)
        label_block = [block for block in message.blocks if "fields" in block][-1]
        assert len(label_block["fields"]) == MAX_FIELDS
        assert label_block["fields"][-1]["text"] == "*…*\n21 more labels"

    def test_repeats_say_how_often_and_when_last(self) -> None:
        """A re-fired alert says how many times and when it was last seen."""
        card = make_card(fire_count=3, last_seen=STARTED + timedelta(minutes=20))
        dump = _checked(render_alert_card(card))
        assert "fired 3 times, last seen 2026-11-26 10:18 UTC" in dump

    def test_resolved_card_says_after_how_long(self) -> None:
        """A resolved alert shows its emoji, when it resolved and after how long."""
        card = make_card(status="resolved", resolved_at=STARTED + timedelta(hours=1, minutes=5))
        message = render_alert_card(card)
        dump = _checked(message)
        assert message.blocks[0]["text"]["text"] == ":white_check_mark: [RESOLVED] HighErrorRate"
        assert "resolved after 1h 5m" in dump
        assert "*Resolved*\n2026-11-26 11:03 UTC" in _fields(message)

    def test_link_buttons_only_for_web_urls(self) -> None:
        """Alertmanager and source links become buttons; other schemes are dropped."""
        buttons = render_alert_card(make_card()).blocks[-1]["elements"]
        assert [b["action_id"] for b in buttons] == [OPEN_ALERTMANAGER_ACTION, OPEN_SOURCE_ACTION]
        message = render_alert_card(
            make_card(external_url="javascript:alert(1)", generator_url=None)
        )
        assert all(block["type"] != "actions" for block in message.blocks)

    def test_hostile_alert_is_valid_and_inert(self) -> None:
        """Markup-laden, huge names, summary and labels render within limits as text."""
        card = make_card(
            alertname=EVIL,
            severity=EVIL,
            service=EVIL,
            summary=EVIL,
            labels={f"{EVIL}{i}": EVIL for i in range(40)},
            fire_count=10_000,
            last_seen=STARTED,
        )
        dump = _checked(render_alert_card(card))
        assert "… (cut, " in dump


class TestRenderResolvedNote:
    def test_says_after_how_long(self) -> None:
        """The thread note names the duration and the moment it resolved."""
        card = make_card(status="resolved", resolved_at=STARTED + timedelta(minutes=42))
        message = render_resolved_note(card)
        dump = _checked(message)
        assert "*Resolved* after 42m (at 2026-11-26 10:40 UTC)." in dump
        assert message.text == "Resolved: HighErrorRate"

    def test_without_a_resolve_time(self) -> None:
        """Without an end time the note still says it resolved."""
        message = render_resolved_note(make_card(status="resolved"))
        assert ":white_check_mark: *Resolved*." in _checked(message)
