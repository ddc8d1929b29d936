"""The log lines services write beside their spans, in each language's usual wording."""

from __future__ import annotations

import random

from tests.incidents.generator.model import ErrorDetail, LogRecord, Span

ACCESS_LOG_SHARE = 0.12  # most request logs are sampled away before they reach the backend
_LOGGERS = {
    "python": "uvicorn.error",
    "nodejs": "pino",
    "java": "org.springframework.web.servlet",
    "go": "log/slog",
}


class LogWriter:
    """Collects the log records of one incident's traffic."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.records: list[LogRecord] = []

    def access(self, span: Span, operation: str) -> None:
        """A sampled request log for a request that went well."""
        if self._rng.random() >= ACCESS_LOG_SHARE:
            return
        took = (span.end_ns - span.start_ns) / 1e6
        language = span.instance.language
        if language == "python":
            path = span.attributes.get("url.path", operation)
            body = f"{operation.split(' ', maxsplit=1)[0]} {path} 200 in {took:.1f}ms"
        elif language == "java":
            body = f"Completed {operation} in {took:.0f} ms"
        elif language == "nodejs":
            body = f"request completed {operation} ({took:.1f}ms)"
        else:
            body = f'msg="request served" op="{operation}" duration={took:.2f}ms'
        self._add(span.end_ns, "INFO", body, span)

    def failure(self, span: Span, operation: str, error: ErrorDetail, time_ns: int) -> None:
        """The ERROR line a handler writes when it fails or swallows a failure."""
        language = span.instance.language
        if language == "go":
            body = f'msg="request failed" op="{operation}" err="{error.message}"'
        elif language == "java":
            body = f"Request processing failed for {operation}: {error.exception_type}: "
            body += error.message
        else:
            body = f"{operation} failed: {error.exception_type}: {error.message}"
        exception = (
            ("exception.type", error.exception_type),
            ("exception.message", error.message),
            ("exception.stacktrace", error.stacktrace),
        )
        self._add(time_ns, "ERROR", body, span, exception)

    def rejection(self, span: Span, operation: str, error: ErrorDetail, time_ns: int) -> None:
        """The WARN line for a request answered with a client error."""
        self._add(time_ns, "WARN", f"{operation} rejected: {error.message}", span)

    def retry(self, span: Span, target: str, error: ErrorDetail | None, time_ns: int) -> None:
        reason = error.message if error else "no answer"
        self._add(time_ns, "WARN", f"retrying call to {target} after: {reason}", span)

    def _add(
        self,
        time_ns: int,
        severity: str,
        body: str,
        span: Span,
        attributes: tuple[tuple[str, str], ...] = (),
    ) -> None:
        instance = span.instance
        self.records.append(
            LogRecord(
                time_ns=time_ns,
                instance=instance,
                scope=_LOGGERS[instance.language],
                severity=severity,
                body=body,
                trace_id=span.trace_id,
                span_id=span.span_id,
                attributes=attributes,
            )
        )
