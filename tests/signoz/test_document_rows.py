"""OTLP/JSON documents become the rows SigNoz's exporter would write."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from aisher.errors import InputError, OtlpFormatError
from aisher.signoz.document_rows import (
    ERROR_COLUMNS,
    LOG_COLUMNS,
    RESOURCE_COLUMNS,
    SPAN_COLUMNS,
    SigNozBatch,
    convert_document,
    parse_line,
)
from aisher.signoz.fingerprint import error_group_id
from aisher.signoz.ksuid import ksuid_seconds
from aisher.signoz.rows import Row
from tests.support.otlp_documents import (
    CARD_ERROR_STACK,
    CHECKOUT_FINGERPRINT,
    CHECKOUT_RESOURCE,
    CHILD_SPAN_ID,
    ROOT_SPAN_ID,
    TRACE_ID,
    checkout_trace,
    dumps,
    event,
    exception_event,
    log_record,
    logs_document,
    span,
    spans_document,
)

START_NS = 1_747_948_619_123_456_789  # conversion is pure; TTLs only matter on insert
RESOURCES_STRING = dict(CHECKOUT_RESOURCE)


def convert(document: dict[str, Any], **options: Any) -> SigNozBatch:
    return parse_line(dumps(document), 1, **options)


def as_dicts(columns: tuple[str, ...], rows: tuple[Row, ...]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def one_span(document: dict[str, Any]) -> dict[str, Any]:
    (row,) = as_dicts(SPAN_COLUMNS, convert(document).spans)
    return row


class TestSpanRow:
    def test_client_span_columns_match_the_reference_row(self) -> None:
        """The checkout Client span yields every exporter column of reference §4.1."""
        batch = convert(checkout_trace(START_NS))
        child = as_dicts(SPAN_COLUMNS, batch.spans)[1]
        assert child == {
            "ts_bucket_start": 1_747_947_600,
            "resource_fingerprint": CHECKOUT_FINGERPRINT,
            "timestamp": START_NS + 50_000_000,
            "trace_id": TRACE_ID,
            "span_id": CHILD_SPAN_ID,
            "trace_state": "",
            "parent_span_id": ROOT_SPAN_ID,
            "flags": 256,
            "name": "stripe.charges.create",
            "kind": 3,
            "kind_string": "Client",
            "duration_nano": 180_000_000,
            "status_code": 2,
            "status_message": "Your card has expired.",
            "status_code_string": "Error",
            "attributes_string": {
                "http.request.method": "POST",
                "url.full": "https://api.stripe.com/v1/charges",
                "server.address": "api.stripe.com",
                "peer.service": "stripe",
            },
            "attributes_number": {"http.response.status_code": 402.0, "server.port": 443.0},
            "attributes_bool": {"stripe.idempotent_replay": False},
            "resources_string": RESOURCES_STRING,
            "events": [
                '{"name":"exception","timeUnixNano":1747948619353000000,"attributeMap":'
                '{"exception.escaped":"False","exception.message":"Your card has expired.",'
                '"exception.stacktrace":'
                + json.dumps(CARD_ERROR_STACK)
                + ',"exception.type":"stripe.error.CardError"},"isError":true}'
            ],
            "links": f'[{{"traceId":"{TRACE_ID}","spanId":"{ROOT_SPAN_ID}","refType":"CHILD_OF"}}]',
            "response_status_code": "402",
            "external_http_url": "api.stripe.com",
            "http_url": "https://api.stripe.com/v1/charges",
            "external_http_method": "POST",
            "http_method": "POST",
            "http_host": "api.stripe.com",
            "db_name": "",
            "db_operation": "",
            "has_error": True,
            "is_remote": "no",
        }

    def test_server_root_differs_as_documented(self) -> None:
        """The Server root has no external_* columns, an empty parent and a CHILD_OF link."""
        root = as_dicts(SPAN_COLUMNS, convert(checkout_trace(START_NS)).spans)[0]
        assert root["parent_span_id"] == ""
        assert (root["kind"], root["kind_string"]) == (2, "Server")
        assert root["links"] == f'[{{"traceId":"{TRACE_ID}","refType":"CHILD_OF"}}]'
        assert (root["response_status_code"], root["http_method"]) == ("500", "POST")
        assert (root["http_host"], root["http_url"]) == ("checkout", "")
        assert (root["external_http_url"], root["external_http_method"]) == ("", "")
        assert root["events"] == []
        assert root["is_remote"] == "unknown"

    @pytest.mark.parametrize(
        ("code", "name", "has_error"), [(0, "Unset", False), (1, "Ok", False), (2, "Error", True)]
    )
    def test_has_error_follows_status_code_only(
        self, code: int, name: str, has_error: bool
    ) -> None:
        """has_error is true iff status code is 2, whatever the events say."""
        row = one_span(
            spans_document(
                [span(name="x", start_ns=START_NS, status_code=code, events=[exception_event(1)])]
            )
        )
        assert row["status_code"] == code
        assert row["status_code_string"] == name
        assert row["has_error"] is has_error

    @pytest.mark.parametrize(("flags", "remote"), [(0, "unknown"), (0x101, "no"), (0x301, "yes")])
    def test_is_remote_from_flags(self, flags: int, remote: str) -> None:
        """The 0x100 bit says whether is-remote is known, 0x200 whether it is remote."""
        row = one_span(spans_document([span(name="x", start_ns=START_NS, flags=flags)]))
        assert row["is_remote"] == remote

    def test_enums_by_name_and_times_as_integers(self) -> None:
        """Kind and status given by protobuf name and times as JSON numbers decode alike."""
        item = span(name="x", start_ns=START_NS, duration_ns=7)
        item.update(
            kind="SPAN_KIND_CONSUMER",
            status={"code": "STATUS_CODE_ERROR"},
            startTimeUnixNano=START_NS,
            endTimeUnixNano=START_NS + 7,
        )
        row = one_span(spans_document([item]))
        assert (row["kind"], row["kind_string"], row["status_code"]) == (5, "Consumer", 2)
        assert (row["timestamp"], row["duration_nano"]) == (START_NS, 7)

    def test_base64_ids_equal_hex_ids(self) -> None:
        """Protobuf-JSON base64 ids decode to the same lowercase hex as the exporter's hex."""
        item = span(name="x", start_ns=START_NS)
        item.update(
            traceId=base64.b64encode(bytes.fromhex(TRACE_ID)).decode(),
            spanId=base64.urlsafe_b64encode(bytes.fromhex(CHILD_SPAN_ID)).decode().rstrip("="),
            parentSpanId=ROOT_SPAN_ID.upper(),
        )
        row = one_span(spans_document([item]))
        assert (row["trace_id"], row["span_id"], row["parent_span_id"]) == (
            TRACE_ID,
            CHILD_SPAN_ID,
            ROOT_SPAN_ID,
        )

    def test_all_zero_parent_is_a_root(self) -> None:
        """An all-zero parent id means no parent, written as ''."""
        row = one_span(spans_document([span(name="x", start_ns=START_NS, parent_span_id="0" * 16)]))
        assert row["parent_span_id"] == ""


