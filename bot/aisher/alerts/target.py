"""From an alert notification to the question to ask the analysis: which service, which window.

The service comes from the first configured label that has a value, looked up in the labels all
alerts share, then in each alert (firing ones first). The window starts a margin before the
earliest firing alert started, so that the first errors that tripped the rule are inside it,
and ends now; its length is clamped so that a flapping alert does not ask for a minute and an
alert firing for days does not ask for a week.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aisher.alerts.payload import Alert, AlertNotification, AlertStatus
from aisher.config import AlertSettings
from aisher.window import TimeWindow

# The defaults of `AISHER_ALERT_SERVICE_LABELS` and `AISHER_ALERT_WINDOW_MARGIN_M`, written once
# in `AlertSettings`; a slice built in code reads no environment.
_CONFIGURED = AlertSettings()
DEFAULT_SERVICE_LABELS = _CONFIGURED.service_labels
SUMMARY_ANNOTATIONS = ("summary", "message", "description")
# SigNoz marks the notifications its "Test notification" button sends with this label.
TEST_LABEL = "testalert"
# Alert names listed before "+N more" when a group holds several different alerts.
MAX_LISTED_NAMES = 3


@dataclass(frozen=True, slots=True)
class TargetSettings:
    """Where to look for the service and how to size the window; `from_settings` takes the
    labels and the margin from the alert settings, whose defaults these are (the window is
    clamped to 5 min – 24 h, which no setting changes)."""

    service_labels: tuple[str, ...] = DEFAULT_SERVICE_LABELS
    margin: timedelta = timedelta(minutes=_CONFIGURED.window_margin_m)
    min_length: timedelta = timedelta(minutes=5)
    max_length: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, alerts: AlertSettings) -> TargetSettings:
        """The targets as `AISHER_ALERT_SERVICE_LABELS` and `…_WINDOW_MARGIN_M` configure them."""
        return cls(
            service_labels=alerts.service_labels,
            margin=timedelta(minutes=alerts.window_margin_m),
        )

    def __post_init__(self) -> None:
        if not self.service_labels:
            raise ValueError("service_labels must name at least one label")
        if not timedelta(0) < self.min_length <= self.max_length:
            raise ValueError("need 0 < min_length <= max_length")
        if self.margin < timedelta(0):
            raise ValueError("margin must not be negative")


@dataclass(frozen=True, slots=True)
class AlertTarget:
    """What one notification asks for, plus the facts its card shows."""

    group_key: str
    notification_id: str
    status: AlertStatus
    alertname: str
    severity: str | None
    summary: str | None
    service: str | None
    window: TimeWindow
    started_at: datetime | None
    ended_at: datetime | None
    test: bool
    firing_count: int
    labels: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""
    generator_url: str = ""


def alert_target(
    notification: AlertNotification, *, now: datetime, settings: TargetSettings | None = None
) -> AlertTarget:
    """The service, window and card facts of `notification` as of `now`."""
    settings = settings or TargetSettings()
    firing = notification.firing
    ordered = [*firing, *(alert for alert in notification.alerts if alert.status != "firing")]
    label_sets = [notification.common_labels, *(alert.labels for alert in ordered)]
    started_at = _earliest(alert.starts_at for alert in (firing or notification.alerts))
    ended_at = (
        None
        if notification.status == "firing"
        else _latest(alert.ends_at for alert in notification.alerts)
    )
    return AlertTarget(
        group_key=notification.group_key,
        notification_id=notification_id(notification),
        status=notification.status,
        alertname=_alertname(notification),
        severity=_first_value(label_sets, ("severity",)),
        summary=_first_value(
            [notification.common_annotations, *(alert.annotations for alert in ordered)],
            SUMMARY_ANNOTATIONS,
        ),
        service=_first_value(label_sets, settings.service_labels),
        window=analysis_window(started_at, ended_at, now=now, settings=settings),
        started_at=started_at,
        ended_at=ended_at,
        test=any(labels.get(TEST_LABEL, "").lower() == "true" for labels in label_sets),
        firing_count=len(firing),
        labels=dict(notification.common_labels),
        external_url=notification.external_url,
        generator_url=next((alert.generator_url for alert in ordered if alert.generator_url), ""),
    )


def analysis_window(
    started_at: datetime | None,
    ended_at: datetime | None,
    *,
    now: datetime,
    settings: TargetSettings,
) -> TimeWindow:
    """From `margin` before the alert started to its end (or now), clamped in length."""
    end = ended_at if ended_at is not None and ended_at <= now else now
    if started_at is None or started_at >= end:
        # No start, or a start in the future (clock skew between Prometheus and us).
        return TimeWindow.ending_at(end, settings.min_length)
    length = end - (started_at - settings.margin)
    return TimeWindow.ending_at(end, min(max(length, settings.min_length), settings.max_length))


def notification_id(notification: AlertNotification) -> str:
    """Identity of "this exact notification": group, status and the set of alerts in it.

    Alertmanager resends the same notification when its answer went missing, and two
    Alertmanager peers may both send it; both carry the same id.
    """
    fingerprints = sorted(alert.fingerprint or _fingerprint(alert) for alert in notification.alerts)
    text = "\n".join([notification.group_key, notification.status, *fingerprints])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def thread_key(notification: AlertNotification) -> str:
    """Identity of the card: every notification of one alert group goes to the same thread."""
    return notification.group_key


def _fingerprint(alert: Alert) -> str:
    # Senders that leave `fingerprint` out still give each alert a stable label set.
    pairs = "\n".join(f"{name}={value}" for name, value in sorted(alert.labels.items()))
    return hashlib.sha256(pairs.encode()).hexdigest()[:16]


def _alertname(notification: AlertNotification) -> str:
    common = notification.common_labels.get("alertname")
    if common:
        return common
    names = sorted(
        {
            alert.labels["alertname"]
            for alert in notification.alerts
            if alert.labels.get("alertname")
        }
    )
    if not names:
        return "alert"
    listed = ", ".join(names[:MAX_LISTED_NAMES])
    more = len(names) - MAX_LISTED_NAMES
    return f"{listed} +{more} more" if more > 0 else listed


def _first_value(sets: Iterable[Mapping[str, str]], names: Iterable[str]) -> str | None:
    wanted = tuple(names)
    for labels in sets:
        for name in wanted:
            value = labels.get(name, "").strip()
            if value:
                return value
    return None


def _earliest(moments: Iterable[datetime | None]) -> datetime | None:
    return min((moment for moment in moments if moment is not None), default=None)


def _latest(moments: Iterable[datetime | None]) -> datetime | None:
    return max((moment for moment in moments if moment is not None), default=None)
