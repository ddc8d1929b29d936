"""The OTLP/JSON lines are what the collector's file exporter writes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from aisher.demo import FaultKind, Scenario

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
DECIMAL = re.compile(r"^\d+$")
VALUE_KEYS = {"stringValue", "intValue", "doubleValue", "boolValue"}

Json = dict[str, Any]


def documents(scenario: Scenario) -> list[Json]:
    return [json.loads(line) for line in scenario.otlp_lines]


def spans_of(docs: list[Json]) -> Iterator[tuple[Json, Json, Json]]:
    """(resource, scope, span) for every span of every document."""
    for doc in docs:
        for resource_spans in doc.get("resourceSpans", []):
            for scope_spans in resource_spans["scopeSpans"]:
                for span in scope_spans["spans"]:
                    yield resource_spans["resource"], scope_spans["scope"], span


def logs_of(docs: list[Json]) -> Iterator[tuple[Json, Json]]:
    for doc in docs:
        for resource_logs in doc.get("resourceLogs", []):
            for scope_logs in resource_logs["scopeLogs"]:
                for record in scope_logs["logRecords"]:
                    yield resource_logs["resource"], record


def check_attributes(attributes: list[Json]) -> dict[str, Any]:
    """Every attribute is a KeyValue whose value is exactly one typed AnyValue."""
    out: dict[str, Any] = {}
    for item in attributes:
        assert set(item) == {"key", "value"}
        assert isinstance(item["key"], str)
        (kind, value), *rest = item["value"].items()
        assert not rest
        assert kind in VALUE_KEYS
        if kind == "intValue":
            assert isinstance(value, str)
            assert re.fullmatch(r"-?\d+", value)
        elif kind == "stringValue":
            assert isinstance(value, str)
        elif kind == "boolValue":
            assert isinstance(value, bool)
        else:
            assert isinstance(value, float)
        out[item["key"]] = value
    return out


@pytest.fixture(scope="module")
def docs(scenarios: dict[FaultKind, Scenario]) -> list[Json]:
    return documents(scenarios[FaultKind.DB_POOL_EXHAUSTION])


class TestOtlpDocuments:
    def test_every_line_is_one_spans_or_logs_document(self, docs: list[Json]) -> None:
        """Each line is a JSON object holding `resourceSpans` or `resourceLogs`, never both."""
        assert docs
        for doc in docs:
            assert len(doc) == 1
            assert set(doc) <= {"resourceSpans", "resourceLogs"}

    def test_ids_are_lowercase_hex(self, docs: list[Json]) -> None:
        """Trace ids are 32 hex characters, span ids 16; roots have no parent id."""
        roots = 0
        for _, _, span in spans_of(docs):
            assert HEX32.match(span["traceId"])
            assert HEX16.match(span["spanId"])
            if "parentSpanId" in span:
                assert HEX16.match(span["parentSpanId"])
            else:
                roots += 1
        assert roots > 0

    def test_kinds_and_times(self, docs: list[Json]) -> None:
        """Kinds are OTLP integers 1–5; times are decimal strings of Unix nanoseconds."""
        kinds = set()
        for _, _, span in spans_of(docs):
            kinds.add(span["kind"])
            assert DECIMAL.match(span["startTimeUnixNano"])
            assert DECIMAL.match(span["endTimeUnixNano"])
            assert int(span["endTimeUnixNano"]) >= int(span["startTimeUnixNano"])
        assert kinds == {1, 2, 3, 4, 5}

    def test_every_attribute_is_a_typed_any_value(self, docs: list[Json]) -> None:
        """Span, event, resource and log attributes are all typed KeyValues."""
        for resource, scope, span in spans_of(docs):
            check_attributes(resource["attributes"])
            check_attributes(span["attributes"])
            assert scope["name"]
            for event in span.get("events", []):
                check_attributes(event["attributes"])
        for resource, record in logs_of(docs):
            check_attributes(resource["attributes"])
            check_attributes(record["attributes"])

    def test_numbers_stay_numbers(self, docs: list[Json]) -> None:
        """Ports and status codes are intValues, as instrumentation sends them."""
        seen = set()
        for _, _, span in spans_of(docs):
            for item in span["attributes"]:
                if item["key"] in ("server.port", "http.response.status_code"):
                    assert "intValue" in item["value"]
                    seen.add(item["key"])
        assert seen == {"server.port", "http.response.status_code"}

    def test_errors_have_status_and_exception_events(self, docs: list[Json]) -> None:
        """Error spans carry status code 2; exception events carry the four exception keys."""
        errors = events = 0
        for _, _, span in spans_of(docs):
            status = span["status"]
            assert status.get("code", 0) in (0, 1, 2)
            errors += status.get("code") == 2
            for event in span.get("events", []):
                events += 1
                assert event["name"] == "exception"
                assert DECIMAL.match(event["timeUnixNano"])
                values = check_attributes(event["attributes"])
                assert set(values) == {
                    "exception.type",
                    "exception.message",
                    "exception.stacktrace",
                    "exception.escaped",
                }
                assert isinstance(values["exception.escaped"], bool)
        assert errors > 0
        assert events > 0

    def test_resources_name_the_pod(self, docs: list[Json]) -> None:
        """Every resource names service, version, environment, host, pod and SDK language."""
        required = {
            "service.name",
            "service.version",
            "deployment.environment",
            "host.name",
            "k8s.pod.name",
            "telemetry.sdk.language",
        }
        for resource, _, _ in spans_of(docs):
            values = check_attributes(resource["attributes"])
            assert required <= set(values)
            assert values["k8s.pod.name"].startswith(values["service.name"] + "-")

    def test_log_records(self, docs: list[Json]) -> None:
        """Log records have severity text and number, a string body, and trace context."""
        severities = set()
        for _, record in logs_of(docs):
            severities.add((record["severityText"], record["severityNumber"]))
            assert isinstance(record["body"]["stringValue"], str)
            assert DECIMAL.match(record["timeUnixNano"])
            if "traceId" in record:
                assert HEX32.match(record["traceId"])
                assert HEX16.match(record["spanId"])
        assert {("INFO", 9), ("WARN", 13), ("ERROR", 17)} <= severities

    def test_documents_hold_the_same_spans_as_the_records(
        self, scenarios: dict[FaultKind, Scenario], docs: list[Json]
    ) -> None:
        """The OTLP lines and `Scenario.spans`/`logs` describe the same telemetry."""
        scenario = scenarios[FaultKind.DB_POOL_EXHAUSTION]
        span_ids = [span["spanId"] for _, _, span in spans_of(docs)]
        assert sorted(span_ids) == sorted(span.span_id for span in scenario.spans)
        assert len(list(logs_of(docs))) == len(scenario.logs)

    def test_semantic_convention_attributes(self, docs: list[Json]) -> None:
        """Client, database, RPC and messaging spans carry their semantic-convention keys."""
        keys: set[str] = set()
        for _, _, span in spans_of(docs):
            keys |= {item["key"] for item in span["attributes"]}
        assert {
            "peer.service",
            "server.address",
            "server.port",
            "db.system",
            "db.statement",
            "http.request.method",
            "http.route",
            "url.full",
            "http.response.status_code",
            "rpc.system",
            "rpc.service",
            "rpc.method",
            "messaging.system",
        } <= keys