class TestDerivedColumns:
    def test_external_columns_only_for_client_spans(self) -> None:
        """A Server span with url.full and a method sets http_* but no external_*."""
        values = {"url.full": "https://a.example/x", "http.request.method": "GET"}
        row = one_span(spans_document([span(name="x", start_ns=START_NS, kind=2, values=values)]))
        assert (row["http_url"], row["http_method"], row["http_host"]) == (
            "https://a.example/x",
            "GET",
            "",
        )
        assert (row["external_http_url"], row["external_http_method"]) == ("", "")

    def test_client_url_host_keeps_case_and_drops_port_and_user(self) -> None:
        """The external host is the URL's host name, as Go's url.Hostname gives it."""
        values = {"http.url": "http://user@API.Example.com:8443/v1", "http.method": "PUT"}
        row = one_span(spans_document([span(name="x", start_ns=START_NS, kind=3, values=values)]))
        assert (row["external_http_url"], row["http_host"]) == (
            "API.Example.com",
            "API.Example.com",
        )
        assert row["external_http_method"] == "PUT"

    def test_later_host_attribute_overrides_the_url_host(self) -> None:
        """Attributes apply in order: a host attribute after the URL replaces its host."""
        values = {"url.full": "https://a.example/x", "net.peer.name": "b.example"}
        row = one_span(spans_document([span(name="x", start_ns=START_NS, kind=3, values=values)]))
        assert (row["external_http_url"], row["http_host"]) == ("a.example", "b.example")

    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            ({"http.status_code": "404"}, "404"),
            ({"http.response.status_code": 503}, "503"),
            ({"rpc.grpc.status_code": 14}, "14"),
            ({"http.status_code": "oops"}, "0"),
            ({"rpc.jsonrpc.error_code": "-32600"}, "-32600"),
        ],
    )
    def test_response_status_code(self, values: dict[str, Any], expected: str) -> None:
        """Status codes given as strings or ints become the exporter's text."""
        row = one_span(spans_document([span(name="x", start_ns=START_NS, values=values)]))
        assert row["response_status_code"] == expected

    def test_db_columns(self) -> None:
        """db.namespace and db.operation.name fill db_name and db_operation."""
        values = {
            "db.system": "postgresql",
            "db.namespace": "orders",
            "db.operation.name": "SELECT",
        }
        row = one_span(spans_document([span(name="x", start_ns=START_NS, kind=3, values=values)]))
        assert (row["db_name"], row["db_operation"]) == ("orders", "SELECT")


