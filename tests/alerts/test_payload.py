"""The Alertmanager v4 / SigNoz webhook payload parser."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from aisher.alerts.payload import (
    AlertNotification,
    InvalidPayload,
    MalformedPayload,
    parse_alert_payload,
)
from aisher.errors import InputError
from tests.alerts.payloads import (
    GROUP_KEY,
    alertmanager_alert,
    alertmanager_payload,
    body,
    signoz_payload,
)


def invalid(payload: object) -> InvalidPayload:
    with pytest.raises(InvalidPayload) as caught:
        parse_alert_payload(json.dumps(payload).encode())
    return caught.value


class TestParseAlertPayload:
    def test_alertmanager_payload_is_read_whole(self) -> None:
        """Every field Aisher uses is read from an Alertmanager 0.34 notification."""
        notification = parse_alert_payload(body(alertmanager_payload()))
        assert notification.group_key == GROUP_KEY
        assert notification.status == "firing"
        assert notification.receiver == "aisher"
        assert notification.common_labels["service"] == "checkout-svc"
        assert notification.common_annotations["runbook_url"] == "https://runbooks.example/checkout"
        assert notification.external_url == "http://alertmanager.example:9093"
        alert = notification.alerts[0]
        assert alert.fingerprint == "1a30ba71cca2921f"
        assert alert.starts_at == datetime(2026, 11, 26, 9, 58, 30, 123000, tzinfo=UTC)
        assert alert.generator_url.startswith("http://prometheus.example:9090/")

    def test_signoz_payload_parses(self) -> None:
        """SigNoz's webhook channel sends the same envelope with its own labels."""
        notification = parse_alert_payload(body(signoz_payload()))
        assert notification.alerts[0].labels["service_name"] == "checkout-svc"
        assert notification.alerts[0].annotations["related_traces"].startswith("https://")

    def test_zero_time_means_unset(self) -> None:
        """Go's zero time in endsAt (or startsAt) becomes None."""
        payload = alertmanager_payload(
            alerts=[alertmanager_alert(starts_at="0001-01-01T00:00:00Z")]
        )
        alert = parse_alert_payload(body(payload)).alerts[0]
        assert alert.ends_at is None
        assert alert.starts_at is None

    def test_times_are_utc_and_nanoseconds_are_cut(self) -> None:
        """Offsets are converted to UTC; Go's nanosecond fractions are read to the microsecond."""
        payload = alertmanager_payload(
            alerts=[alertmanager_alert(starts_at="2026-11-26T10:58:30.123456789+01:00")]
        )
        starts_at = parse_alert_payload(body(payload)).alerts[0].starts_at
        assert starts_at == datetime(2026, 11, 26, 9, 58, 30, 123456, tzinfo=UTC)
        assert starts_at is not None
        assert starts_at.utcoffset() is not None

    def test_unknown_keys_are_ignored(self) -> None:
        """Keys newer Alertmanagers add, at any level, do not break parsing."""
        alert = alertmanager_alert() | {"silencedBy": [], "future": {"x": 1}}
        payload = alertmanager_payload(alerts=[alert], brandNew=True)
        assert parse_alert_payload(body(payload)).alerts[0].fingerprint == "1a30ba71cca2921f"

    def test_null_maps_are_empty(self) -> None:
        """A nil Go map sent as null counts as no labels or annotations."""
        alert = alertmanager_alert() | {"annotations": None}
        payload = alertmanager_payload(alerts=[alert], groupLabels=None, commonAnnotations=None)
        notification = parse_alert_payload(body(payload))
        assert notification.group_labels == {}
        assert notification.common_annotations == {}
        assert notification.alerts[0].annotations == {}

    def test_optional_envelope_keys_default(self) -> None:
        """A minimal sender (no version, receiver, URLs) is accepted."""
        minimal = {"groupKey": "g", "status": "resolved", "alerts": [{"status": "resolved"}]}
        notification = parse_alert_payload(json.dumps(minimal))
        assert notification.version == "4"
        assert notification.alerts[0].labels == {}

    def test_round_trips_through_job_json(self) -> None:
        """The JSON form a job carries parses back to the same notification."""
        notification = parse_alert_payload(body(alertmanager_payload()))
        again = AlertNotification.model_validate(json.loads(json.dumps(notification.to_json())))
        assert again == notification

    def test_malformed_json_is_its_own_error(self) -> None:
        """A body that is not JSON raises MalformedPayload, an input error."""
        with pytest.raises(MalformedPayload, match="not valid JSON") as caught:
            parse_alert_payload(b'{"version": "4", ')
        assert isinstance(caught.value, InputError)

    def test_non_utf8_body_is_malformed(self) -> None:
        """Bytes that are not UTF-8 are malformed JSON, not a crash."""
        with pytest.raises(MalformedPayload):
            parse_alert_payload(b"\xff\xfe{}")

    def test_not_an_object(self) -> None:
        """A JSON array is refused as off-schema."""
        assert "Input should be an object" in str(invalid([1, 2]))

    def test_label_of_wrong_type_names_the_field(self) -> None:
        """A numeric label value is refused, with the path to it."""
        alert = alertmanager_alert(labels={"alertname": "X", "replicas": 3})  # type: ignore[dict-item]
        error = invalid(alertmanager_payload(alerts=[alert]))
        assert error.field == "alerts[0].labels.replicas"
        assert "alerts[0].labels.replicas: Input should be a valid string" in str(error)

    def test_numeric_timestamp_is_refused(self) -> None:
        """startsAt must be an RFC 3339 string, not epoch seconds."""
        alert = alertmanager_alert() | {"startsAt": 1764151110}
        error = invalid(alertmanager_payload(alerts=[alert]))
        assert error.field == "alerts[0].startsAt"
        assert "RFC 3339" in str(error)

    def test_naive_timestamp_is_refused(self) -> None:
        """A timestamp without an offset is ambiguous and refused."""
        alert = alertmanager_alert(starts_at="2026-11-26T09:58:30")
        assert invalid(alertmanager_payload(alerts=[alert])).field == "alerts[0].startsAt"

    def test_bad_status_and_missing_group_key(self) -> None:
        """Several problems are listed, each with its field."""
        payload = alertmanager_payload(status="pending")
        del payload["groupKey"]
        message = str(invalid(payload))
        assert "groupKey: required" in message
        assert "status: Input should be 'firing' or 'resolved'" in message

    def test_other_version_is_refused(self) -> None:
        """Only the v4 payload is understood, and the error says so."""
        error = invalid(alertmanager_payload(version="3"))
        assert error.field == "version"
        assert "only version '4'" in str(error)

    def test_empty_alert_list_is_refused(self) -> None:
        """A notification must carry at least one alert."""
        assert invalid(alertmanager_payload(alerts=[])).field == "alerts"

    def test_truncated_alerts_must_be_an_integer(self) -> None:
        """truncatedAlerts as a string is a type error, not coerced."""
        assert invalid(alertmanager_payload(truncatedAlerts="2")).field == "truncatedAlerts"

    def test_long_error_lists_are_summarised(self) -> None:
        """Past three problems the message counts the rest."""
        alerts = [{"status": "bogus"} for _ in range(5)]
        assert "(and 2 more)" in str(invalid(alertmanager_payload(alerts=alerts)))
