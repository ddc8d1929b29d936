"""Stored spans and logs written as OTLP/JSON convert back into the same SigNoz rows."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from aisher.capture.otlp_documents import (
    json_line,
    log_documents,
    number_value,
    span_documents,
)
from aisher.signoz.document_rows import parse_line
from aisher.signoz.rows import ERROR_COLUMNS, LOG_COLUMNS, SPAN_COLUMNS
from aisher.signoz.stored_records import StoredLog, StoredSpan
from aisher.telemetry import ExceptionRecord

START = 1_795_000_000_123_456_789
RESOURCE = MappingProxyType(
    {"service.name": "checkout", "service.version": "1.4.2", "host.name": "ip-10-0-1-23"}
)
CARD_ERROR = ExceptionRecord(
    type="stripe.error.CardError",
    message="Your card has expired.",
    stacktrace="Traceback (most recent call last):\n  ...\n",
    escaped=True,
    group_id="",
    time_ns=START + 100,
)


def stripe_call(span_id: str = "b7ad6b7169203331", start_ns: int = START) -> StoredSpan:
    return StoredSpan(
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
        span_id=span_id,
        parent_span_id="00f067aa0ba902b7",
        name="stripe.charges.create",
        kind=3,
        start_ns=start_ns,
        duration_ns=180_000_000,
        status_code=2,
        status_message="Your card has expired.",
        trace_state="congo=t61rcWkgMzE",
        flags=256,
        attributes=MappingProxyType({"peer.service": "stripe", "url.full": "https://x/v1"}),
        numbers=MappingProxyType({"http.response.status_code": 402.0, "retry.ratio": 0.25}),
        bools=MappingProxyType({"stripe.idempotent_replay": False}),
        resource=RESOURCE,
        exceptions=(CARD_ERROR,),
    )


def rows_of(documents: list[dict[str, object]]) -> tuple[list[dict[str, Any]], ...]:
    spans, errors, logs = [], [], []
    for number, document in enumerate(documents, start=1):
        batch = parse_line(json_line(document), number, received_ns=START)
        spans += [dict(zip(SPAN_COLUMNS, row, strict=True)) for row in batch.spans]
        errors += [dict(zip(ERROR_COLUMNS, row, strict=True)) for row in batch.errors]
        logs += [dict(zip(LOG_COLUMNS, row, strict=True)) for row in batch.logs]
    return spans, errors, logs


class TestSpanDocuments:
    def test_span_converts_back_to_its_row(self) -> None:
        """Ids, times, kind, status, typed attributes, resource, flags and state survive."""
        (row,), _, _ = rows_of(list(span_documents([stripe_call()])))
        assert (row["trace_id"], row["span_id"], row["parent_span_id"]) == (
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "b7ad6b7169203331",
            "00f067aa0ba902b7",
        )
        assert (row["timestamp"], row["duration_nano"]) == (START, 180_000_000)
        assert (row["kind"], row["kind_string"], row["flags"]) == (3, "Client", 256)
        assert (row["status_code"], row["status_message"]) == (2, "Your card has expired.")
        assert row["trace_state"] == "congo=t61rcWkgMzE"
        assert row["attributes_string"] == {"peer.service": "stripe", "url.full": "https://x/v1"}
        assert row["attributes_number"] == {"http.response.status_code": 402.0, "retry.ratio": 0.25}
        assert row["attributes_bool"] == {"stripe.idempotent_replay": False}
        assert row["resources_string"] == dict(RESOURCE)
        assert row["response_status_code"] == "402"

    def test_exceptions_become_exception_events_again(self) -> None:
        """Each error-index exception is an `exception` event, so the error index is rebuilt."""
        (row,), (error,), _ = rows_of(list(span_documents([stripe_call()])))
        assert len(row["events"]) == 1
        assert '"name":"exception"' in row["events"][0]
        assert (error["exceptionType"], error["exceptionMessage"]) == (
            CARD_ERROR.type,
            CARD_ERROR.message,
        )
        assert error["exceptionStacktrace"] == CARD_ERROR.stacktrace
        assert (error["exceptionEscaped"], error["timestamp"]) == (True, CARD_ERROR.time_ns)
        assert error["serviceName"] == "checkout"

    def test_long_resources_split_over_lines(self) -> None:
        """A resource with more spans than fit one line is written over several lines."""
        spans = [stripe_call(f"{index:016x}", START + index) for index in range(1, 1201)]
        documents = list(span_documents(spans, per_document=500))
        assert len(documents) == 3
        assert len(rows_of(documents)[0]) == 1200

    def test_whole_numbers_go_out_as_ints(self) -> None:
        """SigNoz keeps numbers as doubles; whole ones are written as OTLP ints."""
        assert number_value(402.0) == {"intValue": "402"}
        assert number_value(0.25) == {"doubleValue": 0.25}
        assert number_value(1e300) == {"doubleValue": 1e300}


class TestLogDocuments:
    def test_log_converts_back_to_its_row(self) -> None:
        """Times, severity, body, ids, typed attributes, resource and scope survive."""
        log = StoredLog(
            time_ns=START,
            observed_ns=START + 5,
            severity_text="ERROR",
            severity_number=17,
            body="Payment failed for order 8812",
            trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
            span_id="b7ad6b7169203331",
            flags=1,
            attributes=MappingProxyType({"order.id": "8812"}),
            numbers=MappingProxyType({"code.lineno": 87.0}),
            bools=MappingProxyType({"retry": False}),
            resource=RESOURCE,
            scope_name="checkout.payments",
            scope_version="1.0",
            scope_attributes=MappingProxyType({"library": "structlog"}),
        )
        _, _, (row,) = rows_of(list(log_documents([log])))
        assert (row["timestamp"], row["observed_timestamp"]) == (START, START + 5)
        assert (row["severity_text"], row["severity_number"]) == ("ERROR", 17)
        assert row["body"] == "Payment failed for order 8812"
        assert (row["trace_id"], row["span_id"], row["trace_flags"]) == (
            log.trace_id,
            log.span_id,
            1,
        )
        assert row["attributes_string"] == {"order.id": "8812"}
        assert row["attributes_number"] == {"code.lineno": 87.0}
        assert row["attributes_bool"] == {"retry": False}
        assert row["resources_string"] == dict(RESOURCE)
        assert (row["scope_name"], row["scope_version"]) == ("checkout.payments", "1.0")
        assert row["scope_string"] == {"library": "structlog"}

    def test_records_of_one_resource_share_a_document_per_scope(self) -> None:
        """Logs of one resource are one document, their records grouped under each scope."""
        logs = [
            StoredLog(START + i, START + i, "INFO", 9, f"line {i}", scope_name=f"s{i % 2}")
            for i in range(4)
        ]
        (document,) = list(log_documents(logs))
        scopes = document["resourceLogs"][0]["scopeLogs"]
        assert [(s["scope"]["name"], len(s["logRecords"])) for s in scopes] == [
            ("s0", 2),
            ("s1", 2),
        ]
