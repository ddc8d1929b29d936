"""A small two-service incident as OTLP/JSON documents, timed relative to now.

`frontend` calls `checkout-service`, whose call to Stripe fails with a CardError a few minutes
ago. Around it: a healthy trace in the window, a healthy trace in the baseline half an hour
earlier on the previous checkout version (so a deploy shows), and logs of the failing trace.
Every repository question has a non-empty answer on this data, which makes it the fixture for
comparing stores and transports with each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aisher.window import TimeWindow, datetime_from_ns
from tests.support.otlp_documents import (
    STRIPE_CALL_VALUES,
    dumps,
    exception_event,
    log_record,
    logs_document,
    recent_ns,
    span,
    spans_document,
)

FRONTEND = "frontend"
CHECKOUT = "checkout-service"
FAILING_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
HEALTHY_TRACE_ID = "5c0a3e1b9d2f4a6c8e0b1d3f5a7c9e1b"
BASELINE_TRACE_ID = "6d1b4f2cae30b57d9f1c2e4a6b8d0f2c"
# Spans of the failing trace, root first; the Stripe call is where the error starts.
FRONTEND_ROOT, FRONTEND_CALL, CHECKOUT_ROOT, STRIPE_CALL, ORDERS_QUERY = (
    "a1a1a1a1a1a1a1a1",
    "b2b2b2b2b2b2b2b2",
    "00f067aa0ba902b7",
    "b7ad6b7169203331",
    "c3c3c3c3c3c3c3c3",
)


def _resource(service: str, version: str, host: str) -> Mapping[str, Any]:
    return {
        "service.name": service,
        "service.version": version,
        "deployment.environment": "production",
        "host.name": host,
        "telemetry.sdk.language": "python",
    }


FRONTEND_RESOURCE = _resource(FRONTEND, "2.3.0", "web-1")
CHECKOUT_RESOURCE = _resource(CHECKOUT, "1.4.2", "ip-10-0-1-23")
OLD_CHECKOUT_RESOURCE = _resource(CHECKOUT, "1.4.1", "ip-10-0-1-23")


@dataclass(frozen=True, slots=True)
class Incident:
    """The incident's documents (JSON lines) and the window an analysis would look at."""

    documents: tuple[str, ...]
    window: TimeWindow
    failing_start_ns: int


def checkout_incident() -> Incident:
    """The documents of the incident, failing five minutes ago."""
    failing = recent_ns(5)
    healthy = recent_ns(12)
    baseline = recent_ns(45)
    end_ns = recent_ns(-1)
    documents = [
        spans_document(_frontend_spans(FAILING_TRACE_ID, failing, failed=True), FRONTEND_RESOURCE),
        spans_document(_checkout_spans(FAILING_TRACE_ID, failing, failed=True), CHECKOUT_RESOURCE),
        spans_document(_frontend_spans(HEALTHY_TRACE_ID, healthy), FRONTEND_RESOURCE),
        spans_document(_checkout_spans(HEALTHY_TRACE_ID, healthy), CHECKOUT_RESOURCE),
        spans_document(_frontend_spans(BASELINE_TRACE_ID, baseline), FRONTEND_RESOURCE),
        spans_document(_checkout_spans(BASELINE_TRACE_ID, baseline), OLD_CHECKOUT_RESOURCE),
        logs_document(_checkout_logs(failing), CHECKOUT_RESOURCE),
        logs_document(_frontend_logs(failing), FRONTEND_RESOURCE, scope_name="frontend.http"),
    ]
    window = TimeWindow.ending_at(datetime_from_ns(end_ns), timedelta(minutes=30))
    return Incident(tuple(dumps(document) for document in documents), window, failing)


def _ids(trace_id: str, span_id: str) -> str:
    # The healthy and baseline traces reuse the failing trace's span ids, made unique per trace.
    return span_id if trace_id == FAILING_TRACE_ID else trace_id[:8] + span_id[8:]