class TestAttributeTyping:
    def test_values_split_into_string_number_and_bool_maps(self) -> None:
        """Strings, bytes and arrays go to the string map; ints and doubles to numbers."""
        values = {
            "s": "text",
            "i": 7,
            "d": 2.5,
            "b": True,
            "raw": b"\x00\x01",
            "list": ["a", 1, 1.5],
        }
        row = one_span(spans_document([span(name="x", start_ns=START_NS, values=values)]))
        assert row["attributes_string"] == {"s": "text", "raw": "AAE=", "list": '["a",1,1.5]'}
        assert row["attributes_number"] == {"i": 7.0, "d": 2.5}
        assert row["attributes_bool"] == {"b": True}

    def test_nested_maps_flatten_to_dotted_keys(self) -> None:
        """A map attribute becomes dotted keys typed by leaf, lists inside by index."""
        values = {"user": {"id": 42, "name": "ann", "admin": False, "tags": ["x", "y"]}}
        row = one_span(spans_document([span(name="x", start_ns=START_NS, values=values)]))
        assert row["attributes_string"] == {
            "user.name": "ann",
            "user.tags.0": "x",
            "user.tags.1": "y",
        }
        assert row["attributes_number"] == {"user.id": 42.0}
        assert row["attributes_bool"] == {"user.admin": False}

    def test_nan_and_infinite_doubles_are_dropped(self) -> None:
        """The exporter skips NaN and ±Inf numbers rather than storing them."""
        item = span(name="x", start_ns=START_NS)
        item["attributes"] = [
            {"key": "nan", "value": {"doubleValue": "NaN"}},
            {"key": "inf", "value": {"doubleValue": "Infinity"}},
            {"key": "ok", "value": {"doubleValue": "1.5"}},
        ]
        assert one_span(spans_document([item]))["attributes_number"] == {"ok": 1.5}

    def test_resource_maps_flatten_with_go_text(self) -> None:
        """Nested resource maps flatten, and their numbers print as Go's `%v` does."""
        resource = {"service.name": "svc", "k8s": {"replicas": 3, "big": 1234567}}
        row = one_span(spans_document([span(name="x", start_ns=START_NS)], resource))
        assert row["resources_string"] == {
            "service.name": "svc",
            "k8s.replicas": "3",
            "k8s.big": "1.234567e+06",
        }


