"""Go errors as otel-go records them with `trace.WithStackTrace(true)`: goroutine dumps whose
argument words are fresh pointers on every request, and panic dumps for runtime errors."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from aisher.demo.stacks.rendering import code_line, entity_of, render_go, snake
from aisher.demo.stacks.throw_site import (
    ErrorKind,
    Thrown,
    ThrowSite,
    require_call,
    split_code,
    status_line,
)
from aisher.demo.volatile import fill, volatile

_MOD = "/go/pkg/mod"
_OTEL_RECORD = (
    "runtime/debug.Stack()\n\t/usr/local/go/src/runtime/debug/stack.go:26 +0x5e",
    "go.opentelemetry.io/otel/sdk/trace.recordStackTrace()\n"
    f"\t{_MOD}/go.opentelemetry.io/otel/sdk@v1.28.0/trace/span.go:509 +0x1d",
    "go.opentelemetry.io/otel/sdk/trace.(*recordingSpan).RecordError(<ptr>, {<pc>, <ptr>}, "
    "{<ptr>, 0x1, 0x1})\n"
    f"\t{_MOD}/go.opentelemetry.io/otel/sdk@v1.28.0/trace/span.go:482 +0x3e5",
)
_HTTP = (
    "net/http.HandlerFunc.ServeHTTP(<ptr>, {<pc>, <ptr>}, <ptr>)\n"
    "\t/usr/local/go/src/net/http/server.go:2171 +0x29",
    "github.com/go-chi/chi/v5.(*Mux).routeHTTP(<ptr>, {<pc>, <ptr>}, <ptr>)\n"
    f"\t{_MOD}/github.com/go-chi/chi/v5@v5.0.12/mux.go:459 +0x310",
    "net/http.HandlerFunc.ServeHTTP(...)\n\t/usr/local/go/src/net/http/server.go:2171",
    "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp.(*middleware).serveHTTP("
    "<ptr>, {<pc>, <ptr>}, <ptr>, {<pc>, <ptr>})\n"
    f"\t{_MOD}/go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp@v0.53.0/"
    "handler.go:218 +0x1202",
    "net/http.serverHandler.ServeHTTP({<ptr>}, {<pc>, <ptr>}, <ptr>)\n"
    "\t/usr/local/go/src/net/http/server.go:3142 +0x8e",
    "net/http.(*conn).serve(<ptr>, {<pc>, <ptr>})\n\t/usr/local/go/src/net/http/server.go:2044"
    " +0x5e8",
    "created by net/http.(*Server).Serve in goroutine 1\n"
    "\t/usr/local/go/src/net/http/server.go:3290 +0x4b4",
)
_GRPC = (
    "google.golang.org/grpc.(*Server).processUnaryRPC(<ptr>, {<pc>, <ptr>}, <ptr>, <ptr>, "
    "<ptr>, <ptr>, 0x0)\n"
    f"\t{_MOD}/google.golang.org/grpc@v1.64.0/server.go:1379 +0xdf8",
    "google.golang.org/grpc.(*Server).handleStream(<ptr>, {<pc>, <ptr>}, <ptr>)\n"
    f"\t{_MOD}/google.golang.org/grpc@v1.64.0/server.go:1790 +0xe8a",
    "google.golang.org/grpc.(*Server).serveStreams.func2.1()\n"
    f"\t{_MOD}/google.golang.org/grpc@v1.64.0/server.go:1029 +0x8b",
    "created by google.golang.org/grpc.(*Server).serveStreams.func2 in goroutine <count>\n"
    f"\t{_MOD}/google.golang.org/grpc@v1.64.0/server.go:1040 +0x125",
)
_KAFKA = (
    "github.com/twmb/franz-go/pkg/kgo.(*Client).EachRecord(...)\n"
    f"\t{_MOD}/github.com/twmb/franz-go@v1.17.1/pkg/kgo/record_and_fetch.go:412",
    "main.run({<pc>, <ptr>})\n\t/src/cmd/worker/main.go:88 +0x4c5",
)
_FRAMEWORK = {"http": _HTTP, "grpc": _GRPC, "messaging": _KAFKA}
_WORD = re.compile(r"<(ptr|pc|count)>")
_GRPC_CODES = {"UNAVAILABLE": "Unavailable", "INTERNAL": "Internal", "UNKNOWN": "Unknown"}


def _words(frame: str, rng: random.Random) -> str:
    """Fresh argument words: pointers and type words differ on every request."""
    return _WORD.sub(lambda match: volatile(match.group(1), rng), frame)


def _frame(site: ThrowSite, dotted: str) -> str:
    module, cls, method = split_code(dotted)
    receiver = f"(*{cls})." if cls else ""
    file = snake(cls) if cls else module.rsplit(".", 1)[-1]
    line = code_line(site.version, dotted)
    offset = code_line(site.version, dotted + "+", 16, 900)
    path = module.replace(".", "/")
    return (
        f"{site.package}/internal/{path}.{receiver}{method}(<ptr>, {{<pc>, <ptr>}})\n"
        f"\t/src/internal/{path}/{file}.go:{line} +0x{offset:x}"
    )


def _dump(site: ThrowSite, rng: random.Random, *, panic: str = "", call: bool = True) -> str:
    inner = [_frame(site, dotted) for dotted in reversed(site.code)]
    if call and site.call is not None:
        inner.insert(0, _frame(site, site.call.via))
    lead = [] if panic else list(_OTEL_RECORD)
    frames = [_words(f, rng) for f in (*lead, *inner, *_FRAMEWORK.get(site.protocol, _HTTP))]
    return render_go(fill("{goroutine}", rng), frames, panic)


def _error(site: ThrowSite, rng: random.Random, type_: str, message: str) -> Thrown:
    return Thrown(type_, message, _dump(site, rng))


def app_fault(site: ThrowSite, rng: random.Random) -> Thrown:
    entity = entity_of(site.code[-1]).lower()
    if site.variant % 2:
        message = fill(
            f"persist {entity}: invariant violated: remaining balance -{{amount}} < 0", rng
        )
        return _error(site, rng, "*fmt.wrapError", message)
    message = fill(f'{entity} {{uuid}}: subscription state "GRACE_PERIOD" is not handled', rng)
    return _error(site, rng, "*errors.errorString", message)


def deploy_bug(site: ThrowSite, rng: random.Random) -> Thrown:
    if site.variant % 2:
        message = "runtime error: index out of range [3] with length 3"
        panic = f"panic: {message}"
        return Thrown("runtime.boundsError", message, _dump(site, rng, panic=panic, call=False))
    message = "runtime error: invalid memory address or nil pointer dereference"
    signal = fill(
        "[signal SIGSEGV: segmentation violation code=0x1 addr=0x{version_n} pc={pc}]", rng
    )
    dump = _dump(site, rng, panic=f"panic: {message}\n{signal}", call=False)
    return Thrown("runtime.errorString", message, dump)


def pool_exhausted(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    message = (
        f"begin tx: failed to acquire connection from pool (max_conns=20, acquire timeout "
        f"{call.timeout_ms}ms): context deadline exceeded"
    )
    return _error(site, rng, "*fmt.wrapError", message)


def pool_wrapper(site: ThrowSite, rng: random.Random) -> Thrown:
    inner = pool_exhausted(site, rng)
    entity = entity_of(site.code[-1]).lower()
    return Thrown(inner.type, f"{entity}: {inner.message}", inner.stacktrace)


def http_status(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    message = f"{call.method.lower()} {call.peer}: unexpected status {status_line(call.status)}"
    if call.body:
        message += f": {call.body}"
    return _error(site, rng, "*fmt.wrapError", message)


def grpc_status(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    code = _GRPC_CODES.get(call.grpc_code, "Internal")
    return _error(site, rng, "*status.Error", f"rpc error: code = {code} desc = {call.detail}")


def call_timeout(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    if call.protocol == "grpc":
        message = "rpc error: code = DeadlineExceeded desc = context deadline exceeded"
        return _error(site, rng, "*status.Error", message)
    message = (
        f'{call.method.title()} "{call.url}": context deadline exceeded '
        "(Client.Timeout exceeded while awaiting headers)"
    )
    return _error(site, rng, "*url.Error", message)


def cache_timeout(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    message = fill(f"read tcp {{ip}}:{{port}}->{{ip}}:{call.port}: i/o timeout", rng)
    return _error(site, rng, "*net.OpError", message)


def validation(site: ThrowSite, rng: random.Random) -> Thrown:
    entity = entity_of(site.code[-1])
    message = (
        f"Key: '{entity}Request.Amount' Error:Field validation for 'Amount' failed on the 'gt' tag"
    )
    return _error(site, rng, "validator.ValidationErrors", message)


def client_abort(site: ThrowSite, rng: random.Random) -> Thrown:
    return Thrown("*errors.errorString", "context canceled", _dump(site, rng, call=False))


BUILDERS: dict[ErrorKind, Callable[[ThrowSite, random.Random], Thrown]] = {
    ErrorKind.APP_FAULT: app_fault,
    ErrorKind.DEPLOY_BUG: deploy_bug,
    ErrorKind.POOL_EXHAUSTED: pool_exhausted,
    ErrorKind.POOL_WRAPPER: pool_wrapper,
    ErrorKind.HTTP_STATUS: http_status,
    ErrorKind.GRPC_STATUS: grpc_status,
    ErrorKind.CALL_TIMEOUT: call_timeout,
    ErrorKind.CLIENT_TIMEOUT: call_timeout,
    ErrorKind.CACHE_TIMEOUT: cache_timeout,
    ErrorKind.VALIDATION: validation,
    ErrorKind.CLIENT_ABORT: client_abort,
}
