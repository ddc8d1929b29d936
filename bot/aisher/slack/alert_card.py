"""An Alertmanager (or SigNoz) alert as the card Aisher posts, and the note when it resolves.

The card is the top of the alert's thread: the analysis goes into its replies. It shows the
alert's name and state, severity, service, summary and labels, when it started, how often it
fired again, and when resolved, after how long. Labels and annotations come from whoever wrote
the alert rule and from the alerting service's data, so they are escaped like telemetry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from aisher.slack.limits import (
    MAX_FIELDS,
    SlackMessage,
    button,
    contexts,
    fields_sections,
    fit_message,
    header,
    section,
)
from aisher.slack.messages import format_duration, format_moment
from aisher.slack.mrkdwn import inline_code, inline_text

AlertStatus = Literal["firing", "resolved"]

OPEN_ALERTMANAGER_ACTION = "aisher_open_alertmanager"
OPEN_SOURCE_ACTION = "aisher_open_alert_source"
SUMMARY_LIMIT = 1500
LABEL_LIMIT = 300
_NAME = 120
_MAX_URL = 3000
_EMOJI = {"firing": ":fire:", "resolved": ":white_check_mark:"}


@dataclass(frozen=True, slots=True)
class AlertCard:
    """What the card shows of one alert group; times are timezone-aware."""

    alertname: str
    status: AlertStatus
    severity: str
    service: str | None
    summary: str
    starts_at: datetime
    labels: Mapping[str, str] = field(default_factory=dict)
    last_seen: datetime | None = None
    fire_count: int = 1
    resolved_at: datetime | None = None
    external_url: str | None = None
    generator_url: str | None = None


def render_alert_card(card: AlertCard) -> SlackMessage:
    """The alert card: title with state, facts as fields, labels, history and links."""
    blocks: list[Block] = [
        header(f"{_EMOJI[card.status]} [{card.status.upper()}] {card.alertname}")
    ]
    if card.summary:
        blocks.append(section(inline_text(card.summary, SUMMARY_LIMIT)))
    blocks += fields_sections(_facts(card))
    blocks += fields_sections(_labels(card.labels))
    blocks += contexts(_history(card))
    buttons = _buttons(card)
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    name = inline_text(card.alertname, _NAME)
    return fit_message(f"{card.status.capitalize()}: {name}", blocks)


def render_resolved_note(card: AlertCard) -> SlackMessage:
    """The note in the alert's thread when the alert resolves."""
    text = f":white_check_mark: *Resolved*{_resolved_after(card)}."
    return fit_message(f"Resolved: {inline_text(card.alertname, _NAME)}", [section(text)])


def _facts(card: AlertCard) -> list[str]:
    facts = [f"*Severity*\n{inline_text(card.severity or 'none', _NAME)}"]
    if card.service:
        facts.append(f"*Service*\n{inline_code(card.service, _NAME)}")
    facts.append(f"*Started*\n{format_moment(card.starts_at)}")
    if card.status == "resolved" and card.resolved_at is not None:
        facts.append(f"*Resolved*\n{format_moment(card.resolved_at)}")
    return facts


def _labels(labels: Mapping[str, str]) -> list[str]:
    """One field per label, sorted by name, at most `MAX_FIELDS` with the last saying how
    many more there are."""
    items = sorted(labels.items())
    shown = items if len(items) <= MAX_FIELDS else items[: MAX_FIELDS - 1]
    fields = [
        f"*{inline_text(key, _NAME)}*\n{inline_text(value, LABEL_LIMIT)}" for key, value in shown
    ]
    if len(shown) < len(items):
        fields.append(f"*…*\n{len(items) - len(shown)} more labels")
    return fields


def _history(card: AlertCard) -> list[str]:
    lines = []
    if card.fire_count > 1:
        seen = f", last seen {format_moment(card.last_seen)}" if card.last_seen else ""
        lines.append(f":repeat: fired {card.fire_count:,} times{seen}")
    if card.status == "resolved":
        lines.append(f":white_check_mark: resolved{_resolved_after(card)}")
    return lines


def _resolved_after(card: AlertCard) -> str:
    if card.resolved_at is None:
        return ""
    duration = format_duration(card.resolved_at - card.starts_at)
    return f" after {duration} (at {format_moment(card.resolved_at)})"


def _buttons(card: AlertCard) -> list[ButtonElement]:
    links = [
        ("Alertmanager", OPEN_ALERTMANAGER_ACTION, card.external_url),
        ("Alert source", OPEN_SOURCE_ACTION, card.generator_url),
    ]
    return [
        button(label, action_id=action, url=url)
        for label, action, url in links
        if url and _usable_url(url)
    ]


def _usable_url(url: str) -> bool:
    """Slack takes only http(s) URLs up to 3,000 characters; anything else is left out."""
    return url.startswith(("http://", "https://")) and len(url) <= _MAX_URL
