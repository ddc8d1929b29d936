"""From a notification to the service, window and identities to act on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aisher.alerts.payload import AlertNotification, parse_alert_payload
from aisher.alerts.target import (
    TargetSettings,
    alert_target,
    analysis_window,
    notification_id,
    thread_key,
)
from aisher.config import AlertSettings
from tests.alerts.payloads import (
    GROUP_KEY,
    alertmanager_alert,
    alertmanager_payload,
    body,
    signoz_payload,
)

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)


def parse(payload: dict[str, object]) -> AlertNotification:
    return parse_alert_payload(body(payload))


def alert_labels(**labels: str) -> dict[str, str]:
    return {"alertname": "HighErrorRate", **labels}


class TestServiceLookup:
    def test_common_label_wins(self) -> None:
        """The service comes from commonLabels when they have it."""
        target = alert_target(parse(alertmanager_payload()), now=NOW)
        assert target.service == "checkout-svc"

    def test_label_order_is_respected(self) -> None:
        """`service` is preferred over `job` even when `job` is listed first in the labels."""
        common = {"job": "kubernetes-pods", "service": "checkout-svc"}
        target = alert_target(parse(alertmanager_payload(common_labels=common)), now=NOW)
        assert target.service == "checkout-svc"

    def test_falls_back_to_alert_labels_firing_first(self) -> None:
        """Without a common service label, the first firing alert's label is used."""
        alerts = [
            alertmanager_alert(
                status="resolved", fingerprint="a", labels=alert_labels(service="old-svc")
            ),
            alertmanager_alert(fingerprint="b", labels=alert_labels(service_name="payment-svc")),
        ]
        payload = alertmanager_payload(alerts=alerts, common_labels={"alertname": "HighErrorRate"})
        assert alert_target(parse(payload), now=NOW).service == "payment-svc"

    def test_signoz_service_name(self) -> None:
        """SigNoz's `service_name` label names the service."""
        assert alert_target(parse(signoz_payload()), now=NOW).service == "checkout-svc"

    def test_configurable_labels(self) -> None:
        """Only the configured label names are looked at, in their order."""
        common = {"alertname": "X", "service": "ignored", "component": "cart"}
        settings = TargetSettings(service_labels=("component",))
        payload = alertmanager_payload(common_labels=common)
        assert alert_target(parse(payload), now=NOW, settings=settings).service == "cart"

    def test_blank_values_are_skipped_and_none_found(self) -> None:
        """A blank label is no service; with none found the service is None."""
        alerts = [alertmanager_alert(labels=alert_labels(service="  "))]
        payload = alertmanager_payload(alerts=alerts, common_labels={"alertname": "X"})
        assert alert_target(parse(payload), now=NOW).service is None


class TestWindow:
    def test_window_starts_a_margin_before_the_earliest_firing_alert(self) -> None:
        """Two firing alerts: the window opens 5 minutes before the earlier one."""
        alerts = [
            alertmanager_alert(fingerprint="a", starts_at="2026-11-26T10:10:00Z"),
            alertmanager_alert(fingerprint="b", starts_at="2026-11-26T10:00:00Z"),
        ]
        target = alert_target(parse(alertmanager_payload(alerts=alerts)), now=NOW)
        assert target.window.start == datetime(2026, 11, 26, 9, 55, tzinfo=UTC)
        assert target.window.end == NOW
        assert target.started_at == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

    def test_short_alert_gets_the_minimum(self) -> None:
        """An alert that started a minute ago (with margin) still gets the minimum length."""
        settings = TargetSettings(margin=timedelta(0), min_length=timedelta(minutes=10))
        window = analysis_window(NOW - timedelta(minutes=1), None, now=NOW, settings=settings)
        assert window.length == timedelta(minutes=10)

    def test_long_alert_is_capped(self) -> None:
        """An alert firing for three days is analysed over the last 24 hours."""
        window = analysis_window(NOW - timedelta(days=3), None, now=NOW, settings=TargetSettings())
        assert window.length == timedelta(hours=24)
        assert window.end == NOW

    def test_future_or_missing_start_gets_the_minimum_ending_now(self) -> None:
        """Clock skew (a start after now) or no start at all: the minimum window up to now."""
        settings = TargetSettings()
        for start in (NOW + timedelta(minutes=3), None):
            window = analysis_window(start, None, now=NOW, settings=settings)
            assert (window.end, window.length) == (NOW, settings.min_length)

    def test_resolved_window_ends_when_the_alert_ended(self) -> None:
        """A resolved notification's window ends at the latest endsAt."""
        alert = alertmanager_alert(
            status="resolved", starts_at="2026-11-26T10:00:00Z", ends_at="2026-11-26T10:20:00Z"
        )
        target = alert_target(
            parse(alertmanager_payload(status="resolved", alerts=[alert])), now=NOW
        )
        assert target.ended_at == datetime(2026, 11, 26, 10, 20, tzinfo=UTC)
        assert target.window.end == target.ended_at
        assert target.window.start == datetime(2026, 11, 26, 9, 55, tzinfo=UTC)

    def test_settings_are_checked(self) -> None:
        """A minimum above the maximum or a negative margin is refused."""
        with pytest.raises(ValueError, match="min_length"):
            TargetSettings(min_length=timedelta(hours=2), max_length=timedelta(hours=1))
        with pytest.raises(ValueError, match="margin"):
            TargetSettings(margin=timedelta(minutes=-1))

    def test_settings_come_from_the_alert_settings(self) -> None:
        """Labels and margin are the configured ones; unset, they are `AlertSettings`' defaults."""
        configured = AlertSettings(service_labels=("component",), window_margin_m=12)
        settings = TargetSettings.from_settings(configured)
        assert (settings.service_labels, settings.margin) == (("component",), timedelta(minutes=12))
        assert TargetSettings() == TargetSettings.from_settings(AlertSettings())


