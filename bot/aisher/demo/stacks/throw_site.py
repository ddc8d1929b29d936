"""What the rest of the demo tells the stack generators, and what it gets back.

A `ThrowSite` says where an exception is thrown (the service, its runtime, the operation's
dotted code path such as `web.ChargeController.create`, the pod) and, for a failed call, the
`CallSite` it is about; an `ErrorKind` says what went wrong. The generators answer with a
`Thrown`: type, message and the stack trace text as that runtime prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Language(StrEnum):
    """A service's runtime, as `telemetry.sdk.language` names it."""

    JAVA = "java"
    PYTHON = "python"
    GO = "go"
    NODEJS = "nodejs"


class ErrorKind(StrEnum):
    """The situations a generated exception describes; each language renders its own version."""

    APP_FAULT = "app_fault"  # the service's own code throws (failing dependency)
    DEPLOY_BUG = "deploy_bug"  # a new release dereferences something missing
    POOL_EXHAUSTED = "pool_exhausted"  # no database connection within the pool timeout
    POOL_WRAPPER = "pool_wrapper"  # the request handler's view of that
    HTTP_STATUS = "http_status"  # a downstream HTTP call answered 5xx
    GRPC_STATUS = "grpc_status"  # a downstream gRPC call ended UNAVAILABLE/INTERNAL
    CALL_TIMEOUT = "call_timeout"  # the caller gave up waiting (read timeout, deadline)
    CLIENT_TIMEOUT = "client_timeout"  # the same, as the client library raised it
    CACHE_TIMEOUT = "cache_timeout"  # a cache command timed out (background noise)
    VALIDATION = "validation"  # a request failed validation (background noise)
    CLIENT_ABORT = "client_abort"  # the user went away mid-response (background noise)


@dataclass(frozen=True, slots=True)
class CallSite:
    """The downstream call an exception is about: who was called, how, and what came back."""

    via: str
    peer: str
    protocol: str
    host: str
    port: int
    route: str
    method: str = "GET"
    url: str = ""
    status: int = 0
    grpc_code: str = ""
    body: str = ""
    timeout_ms: int = 0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ThrowSite:
    """Where an exception is thrown: the service, the operation's code path and the pod."""

    service: str
    package: str
    language: Language
    protocol: str
    operation: str
    code: tuple[str, ...]
    version: str
    accessors: tuple[int, int]
    call: CallSite | None = None
    variant: int = 0


@dataclass(frozen=True, slots=True)
class Thrown:
    """An exception ready for a span event: type, message and the full stack trace text."""

    type: str
    message: str
    stacktrace: str


def require_call(site: ThrowSite) -> CallSite:
    """The failed call of a site whose exception is about one; a programming error otherwise."""
    if site.call is None:
        raise ValueError(f"{site.service}: this exception needs the call that failed")
    return site.call


REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def status_line(status: int) -> str:
    """`503 Service Unavailable`."""
    return f"{status} {REASONS.get(status, 'Error')}"


def split_code(dotted: str) -> tuple[str, str, str]:
    """`service.ChargeService.charge` → (`service`, `ChargeService`, `charge`); class may be ''."""
    parts = dotted.split(".")
    if len(parts) >= 3 and parts[-2][:1].isupper():
        return ".".join(parts[:-2]), parts[-2], parts[-1]
    return ".".join(parts[:-1]), "", parts[-1]
