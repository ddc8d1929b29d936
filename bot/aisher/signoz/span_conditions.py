"""What counts as a failing span, and which instance a span ran on: as SQL and as Python, side
by side, so the store's counts and the analysis of the spans it returns agree.

A span fails when its status is ERROR, and also when the status was left unset but the span
says otherwise: an HTTP 5xx response, or a gRPC status that the semantic conventions call an
error (any non-OK code on a client span; on a server span only the codes that mean the server
failed, not that the request was wrong). Many instrumentations leave the status unset and
record only the code.
"""

from __future__ import annotations

from collections.abc import Mapping

from aisher.signoz.dialect import SpanColumns
from aisher.telemetry import SpanRecord

GRPC_STATUS_KEY = "rpc.grpc.status_code"
# UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
GRPC_SERVER_ERRORS = (2, 4, 12, 13, 14, 15)
CLIENT_KIND = "Client"
# Where the instance of a span is named, most specific first.
INSTANCE_KEYS = ("k8s.pod.name", "service.instance.id", "host.name")


def _prefix(alias: str) -> str:
    return f"{alias}." if alias else ""


def grpc_code_sql(columns: SpanColumns, alias: str = "") -> str:
    """The span's gRPC status code as Int64 (0 when absent), sent as a number or a string."""
    a = _prefix(alias)
    return (
        f"greatest(toInt64({a}{columns.numbers}['{GRPC_STATUS_KEY}']),"
        f" toInt64OrZero({a}{columns.attributes}['{GRPC_STATUS_KEY}']))"
    )


def failure_sql(columns: SpanColumns, alias: str = "") -> str:
    """SQL that is true for a failing span (see the module docstring)."""
    a = _prefix(alias)
    code = grpc_code_sql(columns, alias)
    server_errors = ", ".join(str(code_) for code_ in GRPC_SERVER_ERRORS)
    grpc_error = f"({a}{columns.kind} = '{CLIENT_KIND}' OR {code} IN ({server_errors}))"
    return (
        f"({a}{columns.has_error} OR {a}{columns.http_status} LIKE '5__'"
        f" OR ({code} != 0 AND {grpc_error}))"
    )


def instance_sql(columns: SpanColumns, alias: str = "") -> str:
    """The span's instance name ('' when the resource names none)."""
    parts = [columns.resource_of(key, alias) for key in INSTANCE_KEYS]
    return "multiIf(" + ", ".join(f"{part} != '', {part}" for part in parts) + ", '')"


def grpc_code(span: SpanRecord) -> int:
    text = span.attributes.get(GRPC_STATUS_KEY, "")
    try:
        return int(float(text)) if text else 0
    except ValueError:
        return 0


def is_http_server_error(status: str) -> bool:
    return len(status) == 3 and status.startswith("5") and status.isdigit()


def is_failing(span: SpanRecord) -> bool:
    """The Python twin of `failure_sql`."""
    if span.has_error or is_http_server_error(span.http_status):
        return True
    code = grpc_code(span)
    return code != 0 and (span.kind == CLIENT_KIND or code in GRPC_SERVER_ERRORS)


def instance_of(resource: Mapping[str, str]) -> str:
    """The Python twin of `instance_sql`."""
    for key in INSTANCE_KEYS:
        value = resource.get(key, "")
        if value:
            return value
    return ""
