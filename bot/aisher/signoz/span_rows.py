"""OTLP spans as rows of `signoz_index_v3`, `signoz_error_index_v2` and `traces_v3_resource`.

Mirrors the collector's v3 trace exporter (`newStructuredSpanV3`, `populateCustomAttrsAndAttrs`,
`populateEventsV3`, `makeJaegerProtoReferences`), including its quirks, because SigNoz's own
queries and ours read the columns it derives: `has_error` is the span status alone, the
`external_http_*` columns are set for Client spans only, and every span's `links` starts with
a CHILD_OF reference, roots included (without a `spanId` key).
"""

from __future__ import annotations

import enum
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aisher.errors import OtlpFormatError
from aisher.signoz.fingerprint import (
    error_group_id,
    resource_fingerprint,
    resource_labels,
    service_name,
    ts_bucket_start,
)
from aisher.signoz.go_format import AnyRaw, as_string, flatten, quote, sprint, string_map_json
from aisher.signoz.import_limits import ImportLimits
from aisher.signoz.otlp_json import (
    SPAN_ID_BYTES,
    SPAN_KINDS,
    STATUS_CODES,
    TRACE_ID_BYTES,
    as_bounded_list,
    as_list,
    as_object,
    as_str,
    decode_attributes,
    decode_enum,
    decode_id,
    decode_uint,
    nested,
    require_id,
)
from aisher.signoz.resource_memo import memoised
from aisher.signoz.rows import RowBuffer

KIND_NAMES = ("Unspecified", "Internal", "Server", "Client", "Producer", "Consumer")
STATUS_NAMES = ("Unset", "Ok", "Error")
KIND_CLIENT = 3
STATUS_ERROR = 2
_HAS_IS_REMOTE, _IS_REMOTE = 0x100, 0x200
_HOST_KEYS = frozenset(
    ("http.host", "server.address", "client.address", "http.request.header.host", "net.peer.name")
)


class _Derived(enum.Enum):
    """Which derived column an attribute feeds."""

    STATUS = enum.auto()
    URL = enum.auto()
    METHOD = enum.auto()
    HOST = enum.auto()
    DB_NAME = enum.auto()
    DB_OPERATION = enum.auto()
    JSONRPC_ERROR = enum.auto()


_DERIVED_ROLES = {
    "http.status_code": _Derived.STATUS,
    "http.response.status_code": _Derived.STATUS,
    "rpc.grpc.status_code": _Derived.STATUS,
    "http.url": _Derived.URL,
    "url.full": _Derived.URL,
    "http.method": _Derived.METHOD,
    "http.request.method": _Derived.METHOD,
    **dict.fromkeys(_HOST_KEYS, _Derived.HOST),
    "db.name": _Derived.DB_NAME,
    "db.namespace": _Derived.DB_NAME,
    "db.operation": _Derived.DB_OPERATION,
    "db.operation.name": _Derived.DB_OPERATION,
    "rpc.jsonrpc.error_code": _Derived.JSONRPC_ERROR,
}
# DateTime64(9) holds signed 64-bit nanoseconds: a larger time would fail the whole insert.
DATETIME64_BITS = 63
_GO_ATOI = re.compile(r"[+-]?[0-9]+")
_INT64_DIGITS = 19
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_PORT = re.compile(r":[0-9]*")


@dataclass(frozen=True, slots=True)
class _Resource:
    """What every span of one resource shares."""

    strings: dict[str, str]  # resources_string: maps flattened, values as strings
    fingerprint: str
    labels: str
    service: str  # the error index's serviceName


def is_exception_event(name: str) -> bool:
    """The collector's `IsExceptionEvent`: `exception`, or any name ending in `.exception`."""
    return name == "exception" or name.endswith(".exception")


def add_resource_spans(items: object, name: str, buffer: RowBuffer) -> None:
    """Convert a `resourceSpans` array into rows appended to `buffer`."""
    for index, item in enumerate(as_list(items, name)):
        try:
            _add_resource(as_object(item, ""), buffer)
        except OtlpFormatError as exc:
            raise nested(exc, f"{name}[{index}]") from None


def _add_resource(resource_spans: Mapping[str, Any], buffer: RowBuffer) -> None:
    resource = as_object(resource_spans.get("resource"), "resource")
    try:
        attributes = decode_attributes(
            resource.get("attributes"), "attributes", limits=buffer.limits
        )
    except OtlpFormatError as exc:
        raise nested(exc, "resource") from None
    described = _describe_resource(attributes)
    # `instrumentationLibrarySpans` is the pre-1.0 OTLP name, still found in old exports.
    scopes_key = "scopeSpans" if "scopeSpans" in resource_spans else "instrumentationLibrarySpans"
    for s_index, scope in enumerate(as_list(resource_spans.get(scopes_key), scopes_key)):
        try:
            spans = as_list(as_object(scope, "").get("spans"), "spans")
            for index, span in enumerate(spans):
                try:
                    _add_span(as_object(span, ""), described, buffer)
                except OtlpFormatError as exc:
                    raise nested(exc, f"spans[{index}]") from None
        except OtlpFormatError as exc:
            raise nested(exc, f"{scopes_key}[{s_index}]") from None


