"""Log lines the way each kind of service writes them: Spring and Tomcat, uvicorn, slog, pino.

Normal requests log at INFO (sampled, as busy services do), failures at ERROR with the trace
and span ids of the failing span, retries, cache fallbacks and slow requests at WARN.
"""

from __future__ import annotations

import random

from aisher.demo.stacks.throw_site import Language, Thrown, split_code
from aisher.demo.systems.topology import Operation, Protocol
from aisher.demo.traffic.drafts import LogDraft, Pod, SpanDraft
from aisher.demo.volatile import fill

INFO_SAMPLE = 0.12  # share of successful requests that leave an INFO line
SLOW_REQUEST_MS = 2000

_TOMCAT = "org.apache.catalina.core.ContainerBase.[Tomcat].[localhost].[/].[dispatcherServlet]"
_ERROR_BODIES = {
    (Language.JAVA, Protocol.HTTP): (
        _TOMCAT,
        "Servlet.service() for servlet [dispatcherServlet] in context with path [] threw "
        "exception [Request processing failed: {type}: {message}] with root cause",
    ),
    (Language.JAVA, Protocol.GRPC): (
        "io.grpc.internal.SerializingExecutor",
        "Exception while executing runnable io.grpc.internal.ServerImpl$JumpToApplicationThread"
        "ServerStreamListener$1HalfClosed@{hex8}",
    ),
    (Language.PYTHON, Protocol.HTTP): ("uvicorn.error", "Exception in ASGI application"),
    (Language.PYTHON, Protocol.GRPC): (
        "grpc._cython.cygrpc",
        "Unexpected [{type}] raised by servicer method [{operation}]",
    ),
}
_RETRY = {
    Language.JAVA: "Retry '{peer}' recorded a failed retry attempt. Number of retry attempts: "
    "'{attempt}'. Waiting PT{backoff}S until the next attempt. Last exception was: '{reason}'",
    Language.PYTHON: "Retrying {operation} on {peer} in {backoff} seconds as it raised {reason}",
    Language.GO: 'msg="retrying call" peer={peer} attempt={attempt} backoff={backoff}s '
    'err="{reason}"',
    Language.NODEJS: "retrying {operation} on {peer} (attempt {attempt}) after {backoff}s: "
    "{reason}",
}
_FALLBACK = {
    Language.JAVA: "Cache read failed for {operation}, falling back to the database: {reason}",
    Language.PYTHON: "cache unavailable for {operation}, serving from the database: {reason}",
    Language.GO: 'msg="cache read failed, falling back" op="{operation}" err="{reason}"',
    Language.NODEJS: "cache read failed for {operation}, falling back: {reason}",
}
_STARTUP = {
    Language.JAVA: "Started {app}Application in {seconds} seconds (process running for {more})",
    Language.PYTHON: "Application startup complete.",
    Language.GO: 'msg="server listening" addr=:{port} version={version}',
    Language.NODEJS: "server listening on port {port} (version {version})",
}


def logger_of(pod: Pod, operation: Operation | None = None) -> str:
    """The logger a line comes from: the handler's class or module, or the service."""
    service = pod.service
    if operation is None:
        return service.package or service.name
    module, cls, _ = split_code(operation.code[0])
    if service.language is Language.JAVA:
        return f"{service.package}.{module}.{cls}"
    if service.language is Language.PYTHON:
        return f"{service.package}.{module}"
    return f"{service.package}/{module}" if service.package else service.name


def _line(span: SpanDraft, severity: str, body: str, logger: str, time_ns: int) -> LogDraft:
    return LogDraft(time_ns, span.pod, severity, body, logger, span.trace_id, span.span_id)


def request_log(span: SpanDraft, operation: Operation, rng: random.Random) -> LogDraft:
    """The INFO line of a request that went well."""
    pod, ms = span.pod, (span.end_ns - span.start_ns) // 1_000_000
    language = pod.service.language
    status = span.attributes.get("http.response.status_code", 200)
    path = span.attributes.get("url.path", operation.route)
    if operation.log:
        body, logger = fill(operation.log, rng), logger_of(pod, operation)
    elif language is Language.PYTHON and operation.protocol is Protocol.HTTP:
        body = fill(f'{{ip}}:{{port}} - "{operation.method} {path} HTTP/1.1" {status}', rng)
        logger = "uvicorn.access"
    elif language is Language.GO:
        body = f'msg="request completed" op="{operation.name}" status={status} duration={ms}ms'
        logger = logger_of(pod, operation)
    else:
        body, logger = f"{operation.name} completed in {ms} ms", logger_of(pod, operation)
    return _line(span, "INFO", body, logger, span.end_ns)


def error_log(
    span: SpanDraft, operation: Operation, thrown: Thrown | None, reason: str
) -> LogDraft:
    """The ERROR line a failed request leaves, with the exception when the runtime logs one."""
    pod = span.pod
    key = (pod.service.language, operation.protocol)
    if thrown is not None and key in _ERROR_BODIES:
        logger, template = _ERROR_BODIES[key]
        body = template.format(
            type=thrown.type,
            message=thrown.message,
            operation=operation.name,
            hex8=span.span_id[:8],
        )
    elif pod.service.language is Language.GO:
        logger, body = (
            logger_of(pod, operation),
            f'msg="request failed" op="{operation.name}" err="{reason}"',
        )
    else:
        logger, body = logger_of(pod, operation), f"{operation.name} failed: {reason}"
    line = _line(span, "ERROR", body, logger, span.end_ns)
    if thrown is not None:
        line.attributes = {"exception.type": thrown.type, "exception.message": thrown.message}
    return line


def retry_log(
    span: SpanDraft,
    operation: Operation,
    *,
    at: int,
    peer: str,
    attempt: int,
    backoff_s: float,
    reason: str,
) -> LogDraft:
    """The WARN line of a retry, logged at `at` by the operation whose call failed."""
    template = _RETRY[span.pod.service.language]
    body = template.format(
        peer=peer,
        attempt=attempt,
        backoff=f"{backoff_s:.3f}",
        reason=reason,
        operation=operation.name,
    )
    return _line(span, "WARN", body, logger_of(span.pod, operation), at)


def fallback_log(span: SpanDraft, operation: Operation, reason: str, *, at: int) -> LogDraft:
    """The WARN line of code that carries on without a failed dependency, logged at `at`."""
    template = _FALLBACK[span.pod.service.language]
    body = template.format(operation=operation.name, reason=reason)
    return _line(span, "WARN", body, logger_of(span.pod, operation), at)


def slow_log(span: SpanDraft, operation: Operation) -> LogDraft:
    ms = (span.end_ns - span.start_ns) // 1_000_000
    body = f"Slow request: {operation.name} took {ms} ms (threshold {SLOW_REQUEST_MS} ms)"
    return _line(span, "WARN", body, logger_of(span.pod, operation), span.end_ns)


def startup_log(pod: Pod, time_ns: int, rng: random.Random) -> LogDraft:
    """What a fresh pod logs once it is ready; deploys show up in logs this way."""
    service = pod.service
    app = "".join(part.title() for part in service.name.split("-"))
    seconds = rng.uniform(5.5, 14.0)
    body = _STARTUP[service.language].format(
        app=app,
        seconds=f"{seconds:.3f}",
        more=f"{seconds + rng.uniform(0.4, 1.2):.3f}",
        port=service.port,
        version=pod.version,
    )
    return LogDraft(time_ns, pod, "INFO", body, logger_of(pod))
