"""The `incident.yaml` of a capture: the question the suite will ask, and the label to fill in.

`aisher eval` reads it (`name`, `kind`, `service`, `until`, `window`, `root_cause`, `notes`).
A capture cannot know the cause, so `root_cause` is written empty with a comment asking for it,
and the suite refuses the incident until someone fills it in. Values are written as JSON
strings, which YAML reads as they are, whatever characters a service name holds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aisher.window import TimeWindow, iso


@dataclass(frozen=True, slots=True)
class IncidentCard:
    name: str
    service: str
    window: TimeWindow
    window_text: str  # as the user gave it: 30m, 2h
    notes: Sequence[str] = ()


def incident_name(service: str, window: TimeWindow) -> str:
    """`checkout-svc-20261126-0930`: the service and the window's end, to the minute (UTC)."""
    return f"{service}-{window.end.strftime('%Y%m%d-%H%M')}"


def render_card(card: IncidentCard) -> str:
    """The YAML text of the card."""
    notes = "; ".join(card.notes)
    return "\n".join(
        (
            "# An incident captured by `aisher capture`; `aisher eval` reads this card.",
            f"name: {_quote(card.name)}",
            "# The kind of fault, to group results by (bad-deploy, failing-dependency, …).",
            "kind: unknown",
            f"service: {_quote(card.service)}",
            f"until: {_quote(iso(card.window.end))}",
            f"window: {_quote(card.window_text)}",
            "# FILL THIS IN: every service that counts as the right answer, e.g. [payment-svc].",
            "# The suite refuses this incident while the list is empty.",
            "root_cause: []",
            f"notes: {_quote(notes)}",
            "",
        )
    )


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
