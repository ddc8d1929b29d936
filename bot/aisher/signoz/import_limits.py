"""How large a piece of telemetry `aisher load` accepts before it refuses the document.

Telemetry files are hostile input: a producer bug or an attacker can write a line-less file of
gigabytes, a span with a million attributes, or one attribute of a hundred megabytes. Each limit
bounds what a single document can cost in memory and in the store; a document over a limit is
refused with a problem naming its file, line and the limit, and the rest of the file loads.

The defaults sit well above what real exporters write: the collector's OTLP receivers take
messages of 4 MiB by default, and the OpenTelemetry SDKs keep 128 attributes per span.
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """Per-document limits of an import; tests scale them down to exercise them cheaply."""

    # One line of a JSON-lines file; a longer line is skipped in bounded reads, never held.
    max_line_bytes: int = 16 * MIB
    # A file holding one pretty-printed document is parsed whole, so it gets its own cap.
    max_document_bytes: int = 64 * MIB
    # Values in one attribute list (a span's, an event's, a link's, a log record's, a
    # resource's or a scope's), nested array and map items included; also events and links
    # per span.
    max_values: int = 1_000
    # One string or bytes value, or one attribute key, in UTF-8 bytes.
    max_value_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        for name in ("max_line_bytes", "max_document_bytes", "max_values", "max_value_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")


DEFAULT_LIMITS = ImportLimits()
