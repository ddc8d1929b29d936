"""OTLP/JSON documents as rows of SigNoz's tables: the pure half of `aisher load`.

A document is what the collector's file exporter writes on one line: an object with
`resourceSpans` and/or `resourceLogs`. Spans become `signoz_index_v3` rows, their exception
events `signoz_error_index_v2` rows, and each (resource, 30-minute bucket) one row of
`traces_v3_resource`; log records become `logs_v2` rows plus `logs_v2_resource` rows. Nothing
here does I/O; the loader feeds lines in and inserts the resulting `SigNozBatch`.

A document with any malformed part is refused whole with an `OtlpFormatError` naming the field,
the way the collector's own JSON unmarshaler refuses it, rather than stored with garbage; so is
a document over one of the `ImportLimits`.
"""

from __future__ import annotations

import json
import re
import time

from aisher.errors import OtlpFormatError
from aisher.signoz.import_limits import DEFAULT_LIMITS, ImportLimits
from aisher.signoz.log_rows import add_resource_logs
from aisher.signoz.otlp_json import clip, describe, parse_json_int
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
    "DEFAULT_LIMITS",
    "ERROR_COLUMNS",
    "LOG_COLUMNS",
    "RESOURCE_COLUMNS",
    "SPAN_COLUMNS",
    "TABLES",
    "ImportLimits",
    "OtlpFormatError",
    "SigNozBatch",
    "SigNozTable",
    "convert_document",
    "parse_line",
]

# json.loads lets a lone surrogate through, escaped (`\\ud800`) or raw in a str handed over in
# memory, and such a string cannot be encoded for ClickHouse: it would fail the whole insert
# batch, good lines included. The two forms are searched apart: one regex with both would scan
# every document character by character, while `in` and `isascii` rule most documents out at
# C speed.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_RAW_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_line(
    text: str,
    line_no: int,
    *,
    received_ns: int | None = None,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> SigNozBatch:
    """The rows of one OTLP/JSON document; `OtlpFormatError` (placed on `line_no`) if malformed.

    `received_ns` stands in for log records that carry neither a time nor an observed time
    (default: now).
    """
    try:
        document = json.loads(text, parse_int=parse_json_int)
        if may_hold_lone_surrogate(text):
            document = _replace_lone_surrogates(document)
        return convert_document(document, received_ns=received_ns, limits=limits)
    except json.JSONDecodeError as exc:
        raise OtlpFormatError(f"not JSON: {json_error_text(exc)}", line=line_no) from exc
    except OtlpFormatError as exc:
        raise exc.at_line(line_no) from exc
    except RecursionError as exc:
        raise OtlpFormatError("JSON nested too deeply to import", line=line_no) from exc


def may_hold_lone_surrogate(text: str) -> bool:
    """Whether the JSON text holds a surrogate code point, escaped or raw (paired or not)."""
    if "\\u" in text and _ESCAPED_SURROGATE.search(text):
        return True
    return not text.isascii() and _RAW_SURROGATE.search(text) is not None


def json_error_text(exc: json.JSONDecodeError) -> str:
    """`Expecting value at column 3`; some of json's messages already end in "at"."""
    where = f"column {exc.colno}" if exc.lineno == 1 else f"{exc.lineno}:{exc.colno}"
    return f"{exc.msg.removesuffix(' at')} at {where}"


def convert_document(
    document: object, *, received_ns: int | None = None, limits: ImportLimits = DEFAULT_LIMITS
) -> SigNozBatch:
    """The rows of one decoded OTLP/JSON document."""
    if not isinstance(document, dict):
        raise OtlpFormatError(
            f"expected an object with resourceSpans or resourceLogs, got {describe(document)}"
        )
    if "resourceSpans" not in document and "resourceLogs" not in document:
        if "resourceMetrics" in document:
            raise OtlpFormatError("resourceMetrics: metrics are not imported, only traces and logs")
        keys = ", ".join(clip(key) for key in sorted(document)[:5]) or "none"
        raise OtlpFormatError(f"neither resourceSpans nor resourceLogs (keys: {keys})")
    buffer = RowBuffer(limits=limits)
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