@memoised
def _describe_resource(attributes: Mapping[str, AnyRaw]) -> _Resource:
    strings: dict[str, str] = {}
    for key, value in attributes.items():
        if isinstance(value, dict):
            strings.update((k, sprint(v)) for k, v in flatten(value, key).items())
        else:
            strings[key] = as_string(value)
    return _Resource(
        strings=strings,
        fingerprint=resource_fingerprint(attributes),
        labels=resource_labels(attributes),
        service=service_name(attributes),
    )


def _add_span(span: Mapping[str, Any], resource: _Resource, buffer: RowBuffer) -> None:
    trace_id = require_id(span.get("traceId"), TRACE_ID_BYTES, "traceId")
    span_id = require_id(span.get("spanId"), SPAN_ID_BYTES, "spanId")
    parent_span_id = decode_id(span.get("parentSpanId"), SPAN_ID_BYTES, "parentSpanId")
    start = _require_time(span, "startTimeUnixNano")
    end = _require_time(span, "endTimeUnixNano")
    if end < start:
        raise OtlpFormatError(f"endTimeUnixNano: {end} is before startTimeUnixNano {start}")
    kind = decode_enum(span.get("kind"), SPAN_KINDS, "kind")
    flags = decode_uint(span.get("flags"), "flags", bits=32)
    status = as_object(span.get("status"), "status")
    status_code = decode_enum(status.get("code"), STATUS_CODES, "status.code")
    attributes = decode_attributes(span.get("attributes"), "attributes", limits=buffer.limits)
    strings, numbers, bools = split_span_attributes(attributes)
    events = _decode_events(span.get("events"), buffer.limits)
    links = _links_json(span.get("links"), trace_id, parent_span_id, buffer.limits)
    if not buffer.first_sighting(trace_id, span_id):
        return  # the same span twice in one document is stored once
    bucket = ts_bucket_start(start)
    buffer.spans.append(
        (
            bucket,
            resource.fingerprint,
            start,
            trace_id,
            span_id,
            as_str(span.get("traceState"), "traceState"),
            parent_span_id,
            flags,
            as_str(span.get("name"), "name"),
            kind,
            KIND_NAMES[kind],
            end - start,
            status_code,
            as_str(status.get("message"), "status.message"),
            STATUS_NAMES[status_code],
            strings,
            numbers,
            bools,
            resource.strings,
            [event_json(*event) for event in events],
            links,
            *derive_columns(attributes, kind),
            status_code == STATUS_ERROR,
            _is_remote(flags),
        )
    )
    buffer.span_resources[(resource.labels, resource.fingerprint, bucket)] = None
    for _, time_ns, event_attributes, is_error in events:
        if is_error:
            # An event without a time would be written at 1970 and dropped at once by the
            # table's TTL; the span's start keeps the exception visible.
            buffer.errors.append(
                _error_row(trace_id, span_id, time_ns or start, event_attributes, resource)
            )


def _require_time(span: Mapping[str, Any], key: str) -> int:
    value = decode_uint(span.get(key), key, bits=DATETIME64_BITS)
    if value == 0:
        raise OtlpFormatError(f"{key}: missing; every span needs a start and an end time")
    return value


def split_span_attributes(
    attributes: Mapping[str, AnyRaw],
) -> tuple[dict[str, str], dict[str, float], dict[str, bool]]:
    """Span attributes split into the string, number and bool maps, as the exporter does.

    Nested maps are flattened to dotted keys; NaN and ±Inf numbers are dropped; slices,
    bytes and empty values are stored as their string form.
    """
    strings: dict[str, str] = {}
    numbers: dict[str, float] = {}
    bools: dict[str, bool] = {}
    for key, value in attributes.items():
        if type(value) is str:  # most attributes: tested first, stored as they are
            strings[key] = value
        elif isinstance(value, dict):
            for flat_key, flat_value in flatten(value, key).items():
                _put_typed(flat_key, flat_value, strings, numbers, bools)
        else:
            _put_typed(key, value, strings, numbers, bools)
    return strings, numbers, bools


def _put_typed(
    key: str,
    value: AnyRaw,
    strings: dict[str, str],
    numbers: dict[str, float],
    bools: dict[str, bool],
) -> None:
    """One value into the map of its type: ints as floats, non-finite numbers dropped."""
    if isinstance(value, bool):
        bools[key] = value
    elif isinstance(value, int):
        numbers[key] = float(value)
    elif isinstance(value, float):
        if math.isfinite(value):
            numbers[key] = value
    else:
        strings[key] = as_string(value)


