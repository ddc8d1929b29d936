"""How a failure travels up a call chain: what each runtime answers, and what the caller sees.

A service whose own code fails answers 500 (or gRPC UNKNOWN/INTERNAL); one whose downstream
failed answers by its runtime's habit: Spring and FastAPI let the exception escape (500),
Go and Express handlers map it (502/503/504). The caller's client span records the status it
got; a caller that waited past its timeout sees no status at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aisher.demo.stacks.throw_site import ErrorKind, Language, Thrown, status_line
from aisher.demo.systems.topology import Protocol
from aisher.demo.traffic.drafts import STATUS_ERROR, SpanDraft
from aisher.demo.traffic.instrumentation import GRPC_CODES
from aisher.window import iso_from_ns

# What a third-party API's edge answers while it is down; '' is a generic load balancer's page.
VENDOR_503 = {
    "stripe": '{"error":{"message":"An unknown error occurred","type":"api_error"}}',
    "adyen": '{"status":503,"errorCode":"000","message":"Service Unavailable",'
    '"errorType":"internal"}',
    "": "<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this "
    "request.\n</body></html>",
}


class Mode(StrEnum):
    ERROR = "error"  # the callee answered 5xx
    UNAVAILABLE = "unavailable"  # the callee answered 503 / UNAVAILABLE
    TIMEOUT = "timeout"  # the caller stopped waiting
    REJECTED = "rejected"  # 4xx: the request itself was wrong; nobody retries it
    CANCELLED = "cancelled"  # the user went away


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed call as the caller sees it."""

    mode: Mode
    status: int = 500
    grpc: str = "UNKNOWN"
    detail: str = ""
    body: str = ""


# (HTTP status, gRPC code) a service answers when a downstream call failed in this mode: Spring
# and FastAPI let the exception escape, Go and Express handlers map the failure.
_ESCAPED: dict[Mode, tuple[int, str]] = {
    Mode.ERROR: (500, "UNKNOWN"),
    Mode.UNAVAILABLE: (500, "UNKNOWN"),
    Mode.TIMEOUT: (500, "UNKNOWN"),
}
_MAPPED: dict[Mode, tuple[int, str]] = {
    Mode.ERROR: (502, "INTERNAL"),
    Mode.UNAVAILABLE: (503, "UNAVAILABLE"),
    Mode.TIMEOUT: (504, "DEADLINE_EXCEEDED"),
}
_ANSWERS: dict[Language, dict[Mode, tuple[int, str]]] = {
    Language.JAVA: _ESCAPED,
    Language.PYTHON: _ESCAPED,
    Language.GO: _MAPPED,
    Language.NODEJS: _MAPPED,
}
_OWN_GRPC = {
    Language.JAVA: "UNKNOWN",
    Language.PYTHON: "UNKNOWN",
    Language.GO: "INTERNAL",
    Language.NODEJS: "INTERNAL",
}
_BODIES = {
    Language.PYTHON: "Internal Server Error",
    Language.GO: '{{"error":"{reason}"}}',
    Language.NODEJS: '{{"message":"{reason}"}}',
}


def error_body(language: Language, status: int, path: str, time_ns: int) -> str:
    """The body a service sends with a 5xx, as its framework writes it."""
    if language is Language.JAVA:
        return (
            f'{{"timestamp":"{iso_from_ns(time_ns)[:-1]}+00:00","status":{status},'
            f'"error":"{status_line(status)[4:]}","path":"{path}"}}'
        )
    reason = status_line(status)[4:]
    return _BODIES[language].format(reason=reason.lower() if language is Language.GO else reason)


def _grpc_detail(language: Language, thrown: Thrown | None) -> str:
    """The status description a gRPC client receives for an exception on the server."""
    if thrown is None or language is Language.JAVA:
        return ""  # grpc-java sends UNKNOWN with no description for an unhandled exception
    if language is Language.PYTHON:
        return f"Unexpected <class '{thrown.type}'>: {thrown.message}"
    return thrown.message


def answer(
    language: Language,
    protocol: Protocol,
    below: Failure | None,
    thrown: Thrown | None,
    *,
    path: str,
    time_ns: int,
) -> Failure:
    """What a failing service answers its caller: its own fault when `below` is None."""
    if below is None or below.mode is Mode.REJECTED:
        status, grpc = (500, _OWN_GRPC[language]) if below is None else (below.status, below.grpc)
    else:
        status, grpc = _ANSWERS[language][
            below.mode if below.mode in _ANSWERS[language] else Mode.ERROR
        ]
    if protocol is Protocol.GRPC:
        mode = Mode.UNAVAILABLE if grpc == "UNAVAILABLE" else Mode.ERROR
        return Failure(mode, status, grpc, _grpc_detail(language, thrown))
    mode = Mode.UNAVAILABLE if status == 503 else Mode.ERROR
    body = error_body(language, status, path, time_ns)
    return Failure(mode, status, grpc, status_line(status), body)


def wrapper_kind(protocol: str, failure: Failure) -> ErrorKind:
    """The exception a caller raises for a failed call over `protocol`."""
    if failure.mode is Mode.TIMEOUT:
        return ErrorKind.CALL_TIMEOUT
    return ErrorKind.GRPC_STATUS if protocol == "grpc" else ErrorKind.HTTP_STATUS


def finish_client(
    span: SpanDraft, grpc: bool, failure: Failure | None, error_type: str = ""
) -> None:
    """Status and response attributes of a client span, per the HTTP and RPC conventions."""
    if grpc:
        code = "OK" if failure is None else failure.grpc
        span.attributes["rpc.grpc.status_code"] = GRPC_CODES.get(code, 2)
    elif failure is not None:
        if failure.status:  # a caller that timed out never saw a status
            span.attributes["http.response.status_code"] = failure.status
    else:
        method = span.attributes.get("http.request.method")
        span.attributes["http.response.status_code"] = 201 if method == "POST" else 200
    if failure is None:
        return
    span.status = STATUS_ERROR
    if failure.mode is Mode.TIMEOUT:
        span.status_message = failure.detail
        span.attributes["error.type"] = error_type or "timeout"
    elif grpc:
        span.status_message = failure.detail
    else:
        span.attributes["error.type"] = str(failure.status)
