"""The alert card of a group, from the shared thread record and the latest notification.

Counts, status and times come from the record, so every replica draws the same card; names,
labels and links come from the notification. The Slack side renders the `AlertCard`.
"""

from __future__ import annotations

from aisher.alerts.target import AlertTarget
from aisher.slack.alert_card import AlertCard
from aisher.state.alert_threads import AlertThread


def alert_card(thread: AlertThread, target: AlertTarget) -> AlertCard:
    """The card of the group `thread` records, with the details of notification `target`."""
    return AlertCard(
        alertname=target.alertname,
        status=thread.status,
        severity=target.severity or "",
        service=thread.service or target.service,
        summary=target.summary or "",
        # Alertmanager always sends startsAt; a sender that does not gets the first sighting.
        starts_at=thread.started_at or thread.first_seen,
        labels=dict(target.labels),
        last_seen=thread.last_seen,
        fire_count=thread.fire_count,
        resolved_at=thread.resolved_at,
        external_url=target.external_url or None,
        generator_url=target.generator_url or None,
    )