def _frontend_spans(trace_id: str, start_ns: int, *, failed: bool = False) -> list[dict[str, Any]]:
    status = 2 if failed else 0
    return [
        span(
            name="GET /checkout",
            start_ns=start_ns,
            duration_ns=400_000_000,
            trace_id=trace_id,
            span_id=_ids(trace_id, FRONTEND_ROOT),
            kind=2,
            status_code=status,
            values={
                "http.request.method": "GET",
                "http.route": "/checkout",
                "http.response.status_code": 500 if failed else 200,
            },
        ),
        span(
            name="POST /api/checkout",
            start_ns=start_ns + 20_000_000,
            duration_ns=320_000_000,
            trace_id=trace_id,
            span_id=_ids(trace_id, FRONTEND_CALL),
            parent_span_id=_ids(trace_id, FRONTEND_ROOT),
            kind=3,
            status_code=status,
            values={
                "http.request.method": "POST",
                "url.full": "http://checkout:8080/api/checkout",
                "server.address": "checkout",
                "http.response.status_code": 500 if failed else 200,
            },
        ),
    ]


def _checkout_spans(trace_id: str, start_ns: int, *, failed: bool = False) -> list[dict[str, Any]]:
    root_start = start_ns + 30_000_000
    spans = [
        span(
            name="POST /api/checkout",
            start_ns=root_start,
            duration_ns=250_000_000,
            trace_id=trace_id,
            span_id=_ids(trace_id, CHECKOUT_ROOT),
            parent_span_id=_ids(trace_id, FRONTEND_CALL),
            kind=2,
            status_code=2 if failed else 0,
            values={
                "http.request.method": "POST",
                "http.route": "/api/checkout",
                "http.response.status_code": 500 if failed else 200,
                "server.port": 8080,
            },
        ),
        span(
            name="SELECT orders",
            start_ns=root_start + 10_000_000,
            duration_ns=8_000_000,
            trace_id=trace_id,
            span_id=_ids(trace_id, ORDERS_QUERY),
            parent_span_id=_ids(trace_id, CHECKOUT_ROOT),
            kind=3,
            values={"db.system": "postgresql", "db.name": "orders", "db.operation": "SELECT"},
        ),
    ]
    if failed:
        spans.append(
            span(
                name="stripe.charges.create",
                start_ns=root_start + 50_000_000,
                duration_ns=180_000_000,
                trace_id=trace_id,
                span_id=STRIPE_CALL,
                parent_span_id=CHECKOUT_ROOT,
                kind=3,
                status_code=2,
                status_message="Your card has expired.",
                flags=256,
                values=STRIPE_CALL_VALUES,
                events=[exception_event(root_start + 229_543_211)],
            )
        )
    return spans


def _checkout_logs(start_ns: int) -> list[dict[str, Any]]:
    return [
        log_record(
            "Payment failed for order 8812: Your card has expired.",
            time_ns=start_ns + 265_000_000,
            trace_id=FAILING_TRACE_ID,
            span_id=STRIPE_CALL,
            values={
                "code.filepath": "/app/payments.py",
                "code.function": "charge_card",
                "order.id": "8812",
                "code.lineno": 87,
                "retry": False,
                "request.body": "x" * 600,  # too long to keep: related_logs drops it
            },
        ),
        log_record(
            "charging card for order 8812",
            time_ns=start_ns + 80_000_000,
            severity_text="",
            severity_number=9,
            trace_id=FAILING_TRACE_ID,
            span_id=STRIPE_CALL,
        ),
        log_record("cache warmed", time_ns=start_ns, severity_text="INFO", severity_number=9),
    ]


def _frontend_logs(start_ns: int) -> list[dict[str, Any]]:
    return [
        log_record(
            "checkout answered 500",
            time_ns=start_ns + 390_000_000,
            severity_text="WARN",
            severity_number=13,
            trace_id=FAILING_TRACE_ID,
            span_id=FRONTEND_ROOT,
            values={"http.route": "/checkout"},
        )
    ]
