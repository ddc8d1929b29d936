"""OTLP/JSON documents as rows of SigNoz's tables: the pure half of `aisher load`.

A document is what the collector's file exporter writes on one line: an object with
`resourceSpans` and/or `resourceLogs`. Spans become `signoz_index_v3` rows, their exception
events `signoz_error_index_v2` rows, and each (resource, 30-minute bucket) one row of
`traces_v3_resource`; log records become `logs_v2` rows plus `logs_v2_resource` rows. Nothing
here does I/O; the loader feeds lines in and inserts the resulting `SigNozBatch`.

A document with any malformed part is refused whole with an `OtlpFormatError` naming the field,
the way the collector's own JSON unmarshaler refuses it, rather than stored with garbage.
"""

from __future__ import annotations

import json
import re
import time

from aisher.errors import OtlpFormatError
from aisher.signoz.log_rows import add_resource_logs
from aisher.signoz.otlp_json import describe
from aisher.signoz.rows import (
    ERROR_COLUMNS,
    LOG_COLUMNS,
    RESOURCE_COLUMNS,
    SPAN_COLUMNS,
    TABLES,
    RowBuffer,
    SigNozBatch,
    SigNozTable,
)
from aisher.signoz.span_rows import add_resource_spans

__all__ = [
    "ERROR_COLUMNS",
    "LOG_COLUMNS",
    "RESOURCE_COLUMNS",
    "SPAN_COLUMNS",
    "TABLES",
    "OtlpFormatError",
    "SigNozBatch",
    "SigNozTable",
    "convert_document",
    "parse_line",
]

# json.loads lets an escaped lone surrogate through, and such a string cannot be encoded for
# ClickHouse; it would fail the whole insert batch, good lines included.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def parse_line(text: str, line_no: int, *, received_ns: int | None = None) -> SigNozBatch:
    """The rows of one OTLP/JSON document; `OtlpFormatError` (placed on `line_no`) if malformed.

    `received_ns` stands in for log records that carry neither a time nor an observed time
    (default: now).
    """
    try:
        document = json.loads(text)
        if _SURROGATE_ESCAPE.search(text):
            document = _replace_lone_surrogates(document)
        return convert_document(document, received_ns=received_ns)
    except json.JSONDecodeError as exc:
        where = f"column {exc.colno}" if exc.lineno == 1 else f"{exc.lineno}:{exc.colno}"
        raise OtlpFormatError(f"not JSON: {exc.msg} at {where}", line=line_no) from exc
    except OtlpFormatError as exc:
        raise exc.at_line(line_no) from exc
    except RecursionError as exc:
        raise OtlpFormatError("JSON nested too deeply to import", line=line_no) from exc


def convert_document(document: object, *, received_ns: int | None = None) -> SigNozBatch:
    """The rows of one decoded OTLP/JSON document."""
    if not isinstance(document, dict):
        raise OtlpFormatError(
            f"expected an object with resourceSpans or resourceLogs, got {describe(document)}"
        )
    if "resourceSpans" not in document and "resourceLogs" not in document:
        if "resourceMetrics" in document:
            raise OtlpFormatError("resourceMetrics: metrics are not imported, only traces and logs")
        keys = ", ".join(sorted(document)[:5]) or "none"
        raise OtlpFormatError(f"neither resourceSpans nor resourceLogs (keys: {keys})")
    buffer = RowBuffer()
    add_resource_spans(document.get("resourceSpans"), "resourceSpans", buffer)
    add_resource_logs(
        document.get("resourceLogs"),
        "resourceLogs",
        buffer,
        received_ns=time.time_ns() if received_ns is None else received_ns,
    )
    return buffer.freeze()


def _replace_lone_surrogates(value: object) -> object:
    """The document with each lone surrogate replaced by U+FFFD, as Go's decoder does."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [_replace_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {
            str(_replace_lone_surrogates(key)): _replace_lone_surrogates(item)
            for key, item in value.items()
        }
    return value