class TestEvents:
    def test_every_attribute_value_is_a_string(self) -> None:
        """Event attributes of any type are stored as their AsString text."""
        values = {"n": 3, "d": 1.0, "b": True, "l": [1, "a"], "html": "<module>"}
        row = one_span(
            spans_document([span(name="x", start_ns=START_NS, events=[event("retry", 5, values)])])
        )
        assert row["events"] == [
            '{"name":"retry","timeUnixNano":5,"attributeMap":{"b":"true","d":"1",'
            '"html":"\\u003cmodule\\u003e","l":"[1,\\"a\\"]","n":"3"}}'
        ]

    def test_empty_fields_are_omitted(self) -> None:
        """A zero time and an empty attribute map are left out; isError only when true."""
        item = span(name="x", start_ns=START_NS, events=[{"name": "tick"}])
        assert one_span(spans_document([item]))["events"] == ['{"name":"tick"}']


class TestLinks:
    def test_span_links_follow_the_parent_reference(self) -> None:
        """OTel links come after the CHILD_OF parent reference as FOLLOWS_FROM."""
        other_trace, other_span = "ab" * 16, "cd" * 8
        item = span(
            name="x",
            start_ns=START_NS,
            parent_span_id=ROOT_SPAN_ID,
            links=[{"traceId": other_trace, "spanId": other_span}],
        )
        assert json.loads(one_span(spans_document([item]))["links"]) == [
            {"traceId": TRACE_ID, "spanId": ROOT_SPAN_ID, "refType": "CHILD_OF"},
            {"traceId": other_trace, "spanId": other_span, "refType": "FOLLOWS_FROM"},
        ]


class TestErrorRows:
    def test_exception_event_becomes_an_error_row(self) -> None:
        """Each exception event yields a row with the event time and md5 group id."""
        batch = convert(checkout_trace(START_NS))
        (error,) = as_dicts(ERROR_COLUMNS, batch.errors)
        assert len(error.pop("errorID")) == 32
        assert error == {
            "timestamp": START_NS + 229_543_211,
            "groupID": "5d6aeba7b762eec7bba18f72d964f863",
            "traceID": TRACE_ID,
            "spanID": CHILD_SPAN_ID,
            "serviceName": "checkout-service",
            "exceptionType": "stripe.error.CardError",
            "exceptionMessage": "Your card has expired.",
            "exceptionStacktrace": CARD_ERROR_STACK,
            "exceptionEscaped": False,
            "resourceTagsMap": RESOURCES_STRING,
        }

    def test_only_exception_names_count(self) -> None:
        """`exception` and names ending in `.exception` count; look-alikes do not."""
        events = [
            exception_event(START_NS + 1),
            exception_event(START_NS + 2, name="http.client.request.exception"),
            exception_event(START_NS + 3, name="exceptional"),
            exception_event(START_NS + 4, name="exception.log"),
        ]
        batch = convert(spans_document([span(name="x", start_ns=START_NS, events=events)]))
        assert [row[0] for row in batch.errors] == [START_NS + 1, START_NS + 2]
        assert len({row[1] for row in batch.errors}) == 2  # a fresh errorID each

    def test_missing_service_name_and_escaped_flag(self) -> None:
        """Without service.name the row says `<nil-service-name>`; escaped parses `true`."""
        exception = event(
            "exception", START_NS + 9, {"exception.type": "E", "exception.escaped": True}
        )
        document = spans_document(
            [span(name="x", start_ns=START_NS, events=[exception])], {"host.name": "h"}
        )
        (error,) = as_dicts(ERROR_COLUMNS, convert(document).errors)
        assert error["serviceName"] == "<nil-service-name>"
        assert error["groupID"] == error_group_id("<nil-service-name>", "E", "")
        assert error["exceptionEscaped"] is True

    def test_event_without_time_takes_the_span_start(self) -> None:
        """An exception event with no time is dated at its span's start, not at 1970."""
        item = span(name="x", start_ns=START_NS, events=[{"name": "exception"}])
        (error,) = convert(spans_document([item])).errors
        assert error[0] == START_NS


