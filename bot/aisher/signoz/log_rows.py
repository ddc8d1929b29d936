"""OTLP log records as rows of `logs_v2` and `logs_v2_resource`.

Mirrors the collector's logs exporter (`pushToClickhouse`, `attributesToMap`,
`getStringifiedBody`). Unlike spans, logs do not flatten nested maps: a map or slice attribute is
stored as JSON text. A record without a time takes its observed time, and a record without
either takes the time it was received.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aisher.errors import OtlpFormatError
from aisher.signoz.fingerprint import resource_fingerprint, resource_labels, ts_bucket_start
from aisher.signoz.go_format import AnyRaw, as_string
from aisher.signoz.ksuid import new_ksuid
from aisher.signoz.otlp_json import (
    SEVERITY_NUMBERS,
    SPAN_ID_BYTES,
    TRACE_ID_BYTES,
    as_list,
    as_object,
    as_str,
    decode_any_value,
    decode_attributes,
    decode_enum,
    decode_id,
    decode_uint,
    nested,
)
from aisher.signoz.resource_memo import memoised
from aisher.signoz.rows import RowBuffer


@dataclass(frozen=True, slots=True)
class _Origin:
    """What every record of one resource and scope shares."""

    labels: str
    fingerprint: str
    resources: dict[str, str]
    scope_name: str
    scope_version: str
    scope_attributes: dict[str, str]


def add_resource_logs(items: object, name: str, buffer: RowBuffer, *, received_ns: int) -> None:
    """Convert a `resourceLogs` array into rows appended to `buffer`."""
    for index, item in enumerate(as_list(items, name)):
        try:
            _add_resource(as_object(item, ""), buffer, received_ns)
        except OtlpFormatError as exc:
            raise nested(exc, f"{name}[{index}]") from None


def _add_resource(resource_logs: Mapping[str, Any], buffer: RowBuffer, received_ns: int) -> None:
    resource = as_object(resource_logs.get("resource"), "resource")
    try:
        attributes = decode_attributes(
            resource.get("attributes"), "attributes", limits=buffer.limits
        )
    except OtlpFormatError as exc:
        raise nested(exc, "resource") from None
    labels, fingerprint, resources = _describe_resource(attributes)
    # `instrumentationLibrary*` are the pre-1.0 OTLP names, still found in old exports.
    scopes_key = "scopeLogs" if "scopeLogs" in resource_logs else "instrumentationLibraryLogs"
    for s_index, item in enumerate(as_list(resource_logs.get(scopes_key), scopes_key)):
        try:
            scope_logs = as_object(item, "")
            scope_key = "scope" if "scope" in scope_logs else "instrumentationLibrary"
            scope = as_object(scope_logs.get(scope_key), scope_key)
            try:
                scope_name = as_str(scope.get("name"), "name")
                scope_version = as_str(scope.get("version"), "version")
                scope_attributes = decode_attributes(
                    scope.get("attributes"), "attributes", limits=buffer.limits
                )
            except OtlpFormatError as exc:
                raise nested(exc, scope_key) from None
            origin = _Origin(
                labels,
                fingerprint,
                resources,
                scope_name,
                scope_version,
                string_values(scope_attributes),
            )
            records = as_list(scope_logs.get("logRecords"), "logRecords")
            for index, record in enumerate(records):
                try:
                    _add_record(as_object(record, ""), origin, buffer, received_ns)
                except OtlpFormatError as exc:
                    raise nested(exc, f"logRecords[{index}]") from None
        except OtlpFormatError as exc:
            raise nested(exc, f"{scopes_key}[{s_index}]") from None


def _add_record(
    record: Mapping[str, Any], origin: _Origin, buffer: RowBuffer, received_ns: int
) -> None:
    observed = decode_uint(record.get("observedTimeUnixNano"), "observedTimeUnixNano")
    observed = observed or received_ns
    timestamp = decode_uint(record.get("timeUnixNano"), "timeUnixNano") or observed
    strings, numbers, bools = split_log_attributes(
        decode_attributes(record.get("attributes"), "attributes", limits=buffer.limits)
    )
    bucket = ts_bucket_start(timestamp)
    buffer.logs.append(
        (
            bucket,
            origin.fingerprint,
            timestamp,
            observed,
            new_ksuid(timestamp),
            decode_id(record.get("traceId"), TRACE_ID_BYTES, "traceId"),
            decode_id(record.get("spanId"), SPAN_ID_BYTES, "spanId"),
            decode_uint(record.get("flags"), "flags", bits=32),
            as_str(record.get("severityText"), "severityText"),
            decode_enum(record.get("severityNumber"), SEVERITY_NUMBERS, "severityNumber"),
            body_text(decode_any_value(record.get("body"), "body", limits=buffer.limits)),
            strings,
            numbers,
            bools,
            origin.resources,
            origin.scope_name,
            origin.scope_version,
            origin.scope_attributes,
        )
    )
    buffer.log_resources[(origin.labels, origin.fingerprint, bucket)] = None


@memoised
def _describe_resource(attributes: Mapping[str, AnyRaw]) -> tuple[str, str, dict[str, str]]:
    """The resource's labels, fingerprint and `resources_string` map."""
    return resource_labels(attributes), resource_fingerprint(attributes), string_values(attributes)


def string_values(attributes: Mapping[str, AnyRaw]) -> dict[str, str]:
    """Every attribute as a string (resources and scopes), maps and slices as JSON text."""
    return {key: as_string(value) for key, value in attributes.items()}


def split_log_attributes(
    attributes: Mapping[str, AnyRaw],
) -> tuple[dict[str, str], dict[str, float], dict[str, bool]]:
    """Log attributes split into the string, number and bool maps (no flattening)."""
    strings: dict[str, str] = {}
    numbers: dict[str, float] = {}
    bools: dict[str, bool] = {}
    for key, value in attributes.items():
        if isinstance(value, bool):
            bools[key] = value
        elif isinstance(value, int | float):
            numbers[key] = float(value)
        else:
            strings[key] = as_string(value)
    return strings, numbers, bools


def body_text(body: AnyRaw) -> str:
    """The `body` column: bytes as their text, anything else as pdata's AsString."""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return as_string(body)
