"""Every error Aisher raises on purpose derives from `AisherError`.

    AisherError
    ├── ConfigError              settings that cannot work (bad DSN, unreadable prompt file)
    ├── InputError               malformed request; the message says how to fix it
    │   ├── WindowError          bad window (`30x`, `0m`, beyond retention) or `--until`
    │   ├── UnknownServiceError  the service sent no spans in the window; carries suggestions
    │   ├── UnknownTraceError    no span of the trace id in the store
    │   └── OtlpFormatError      an OTLP/JSON document `aisher load` cannot import; names the field
    ├── DataSourceError          ClickHouse could not answer
    │   ├── DataSourceUnavailable  connection refused, DNS, TLS, HTTP 5xx after retries
    │   ├── QueryTimeout           the query ran past its deadline
    │   └── SchemaError            the SigNoz tables are missing or unrecognisable
    └── AnalyzerError            the LLM analysis failed; callers fall back to the heuristic
        ├── LlmUnavailable       timeout, HTTP errors after retries, no such model
        └── AnswerRejected       not JSON, off-schema, or citing unknown ids

Adapters translate library errors into these with ``raise … from exc``; only the outermost
handlers (CLI, web handlers, Slack listeners) catch broad exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence

# Characters of user input or telemetry an error message repeats: a 100 KB service name in a
# request must not make a 100 KB error line.
ECHO_LIMIT = 200


def echo(text: str) -> str:
    """Input or telemetry as an error message repeats it: cut to `ECHO_LIMIT` with …"""
    return text if len(text) <= ECHO_LIMIT else text[: ECHO_LIMIT - 1] + "…"


class AisherError(Exception):
    """Root of every error Aisher raises on purpose."""

    exit_code = 1


class ConfigError(AisherError):
    """A setting is missing or cannot work."""

    exit_code = 4


class InputError(AisherError):
    """The request is malformed; the message tells the user how to fix it."""

    exit_code = 2


class WindowError(InputError):
    """A time window or `--until` value cannot be used."""


class UnknownServiceError(InputError):
    """No spans of the service in the window; `suggestions` lists close service names."""

    def __init__(self, service: str, suggestions: Sequence[str], known_count: int) -> None:
        self.service = service
        self.suggestions = tuple(suggestions)
        self.known_count = known_count
        if self.suggestions:
            hint = "did you mean " + ", ".join(echo(name) for name in self.suggestions) + "?"
        elif known_count:
            hint = f"{known_count} other services sent spans in that window"
        else:
            hint = "no service sent spans in that window"
        super().__init__(f"unknown service {echo(service)!r}: {hint}")


class UnknownTraceError(InputError):
    """No span of the trace in the store (expired, sampled out, or a typo)."""

    def __init__(self, trace_id: str) -> None:
        self.trace_id = trace_id
        super().__init__(
            f"no spans of trace {echo(trace_id)} in the store: it may be older than the retention, "
            "sampled out, or mistyped"
        )


class OtlpFormatError(InputError):
    """An OTLP/JSON document cannot be imported; `detail` names the field and what is wrong."""

    def __init__(self, detail: str, *, line: int | None = None) -> None:
        self.detail = detail
        self.line = line
        super().__init__(detail if line is None else f"line {line}: {detail}")

    def at_line(self, line: int) -> OtlpFormatError:
        """The same error, placed on `line` of its input."""
        return OtlpFormatError(self.detail, line=line)


class DataSourceError(AisherError):
    """ClickHouse could not answer the query."""

    exit_code = 3


class DataSourceUnavailable(DataSourceError):
    """ClickHouse cannot be reached, or kept failing after retries."""


class QueryTimeout(DataSourceError):
    """A query ran past its deadline."""


class SchemaError(DataSourceError):
    """The SigNoz tables are missing or have an unrecognised shape."""


class AnalyzerError(AisherError):
    """The LLM analysis failed; the engine answers with the heuristic analyzer instead."""


class LlmUnavailable(AnalyzerError):
    """The provider timed out, refused or kept failing after retries."""


class AnswerRejected(AnalyzerError):
    """The model's answer was unusable: not JSON, off-schema, or citing ids not in the evidence."""