class TestResourceRows:
    def test_one_row_per_resource_and_bucket(self) -> None:
        """Spans of one resource in one bucket give one resource row; another bucket, another."""
        spans = [
            span(name="a", start_ns=1_747_947_600 * 10**9 + 1, span_id="a" * 16),
            span(name="b", start_ns=1_747_947_600 * 10**9 + 2, span_id="b" * 16),
            span(name="c", start_ns=1_747_947_600 * 10**9 + 1800 * 10**9, span_id="c" * 16),
        ]
        rows = as_dicts(RESOURCE_COLUMNS, convert(spans_document(spans)).span_resources)
        assert [row["seen_at_ts_bucket_start"] for row in rows] == [1_747_947_600, 1_747_949_400]
        assert rows[0]["fingerprint"] == CHECKOUT_FINGERPRINT
        assert rows[0]["labels"] == (
            '{"deployment.environment":"production","host.name":"ip-10-0-1-23",'
            '"service.name":"checkout-service","telemetry.sdk.language":"python",'
            '"telemetry.sdk.name":"opentelemetry","telemetry.sdk.version":"1.27.0"}'
        )

    def test_legacy_instrumentation_library_spans(self) -> None:
        """Pre-1.0 exports with instrumentationLibrarySpans still convert."""
        document = spans_document([span(name="x", start_ns=START_NS)])
        resource_spans = document["resourceSpans"][0]
        resource_spans["instrumentationLibrarySpans"] = resource_spans.pop("scopeSpans")
        assert len(convert(document).spans) == 1


class TestLogRows:
    def test_log_record_columns(self) -> None:
        """A log record yields every logs_v2 column the exporter writes."""
        time_ns = START_NS + 236_543_211
        record = log_record(
            "Payment failed for order 8812: Your card has expired.",
            time_ns=time_ns,
            observed_ns=time_ns + 512_000,
            trace_id=TRACE_ID,
            span_id=CHILD_SPAN_ID,
            flags=1,
            values={"code.function": "charge_card", "code.lineno": 87, "retry": False},
        )
        batch = convert(logs_document([record]))
        (row,) = as_dicts(LOG_COLUMNS, batch.logs)
        assert ksuid_seconds(row.pop("id")) == time_ns // 10**9
        assert row == {
            "ts_bucket_start": 1_747_947_600,
            "resource_fingerprint": CHECKOUT_FINGERPRINT,
            "timestamp": time_ns,
            "observed_timestamp": time_ns + 512_000,
            "trace_id": TRACE_ID,
            "span_id": CHILD_SPAN_ID,
            "trace_flags": 1,
            "severity_text": "ERROR",
            "severity_number": 17,
            "body": "Payment failed for order 8812: Your card has expired.",
            "attributes_string": {"code.function": "charge_card"},
            "attributes_number": {"code.lineno": 87.0},
            "attributes_bool": {"retry": False},
            "resources_string": RESOURCES_STRING,
            "scope_name": "checkout.payments",
            "scope_version": "",
            "scope_string": {},
        }
        assert as_dicts(RESOURCE_COLUMNS, batch.log_resources) == [
            {
                "labels": as_dicts(
                    RESOURCE_COLUMNS, convert(checkout_trace(START_NS)).span_resources
                )[0]["labels"],
                "fingerprint": CHECKOUT_FINGERPRINT,
                "seen_at_ts_bucket_start": 1_747_947_600,
            }
        ]

    def test_missing_time_falls_back_to_observed_then_received(self) -> None:
        """No time uses the observed time; neither uses the time the record was received."""
        records = [
            log_record("a", time_ns=None, observed_ns=START_NS),
            log_record("b", time_ns=None),
        ]
        rows = as_dicts(LOG_COLUMNS, convert(logs_document(records), received_ns=START_NS + 5).logs)
        assert [(row["timestamp"], row["observed_timestamp"]) for row in rows] == [
            (START_NS, START_NS),
            (START_NS + 5, START_NS + 5),
        ]

    def test_logs_do_not_flatten_maps(self) -> None:
        """Map and list attributes of logs are stored as JSON text, not dotted keys."""
        values = {"http": {"status": 500, "path": "/pay"}, "ids": [1, 2]}
        (row,) = as_dicts(
            LOG_COLUMNS,
            convert(logs_document([log_record("x", time_ns=START_NS, values=values)])).logs,
        )
        assert row["attributes_string"] == {"http": '{"path":"/pay","status":500}', "ids": "[1,2]"}

    def test_body_kinds_and_severity_by_name(self) -> None:
        """Map bodies become JSON, byte bodies their text; severity may be given by name."""
        records = [
            log_record({"msg": "hi"}, time_ns=START_NS, severity_number="SEVERITY_NUMBER_WARN"),
            log_record(b"raw text", time_ns=START_NS),
        ]
        rows = as_dicts(LOG_COLUMNS, convert(logs_document(records)).logs)
        assert [row["body"] for row in rows] == ['{"msg":"hi"}', "raw text"]
        assert rows[0]["severity_number"] == 13

    def test_absent_and_base64_trace_ids(self) -> None:
        """A log without a trace has '' ids; base64 ids become lowercase hex."""
        records = [
            log_record("a", time_ns=START_NS),
            log_record(
                "b", time_ns=START_NS, trace_id=base64.b64encode(bytes.fromhex(TRACE_ID)).decode()
            ),
        ]
        rows = as_dicts(LOG_COLUMNS, convert(logs_document(records)).logs)
        assert [(row["trace_id"], row["span_id"]) for row in rows] == [("", ""), (TRACE_ID, "")]

    def test_ids_sort_by_time(self) -> None:
        """KSUIDs of records seconds apart sort in time order."""
        records = [log_record(str(n), time_ns=START_NS + n * 10**9) for n in (3, 1, 2)]
        rows = as_dicts(LOG_COLUMNS, convert(logs_document(records)).logs)
        assert [row["body"] for row in sorted(rows, key=lambda row: row["id"])] == ["1", "2", "3"]


