"""Realistic Alertmanager and SigNoz webhook payloads, built as dicts for tests to vary."""

from __future__ import annotations

import json
from typing import Any

GROUP_KEY = '{}/{severity="page"}:{alertname="HighErrorRate", service="checkout-svc"}'
ZERO_TIME = "0001-01-01T00:00:00Z"
SIGNOZ_GROUP_KEY = (
    '{}/{ruleId="0196f3a2-7c4e-7d1b-9f5e-2b8c1d0e4a61"}:{alertname="checkout errors"}'
)


def alertmanager_alert(
    *,
    status: str = "firing",
    fingerprint: str = "1a30ba71cca2921f",
    starts_at: str = "2026-11-26T09:58:30.123Z",
    ends_at: str = ZERO_TIME,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": labels
        if labels is not None
        else {
            "alertname": "HighErrorRate",
            "service": "checkout-svc",
            "severity": "page",
            "namespace": "shop",
            "pod": "checkout-7f9c-abc12",
        },
        "annotations": annotations
        if annotations is not None
        else {"summary": "checkout-svc 5xx ratio > 5%", "description": "5xx ratio is 7.3% over 5m"},
        "startsAt": starts_at,
        "endsAt": ends_at,
        "generatorURL": "http://prometheus.example:9090/graph?g0.expr=rate&g0.tab=1",
        "fingerprint": fingerprint,
    }


def alertmanager_payload(
    *,
    status: str = "firing",
    group_key: str = GROUP_KEY,
    alerts: list[dict[str, Any]] | None = None,
    common_labels: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A v4 notification like Alertmanager 0.34 sends, including keys Aisher ignores."""
    payload: dict[str, Any] = {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "aisher",
        "groupLabels": {"alertname": "HighErrorRate", "service": "checkout-svc"},
        "commonLabels": common_labels
        if common_labels is not None
        else {
            "alertname": "HighErrorRate",
            "service": "checkout-svc",
            "severity": "page",
            "namespace": "shop",
        },
        "commonAnnotations": {
            "summary": "checkout-svc 5xx ratio > 5%",
            "runbook_url": "https://runbooks.example/checkout",
        },
        "externalURL": "http://alertmanager.example:9093",
        "alerts": alerts if alerts is not None else [alertmanager_alert(status=status)],
        "notification_reason": "new_alerts",
        "routeLabels": {"team": "shop"},
    }
    payload.update(extra)
    return payload


def signoz_payload(*, test: bool = False) -> dict[str, Any]:
    """A notification from SigNoz's webhook channel: the same envelope, SigNoz's labels."""
    labels = {
        "alertname": "checkout errors",
        "ruleId": "0196f3a2-7c4e-7d1b-9f5e-2b8c1d0e4a61",
        "ruleSource": "https://signoz.example/alerts/edit?ruleId=0196f3a2",
        "severity": "critical",
        "service_name": "checkout-svc",
        "threshold.name": "critical",
    }
    if test:
        labels["testalert"] = "true"
    return {
        "receiver": "aisher-webhook",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {
                    "summary": "The error rate of checkout-svc is above 5%",
                    "description": "current value 7.3, threshold 5",
                    "related_traces": "https://signoz.example/traces-explorer?q=checkout",
                    "value": "7.3",
                },
                "startsAt": "2026-11-26T09:58:00Z",
                "endsAt": ZERO_TIME,
                "generatorURL": "https://signoz.example/alerts/edit?ruleId=0196f3a2",
                "fingerprint": "9f1c0e7b2a4d6e81",
            }
        ],
        "groupLabels": {"alertname": "checkout errors"},
        "commonLabels": labels,
        "commonAnnotations": {"summary": "The error rate of checkout-svc is above 5%"},
        "externalURL": "https://signoz.example",
        "version": "4",
        "groupKey": SIGNOZ_GROUP_KEY,
        "truncatedAlerts": 0,
    }


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()
