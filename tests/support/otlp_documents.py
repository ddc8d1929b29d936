"""Build OTLP/JSON documents (the collector's file-exporter shape) for import tests.

Times are relative to now: SigNoz's tables drop rows older than their 15-day TTL at insert.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
ROOT_SPAN_ID = "00f067aa0ba902b7"
CHILD_SPAN_ID = "b7ad6b7169203331"
CHECKOUT_RESOURCE: Mapping[str, Any] = {
    "service.name": "checkout-service",
    "deployment.environment": "production",
    "host.name": "ip-10-0-1-23",
    "telemetry.sdk.language": "python",
    "telemetry.sdk.name": "opentelemetry",
    "telemetry.sdk.version": "1.27.0",
}
CHECKOUT_FINGERPRINT = (
    "service.name=checkout-service;deployment.environment=production;"
    "host.name=ip-10-0-1-23;hash=14998164203933504864"
)
# The attributes of the reference's failing Stripe call (signoz-schema.md §4.1).
STRIPE_CALL_VALUES: Mapping[str, Any] = {
    "http.request.method": "POST",
    "url.full": "https://api.stripe.com/v1/charges",
    "server.address": "api.stripe.com",
    "peer.service": "stripe",
    "http.response.status_code": 402,
    "server.port": 443,
    "stripe.idempotent_replay": False,
}
CARD_ERROR_STACK = (
    "Traceback (most recent call last):\n"
    '  File "/app/payments.py", line 87, in charge_card\n'
    "    stripe.Charge.create(**params)\n"
    "stripe.error.CardError: Your card has expired.\n"
)


def recent_ns(minutes_ago: float = 5.0) -> int:
    """A time a few minutes back, well inside the tables' retention."""
    return time.time_ns() - int(minutes_ago * 60e9)


def any_value(value: Any) -> dict[str, Any]:
    """A Python value as an OTLP AnyValue (ints as strings, as the collector writes them)."""
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, bytes):
        return {"bytesValue": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list):
        return {"arrayValue": {"values": [any_value(item) for item in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": attributes(value)}}
    raise TypeError(f"no AnyValue for {value!r}")


def attributes(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": any_value(value)} for key, value in values.items()]


def event(name: str, time_ns: int, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"timeUnixNano": str(time_ns), "name": name}
    if values:
        result["attributes"] = attributes(values)
    return result


def exception_event(time_ns: int, *, name: str = "exception") -> dict[str, Any]:
    """The Python SDK's exception event for the checkout example's card error."""
    return event(
        name,
        time_ns,
        {
            "exception.type": "stripe.error.CardError",
            "exception.message": "Your card has expired.",
            "exception.stacktrace": CARD_ERROR_STACK,
            "exception.escaped": "False",
        },
    )


def span(
    *,
    name: str,
    start_ns: int,
    duration_ns: int = 1_000_000,
    trace_id: str = TRACE_ID,
    span_id: str = CHILD_SPAN_ID,
    parent_span_id: str = "",
    kind: int = 2,
    status_code: int = 0,
    status_message: str = "",
    values: Mapping[str, Any] | None = None,
    events: Sequence[dict[str, Any]] = (),
    links: Sequence[dict[str, Any]] = (),
    flags: int | None = None,
) -> dict[str, Any]:
    """One span as the file exporter writes it: empty fields left out."""
    result: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": str(start_ns),
        "endTimeUnixNano": str(start_ns + duration_ns),
        "status": {},
    }
    if parent_span_id:
        result["parentSpanId"] = parent_span_id
    if flags is not None:
        result["flags"] = flags
    if values:
        result["attributes"] = attributes(values)
    if events:
        result["events"] = list(events)
    if links:
        result["links"] = list(links)
    if status_code:
        result["status"]["code"] = status_code
    if status_message:
        result["status"]["message"] = status_message
    return result


def spans_document(
    spans: Sequence[dict[str, Any]], resource: Mapping[str, Any] = CHECKOUT_RESOURCE
) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": attributes(resource)},
                "scopeSpans": [
                    {
                        "scope": {"name": "opentelemetry.instrumentation.requests"},
                        "spans": list(spans),
                    }
                ],
            }
        ]
    }


def log_record(
    body: Any,
    *,
    time_ns: int | None,
    observed_ns: int | None = None,
    severity_text: str = "ERROR",
    severity_number: int | str = 17,
    trace_id: str = "",
    span_id: str = "",
    values: Mapping[str, Any] | None = None,
    flags: int | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "severityNumber": severity_number,
        "severityText": severity_text,
        "body": any_value(body),
    }
    if time_ns is not None:
        result["timeUnixNano"] = str(time_ns)
    if observed_ns is not None:
        result["observedTimeUnixNano"] = str(observed_ns)
    if trace_id:
        result["traceId"] = trace_id
    if span_id:
        result["spanId"] = span_id
    if values:
        result["attributes"] = attributes(values)
    if flags is not None:
        result["flags"] = flags
    return result


def logs_document(
    records: Sequence[dict[str, Any]],
    resource: Mapping[str, Any] = CHECKOUT_RESOURCE,
    *,
    scope_name: str = "checkout.payments",
    scope_version: str = "",
) -> dict[str, Any]:
    scope: dict[str, Any] = {"name": scope_name}
    if scope_version:
        scope["version"] = scope_version
    return {
        "resourceLogs": [
            {
                "resource": {"attributes": attributes(resource)},
                "scopeLogs": [{"scope": scope, "logRecords": list(records)}],
            }
        ]
    }


def checkout_trace(start_ns: int) -> dict[str, Any]:
    """The reference's checkout example: a Server root and a failing Client call to Stripe."""
    root = span(
        name="POST /api/checkout",
        start_ns=start_ns,
        duration_ns=250_000_000,
        span_id=ROOT_SPAN_ID,
        kind=2,
        status_code=2,
        values={
            "http.request.method": "POST",
            "http.route": "/api/checkout",
            "url.path": "/api/checkout",
            "url.scheme": "http",
            "server.address": "checkout",
            "http.response.status_code": 500,
            "server.port": 8080,
        },
    )
    child = span(
        name="stripe.charges.create",
        start_ns=start_ns + 50_000_000,
        duration_ns=180_000_000,
        span_id=CHILD_SPAN_ID,
        parent_span_id=ROOT_SPAN_ID,
        kind=3,
        status_code=2,
        status_message="Your card has expired.",
        flags=256,
        values=STRIPE_CALL_VALUES,
        events=[exception_event(start_ns + 229_543_211)],
    )
    return spans_document([root, child])


def dumps(document: Mapping[str, Any]) -> str:
    """One JSON line."""
    return json.dumps(document, separators=(",", ":"))