def derive_columns(attributes: Mapping[str, AnyRaw], kind: int) -> tuple[str, ...]:
    """`response_status_code` … `db_operation`, in column order, from the span's attributes.

    Attributes are visited in their order, so a later key overrides an earlier one. Like
    pdata's `Str()`, a non-string value reads as '' for the text columns.
    """
    status = external_url = url = external_method = method = host = db_name = db_op = ""
    for key, value in attributes.items():
        role = _DERIVED_ROLES.get(key)
        if role is None:
            continue  # most attributes: one dict lookup instead of a chain of comparisons
        text = value if isinstance(value, str) else ""
        if role is _Derived.STATUS:
            status = _status_code_text(value)
        elif role is _Derived.URL:
            url = text
            if kind == KIND_CLIENT:
                external_url = _url_hostname(text)
                host = host or external_url  # a host attribute seen earlier wins
        elif role is _Derived.METHOD:
            method = text
            if kind == KIND_CLIENT:
                external_method = text
        elif role is _Derived.HOST:
            host = text
        elif role is _Derived.DB_NAME:
            db_name = text
        elif role is _Derived.DB_OPERATION:
            db_op = text
        else:  # rpc.jsonrpc.error_code
            status = text  # the exporter reads this one with Str(), so an int code gives ''
    return status, external_url, url, external_method, method, host, db_name, db_op


def _status_code_text(value: AnyRaw) -> str:
    """The exporter's reading of a status code sent as a string or an int."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else 0
    if isinstance(value, str) and _go_atoi(value) != 0:
        number = _go_atoi(value)
    return str(number)


def _go_atoi(text: str) -> int:
    """Go's `strconv.Atoi` of `text`, or 0 where it fails: not digits, or beyond int64."""
    if not _GO_ATOI.fullmatch(text):
        return 0
    digits = text.lstrip("+-").lstrip("0")  # Python counts leading zeros against its limit
    if len(digits) > _INT64_DIGITS:
        return 0
    number = -int(digits or "0") if text.startswith("-") else int(digits or "0")
    return number if _INT64_MIN <= number <= _INT64_MAX else 0


def _url_hostname(url: str) -> str:
    """Go's `url.Parse(url).Hostname()`, or the URL itself when it does not parse."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return url
    host = netloc.rpartition("@")[2]
    colon = host.rfind(":")
    if colon != -1 and _PORT.fullmatch(host[colon:]):
        host = host[:colon]
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


def _is_remote(flags: int) -> str:
    if not flags & _HAS_IS_REMOTE:
        return "unknown"
    return "yes" if flags & _IS_REMOTE else "no"


def _decode_events(
    value: object, limits: ImportLimits
) -> list[tuple[str, int, dict[str, str], bool]]:
    events = []
    for index, item in enumerate(as_bounded_list(value, "events", limits.max_values)):
        try:
            event = as_object(item, "")
            name = as_str(event.get("name"), "name")
            time_ns = decode_uint(event.get("timeUnixNano"), "timeUnixNano", bits=DATETIME64_BITS)
            attributes = decode_attributes(event.get("attributes"), "attributes", limits=limits)
        except OtlpFormatError as exc:
            raise nested(exc, f"events[{index}]") from None
        strings = {key: as_string(raw) for key, raw in attributes.items()}
        events.append((name, time_ns, strings, is_exception_event(name)))
    return events


def event_json(name: str, time_ns: int, attributes: Mapping[str, str], is_error: bool) -> str:
    """One element of the `events` column: the exporter's `Event` struct, `omitempty` fields."""
    parts = []
    if name:
        parts.append(f'"name":{quote(name)}')
    if time_ns:
        parts.append(f'"timeUnixNano":{time_ns}')
    if attributes:
        parts.append(f'"attributeMap":{string_map_json(attributes)}')
    if is_error:
        parts.append('"isError":true')
    return "{" + ",".join(parts) + "}"


def _links_json(value: object, trace_id: str, parent_span_id: str, limits: ImportLimits) -> str:
    # The exporter's parent test is always true, so even a root starts with CHILD_OF.
    refs = [_reference(trace_id, parent_span_id, "CHILD_OF")]
    for index, item in enumerate(as_bounded_list(value, "links", limits.max_values)):
        try:
            link = as_object(item, "")
            link_trace = decode_id(link.get("traceId"), TRACE_ID_BYTES, "traceId")
            link_span = decode_id(link.get("spanId"), SPAN_ID_BYTES, "spanId")
        except OtlpFormatError as exc:
            raise nested(exc, f"links[{index}]") from None
        refs.append(_reference(link_trace, link_span, "FOLLOWS_FROM"))
    return "[" + ",".join(refs) + "]"


def _reference(trace_id: str, span_id: str, ref_type: str) -> str:
    parts = [f'"traceId":"{trace_id}"'] if trace_id else []
    if span_id:
        parts.append(f'"spanId":"{span_id}"')
    parts.append(f'"refType":"{ref_type}"')
    return "{" + ",".join(parts) + "}"


def _error_row(
    trace_id: str,
    span_id: str,
    time_ns: int,
    attributes: Mapping[str, str],
    resource: _Resource,
) -> tuple[Any, ...]:
    exception_type = attributes.get("exception.type", "")
    message = attributes.get("exception.message", "")
    return (
        time_ns,
        uuid.uuid4().hex,
        error_group_id(resource.service, exception_type, message),
        trace_id,
        span_id,
        resource.service,
        exception_type,
        message,
        attributes.get("exception.stacktrace", ""),
        attributes.get("exception.escaped", "").lower() == "true",
        resource.strings,
    )