class TestMalformed:
    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('{"resourceSpans": [', "line 7: not JSON: Expecting value at column 20"),
            ("[1, 2]", "line 7: expected an object with resourceSpans or resourceLogs, got [1, 2]"),
            ('{"foo": 1}', "line 7: neither resourceSpans nor resourceLogs (keys: foo)"),
            (
                '{"resourceMetrics": []}',
                "line 7: resourceMetrics: metrics are not imported, only traces and logs",
            ),
            ('{"resourceSpans": {}}', "line 7: resourceSpans: expected an array, got {}"),
        ],
    )
    def test_document_level_problems(self, text: str, message: str) -> None:
        """A line that is not an OTLP trace or log document is refused with a one-line reason."""
        with pytest.raises(OtlpFormatError) as caught:
            parse_line(text, 7)
        assert str(caught.value) == message
        assert caught.value.line == 7

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (
                {"spanId": "xyz"},
                "spanId: 'xyz' is neither 16 hex digits nor base64 of 8 bytes",
            ),
            ({"traceId": ""}, "traceId: missing; every span needs one"),
            ({"traceId": "0" * 32}, f"traceId: all zero ({'0' * 32}); every span needs one"),
            ({"startTimeUnixNano": "soon"}, "startTimeUnixNano: 'soon' is not an unsigned integer"),
            ({"endTimeUnixNano": None}, "endTimeUnixNano: missing; every span needs a start"),
            ({"endTimeUnixNano": "1"}, "].endTimeUnixNano: 1 is before startTimeUnixNano"),
            ({"kind": 9}, "kind: 9 is not one of SPAN_KIND_UNSPECIFIED"),
            (
                {"startTimeUnixNano": str(2**63)},
                f"startTimeUnixNano: {2**63} does not fit in 63 unsigned bits",
            ),
            (
                {"attributes": [{"key": "n", "value": {"intValue": "1.5"}}]},
                "attributes[0].value.intValue: '1.5' is not an integer",
            ),
            (
                {"attributes": [{"key": "n", "value": {"stringValue": "a", "intValue": 1}}]},
                "attributes[0].value: an AnyValue holds one variant",
            ),
            ({"attributes": [{"value": {}}]}, "attributes[0].key: expected a string, got None"),
        ],
    )
    def test_bad_span_is_reported_with_its_field(
        self, change: dict[str, Any], message: str
    ) -> None:
        """A span with a bad id, time, enum or attribute names the field, line and problem."""
        item = span(name="x", start_ns=START_NS)
        item.update(change)
        with pytest.raises(OtlpFormatError) as caught:
            parse_line(dumps(spans_document([item])), 3)
        text = str(caught.value)
        assert text.startswith("line 3: resourceSpans[0].scopeSpans[0].spans[0]")
        assert message in text
        assert "\n" not in text

    def test_bad_log_trace_id_is_reported(self) -> None:
        """A log record whose trace id is not 16 bytes is refused, not stored as garbage."""
        document = logs_document([log_record("x", time_ns=START_NS, trace_id="abc")])
        with pytest.raises(OtlpFormatError, match=r"logRecords\[0\]\.traceId: 'abc' is neither"):
            parse_line(dumps(document), 1)

    def test_format_error_is_an_input_error(self) -> None:
        """Malformed input is an InputError, so the CLI reports it as bad input."""
        assert issubclass(OtlpFormatError, InputError)

    def test_lone_surrogates_are_replaced(self) -> None:
        """An escaped lone surrogate becomes U+FFFD instead of failing the insert later."""
        item = span(name="x", start_ns=START_NS)
        text = dumps(spans_document([item])).replace('"name":"x"', '"name":"a\\ud800b"')
        assert parse_line(text, 1).spans[0][SPAN_COLUMNS.index("name")] == "a\ufffdb"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('{"a": "x\ty"}', "not JSON: Invalid control character at column 9"),
            ('{"a": "xy', "not JSON: Unterminated string starting at column 7"),
        ],
    )
    def test_json_messages_say_at_once(self, text: str, message: str) -> None:
        """json's messages that end in "at" are not followed by a second "at"."""
        with pytest.raises(OtlpFormatError) as caught:
            parse_line(text, 1)
        assert caught.value.detail == message

    def test_raw_lone_surrogate_is_replaced(self) -> None:
        """A lone surrogate in a str given in memory becomes U+FFFD, keys included."""
        item = span(name="a\udfffb", start_ns=START_NS, values={"k\ud800": "v"})
        text = json.dumps(spans_document([item]), ensure_ascii=False)  # raw, not escaped
        row = as_dicts(SPAN_COLUMNS, parse_line(text, 1).spans)[0]
        assert row["name"] == "a\ufffdb"
        assert row["attributes_string"] == {"k\ufffd": "v"}

    @pytest.mark.parametrize(
        ("field", "literal", "message"),
        [
            ("startTimeUnixNano", '"' + "9" * 5000 + '"', "startTimeUnixNano: '9999"),
            ("flags", '"' + "0" * 5000 + '7"', None),
            ("kind", "1" + "0" * 5000, "kind: <a 5001-digit number> is not an unsigned integer"),
        ],
        ids=["digit-string", "leading-zeros", "json-number"],
    )
    def test_numbers_past_pythons_digit_limit(
        self, field: str, literal: str, message: str | None
    ) -> None:
        """Numbers of thousands of digits are refused by range, never by a conversion error."""
        item = span(name="x", start_ns=START_NS)
        item[field] = "PLACEHOLDER"
        text = dumps(spans_document([item])).replace('"PLACEHOLDER"', literal)
        if message is None:
            assert len(parse_line(text, 1).spans) == 1
            return
        with pytest.raises(OtlpFormatError, match=message):
            parse_line(text, 1)

    def test_huge_status_code_text_reads_as_zero(self) -> None:
        """A status code string too long for Go's Atoi reads as 0, as the exporter reads it."""
        row = one_span(
            spans_document(
                [span(name="x", start_ns=START_NS, values={"http.status_code": "5" * 5000})]
            )
        )
        assert row["response_status_code"] == "0"

    def test_unknown_variant_name_is_quoted_and_short(self) -> None:
        """An unknown AnyValue variant is named escaped and cut short in the message."""
        item = span(name="x", start_ns=START_NS)
        item["attributes"] = [{"key": "k", "value": {"\x1b[2J" + "v" * 100: 1}}]
        with pytest.raises(OtlpFormatError) as caught:
            parse_line(dumps(spans_document([item])), 1)
        assert caught.value.detail.endswith(
            "attributes[0].value: '\\x1b[2Jvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv... "
            "is not an AnyValue variant"
        )

    def test_convert_document_accepts_a_decoded_object(self) -> None:
        """convert_document takes the already-decoded document, with no line number."""
        assert convert_document(checkout_trace(START_NS)).row_count == 4
