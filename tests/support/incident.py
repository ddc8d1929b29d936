"""A small hand-made incident with known answers, as OTLP documents relative to now.

frontend → checkout → payment; payment 2.4.0 (deployed in the window, 2.3.1 before) throws
KeyError on POST /charge in six traces; search fails on its own in two (steady noise, also in
the baseline); batch-svc fails alone in one trace that never touches frontend.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from tests.support import otlp_documents as otlp

MINUTE_NS = 60_000_000_000
KEY_ERROR_STACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/payment/app.py", line 41, in charge\n'
    "    currency = body['currency']\n"
    "KeyError: 'currency'\n"
)


def _resource(service: str, version: str) -> dict[str, Any]:
    return {
        "service.name": service,
        "service.version": version,
        "deployment.environment": "production",
        "host.name": f"{service}-7f9c",
    }


@dataclass
class Incident:
    """The documents and the facts the tests check against."""

    now_ns: int
    documents: list[str] = field(default_factory=list)
    failing_frontend_traces: list[str] = field(default_factory=list)
    payment_error_spans: list[tuple[str, str]] = field(default_factory=list)
    batch_trace: str = ""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _trace_id(self) -> str:
        return f"{0xA1500000 + next(self._ids):032x}"

    def _span_id(self) -> str:
        return f"{0x5B000000 + next(self._ids):016x}"

    def add_checkout(self, start_ns: int, *, fail: bool, version: str) -> str:
        trace = self._trace_id()
        root, call, server, stripe = (self._span_id() for _ in range(4))
        frontend = otlp.span(
            name="GET /checkout",
            start_ns=start_ns,
            duration_ns=90_000_000,
            trace_id=trace,
            span_id=root,
            kind=2,
            status_code=2 if fail else 0,
            values={"http.route": "/checkout", "http.response.status_code": 500 if fail else 200},
        )
        checkout = otlp.span(
            name="POST /checkout",
            start_ns=start_ns + 1_000_000,
            duration_ns=80_000_000,
            trace_id=trace,
            span_id=call,
            parent_span_id=root,
            kind=2,
            status_code=2 if fail else 0,
            status_message="payment failed" if fail else "",
        )
        payment_events = [otlp.event("exception", start_ns + 40_000_000, {
            "exception.type": "KeyError", "exception.message": "'currency'",
            "exception.stacktrace": KEY_ERROR_STACK, "exception.escaped": "true",
        })] if fail else []  # fmt: skip
        payment = otlp.span(
            name="POST /charge",
            start_ns=start_ns + 2_000_000,
            duration_ns=40_000_000,
            trace_id=trace,
            span_id=server,
            parent_span_id=call,
            kind=2,
            status_code=2 if fail else 0,
            events=payment_events,
        )
        to_stripe = otlp.span(
            name="stripe.charges.create",
            start_ns=start_ns + 3_000_000,
            duration_ns=20_000_000,
            trace_id=trace,
            span_id=stripe,
            parent_span_id=server,
            kind=3,
            values={"peer.service": "stripe", "server.address": "api.stripe.com"},
        )
        spans = [payment] if fail else [payment, to_stripe]
        self.documents += [
            otlp.dumps(otlp.spans_document([frontend], _resource("frontend", "1.0.0"))),
            otlp.dumps(otlp.spans_document([checkout], _resource("checkout", "3.1.0"))),
            otlp.dumps(otlp.spans_document(spans, _resource("payment", version))),
        ]
        if fail:
            self.failing_frontend_traces.append(trace)
            self.payment_error_spans.append((trace, server))
            log = otlp.log_record(
                f"charge failed for order 88{len(self.payment_error_spans)}: KeyError 'currency'",
                time_ns=start_ns + 41_000_000,
                trace_id=trace,
                span_id=server,
            )
            self.documents.append(
                otlp.dumps(otlp.logs_document([log], _resource("payment", version)))
            )
        return trace

    def add_search_noise(self, start_ns: int) -> str:
        trace = self._trace_id()
        root, search = self._span_id(), self._span_id()
        self.documents += [
            otlp.dumps(otlp.spans_document([otlp.span(
                name="GET /search", start_ns=start_ns, trace_id=trace, span_id=root,
                kind=2, status_code=2)], _resource("frontend", "1.0.0"))),
            otlp.dumps(otlp.spans_document([otlp.span(
                name="GET /q", start_ns=start_ns + 500_000, trace_id=trace, span_id=search,
                parent_span_id=root, kind=2, status_code=2,
                status_message="index shard unavailable")], _resource("search", "5.0.0"))),
        ]  # fmt: skip
        return trace

    def add_batch_failure(self, start_ns: int) -> str:
        trace = self._trace_id()
        rollup = otlp.span(
            name="nightly-rollup",
            start_ns=start_ns,
            trace_id=trace,
            span_id=self._span_id(),
            kind=1,
            status_code=2,
            status_message="disk full",
        )
        self.documents.append(
            otlp.dumps(otlp.spans_document([rollup], _resource("batch-svc", "0.9.0")))
        )
        return trace


def build_incident(now_ns: int) -> Incident:
    """Six payment failures, four good checkouts, two search failures in the last 30 minutes;
    five good checkouts and one search failure in the 30 minutes before."""
    incident = Incident(now_ns=now_ns)
    window_start = now_ns - 30 * MINUTE_NS
    baseline_start = now_ns - 60 * MINUTE_NS
    for i in range(6):
        incident.add_checkout(window_start + (5 + i * 3) * MINUTE_NS, fail=True, version="2.4.0")
    for i in range(4):
        incident.add_checkout(window_start + (6 + i * 3) * MINUTE_NS, fail=False, version="2.4.0")
    incident.add_search_noise(window_start + 8 * MINUTE_NS)
    incident.add_search_noise(window_start + 20 * MINUTE_NS)
    incident.batch_trace = incident.add_batch_failure(window_start + 10 * MINUTE_NS)
    for i in range(5):
        incident.add_checkout(baseline_start + (3 + i * 4) * MINUTE_NS, fail=False, version="2.3.1")
    incident.add_search_noise(baseline_start + 12 * MINUTE_NS)
    return incident