class TestCardFacts:
    def test_name_severity_summary_and_links(self) -> None:
        """Alert name, severity, summary and links come from the notification."""
        target = alert_target(parse(alertmanager_payload()), now=NOW)
        assert (target.alertname, target.severity) == ("HighErrorRate", "page")
        assert target.summary == "checkout-svc 5xx ratio > 5%"
        assert target.external_url == "http://alertmanager.example:9093"
        assert target.generator_url.startswith("http://prometheus.example:9090/")
        assert target.firing_count == 1
        assert target.labels["namespace"] == "shop"

    def test_mixed_alert_names_are_listed(self) -> None:
        """A group of different alerts lists their names, the rest counted."""
        alerts = [
            alertmanager_alert(fingerprint=str(index), labels={"alertname": name})
            for index, name in enumerate(["B", "A", "D", "C", "A"])
        ]
        payload = alertmanager_payload(alerts=alerts, common_labels={})
        assert alert_target(parse(payload), now=NOW).alertname == "A, B, C +1 more"

    def test_summary_falls_back_to_alert_description(self) -> None:
        """Without a summary anywhere, the description is used."""
        alerts = [alertmanager_alert(annotations={"description": "5xx at 7%"})]
        payload = alertmanager_payload(alerts=alerts, commonAnnotations={})
        assert alert_target(parse(payload), now=NOW).summary == "5xx at 7%"

    def test_signoz_test_notification_is_flagged(self) -> None:
        """`testalert="true"` marks SigNoz's test notifications; real ones are not marked."""
        assert alert_target(parse(signoz_payload(test=True)), now=NOW).test
        assert not alert_target(parse(signoz_payload()), now=NOW).test


class TestIdentities:
    def test_same_alerts_in_another_order_share_the_id(self) -> None:
        """The notification id ignores the order of alerts."""
        one = [alertmanager_alert(fingerprint="a"), alertmanager_alert(fingerprint="b")]
        first = parse(alertmanager_payload(alerts=one))
        second = parse(alertmanager_payload(alerts=list(reversed(one))))
        assert notification_id(first) == notification_id(second)

    def test_status_and_alert_set_change_the_id(self) -> None:
        """Another status, or another set of alerts, is another notification."""
        base = parse(alertmanager_payload())
        resolved = parse(
            alertmanager_payload(status="resolved", alerts=[alertmanager_alert(status="resolved")])
        )
        grown = parse(
            alertmanager_payload(
                alerts=[alertmanager_alert(), alertmanager_alert(fingerprint="ffff")]
            )
        )
        ids = {notification_id(base), notification_id(resolved), notification_id(grown)}
        assert len(ids) == 3

    def test_missing_fingerprints_fall_back_to_labels(self) -> None:
        """Senders without fingerprints still get distinct ids per label set."""
        one = parse(alertmanager_payload(alerts=[alertmanager_alert(fingerprint="")]))
        other_labels = alertmanager_alert(fingerprint="", labels=alert_labels(pod="p2"))
        two = parse(alertmanager_payload(alerts=[other_labels]))
        assert notification_id(one) != notification_id(two)
        assert notification_id(one) == notification_id(
            parse(alertmanager_payload(alerts=[alertmanager_alert(fingerprint="")]))
        )

    def test_thread_key_is_the_group_key(self) -> None:
        """Every notification of a group maps to the same thread."""
        assert thread_key(parse(alertmanager_payload())) == GROUP_KEY
