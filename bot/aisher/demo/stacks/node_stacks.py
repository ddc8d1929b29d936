"""Node.js errors as @opentelemetry/api records them: V8 stacks of at most ten frames, and an
`exception.type` that is the error's `code` when it has one (`ERR_BAD_RESPONSE`, `14`)."""

from __future__ import annotations

import random
from collections.abc import Callable

from aisher.demo.stacks.rendering import Layer, code_line, entity_of, render_node
from aisher.demo.stacks.throw_site import ErrorKind, Thrown, ThrowSite, require_call, split_code
from aisher.demo.volatile import fill

_NM = "/app/node_modules"
_TICKS = "process.processTicksAndRejections (node:internal/process/task_queues:95:5)"
_EXPRESS = (
    f"Layer.handle [as handle_request] ({_NM}/express/lib/router/layer.js:95:5)",
    f"next ({_NM}/express/lib/router/route.js:149:13)",
    f"Route.dispatch ({_NM}/express/lib/router/route.js:119:3)",
    f"Layer.handle [as handle_request] ({_NM}/express/lib/router/layer.js:95:5)",
    f"{_NM}/express/lib/router/index.js:284:15",
    f"Function.process_params ({_NM}/express/lib/router/index.js:346:12)",
    f"next ({_NM}/express/lib/router/index.js:280:10)",
)
_AXIOS_STATUS = (
    f"settle ({_NM}/axios/lib/core/settle.js:19:12)",
    f"IncomingMessage.handleStreamEnd ({_NM}/axios/lib/adapters/http.js:599:11)",
    "IncomingMessage.emit (node:events:531:35)",
    "endReadableNT (node:internal/streams/readable:1696:12)",
    "process.processTicksAndRejections (node:internal/process/task_queues:82:21)",
    f"Axios.request ({_NM}/axios/lib/core/Axios.js:45:41)",
    _TICKS,
)
_AXIOS_TIMEOUT = (
    f"RedirectableRequest.handleRequestTimeout ({_NM}/axios/lib/adapters/http.js:647:16)",
    "RedirectableRequest.emit (node:events:519:28)",
    f"Timeout.<anonymous> ({_NM}/follow-redirects/index.js:221:12)",
    "listOnTimeout (node:internal/timers:581:17)",
    "process.processTimers (node:internal/timers:519:7)",
    f"Axios.request ({_NM}/axios/lib/core/Axios.js:45:41)",
    _TICKS,
)
_GRPC = (
    f"callErrorFromStatus ({_NM}/@grpc/grpc-js/build/src/call.js:31:19)",
    f"Object.onReceiveStatus ({_NM}/@grpc/grpc-js/build/src/client.js:193:76)",
    f"Object.onReceiveStatus ({_NM}/@grpc/grpc-js/build/src/client-interceptors.js:360:141)",
    f"Object.onReceiveStatus ({_NM}/@grpc/grpc-js/build/src/client-interceptors.js:323:181)",
    f"{_NM}/@grpc/grpc-js/build/src/resolving-call.js:129:78",
    "process.processTicksAndRejections (node:internal/process/task_queues:77:11)",
)
_KNEX = (
    f"Client_PG.acquireConnection ({_NM}/knex/lib/client.js:332:26)",
    _TICKS,
    f"async Runner.ensureConnection ({_NM}/knex/lib/execution/runner.js:305:28)",
    f"async Runner.run ({_NM}/knex/lib/execution/runner.js:30:19)",
)
_IOREDIS = (
    f"Timeout._onTimeout ({_NM}/ioredis/built/Redis.js:325:29)",
    "listOnTimeout (node:internal/timers:581:17)",
    "process.processTimers (node:internal/timers:519:7)",
)
_JOI = (
    f"Object.exports.process ({_NM}/joi/lib/errors.js:193:16)",
    f"internals.entry ({_NM}/joi/lib/validator.js:253:26)",
    f"exports.entry ({_NM}/joi/lib/validator.js:133:14)",
    f"internals.Base.validate ({_NM}/joi/lib/base.js:548:26)",
)
_ABORT = (
    "abortIncoming (node:_http_server:794:17)",
    "socketOnClose (node:_http_server:788:3)",
    "Socket.emit (node:events:531:35)",
    "TCP.<anonymous> (node:net:337:12)",
)
_GRPC_NUMBERS = {"UNAVAILABLE": "14", "INTERNAL": "13", "UNKNOWN": "2", "DEADLINE_EXCEEDED": "4"}


def _kebab(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


def _frame(site: ThrowSite, dotted: str, *, awaited: bool) -> str:
    module, cls, method = split_code(dotted)
    file = f"/app/src/{module.replace('.', '/')}/{_kebab(cls or method)}.js"
    line = code_line(site.version, dotted)
    column = code_line(site.version, dotted + ":", 5, 40)
    name = f"{cls}.{method}" if cls else method
    return f"{'async ' if awaited else ''}{name} ({file}:{line}:{column})"


def _app(site: ThrowSite, *, call: bool, awaited: bool = True) -> list[str]:
    """The code path innermost first: after an await V8 only keeps `async` frames."""
    path = list(reversed(site.code))
    if call and site.call is not None:
        path.insert(0, site.call.via)
    frames = [_frame(site, dotted, awaited=awaited or i > 0) for i, dotted in enumerate(path)]
    return frames if awaited else [*frames, *_EXPRESS]


def _error(type_: str, name: str, message: str, frames: list[str]) -> Thrown:
    return Thrown(type_, message, render_node(Layer(name, message, tuple(frames))))


def app_fault(site: ThrowSite, rng: random.Random) -> Thrown:
    if site.variant % 2:
        frames = ["Date.toISOString (<anonymous>)", *_app(site, call=False, awaited=False)]
        return _error("RangeError", "RangeError", "Invalid time value", frames)
    entity = entity_of(site.code[-1]).lower()
    message = fill(f"{entity} {{uuid}} has no active price list for region {{city}}", rng)
    return _error("Error", "Error", message, _app(site, call=False, awaited=False))


def deploy_bug(site: ThrowSite, rng: random.Random) -> Thrown:
    message = (
        "order.items.map is not a function"
        if site.variant % 2
        else "Cannot read properties of undefined (reading 'currency')"
    )
    return _error("TypeError", "TypeError", message, _app(site, call=False, awaited=False))


def pool_exhausted(site: ThrowSite, rng: random.Random) -> Thrown:
    message = (
        "Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a "
        ".transacting(trx) call?"
    )
    frames = [*_KNEX, *_app(site, call=True)]
    return _error("KnexTimeoutError", "KnexTimeoutError", message, frames)


def http_status(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    code = "ERR_BAD_RESPONSE" if call.status >= 500 else "ERR_BAD_REQUEST"
    message = f"Request failed with status code {call.status}"
    return _error(code, "AxiosError", message, [*_AXIOS_STATUS, *_app(site, call=True)])


def _grpc(site: ThrowSite, code: str, detail: str) -> Thrown:
    number = _GRPC_NUMBERS.get(code, "13")
    frames = [*_GRPC, *_app(site, call=True)]
    return _error(number, "Error", f"{number} {code}: {detail}", frames)


def grpc_status(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    return _grpc(site, call.grpc_code or "INTERNAL", call.detail)


def call_timeout(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    if call.protocol == "grpc":
        detail = fill(
            f"Deadline exceeded after {call.timeout_ms / 1000 + 0.001:.3f}s,LB pick: 0.000s,"
            f"remote_addr={{ip}}:{call.port}",
            rng,
        )
        return _grpc(site, "DEADLINE_EXCEEDED", detail)
    message = f"timeout of {call.timeout_ms}ms exceeded"
    return _error("ECONNABORTED", "AxiosError", message, [*_AXIOS_TIMEOUT, *_app(site, call=True)])


def cache_timeout(site: ThrowSite, rng: random.Random) -> Thrown:
    return _error("Error", "Error", "Command timed out", list(_IOREDIS))


def validation(site: ThrowSite, rng: random.Random) -> Thrown:
    frames = [*_JOI, *_app(site, call=False, awaited=False)]
    return _error("ValidationError", "ValidationError", '"amount" must be greater than 0', frames)


def client_abort(site: ThrowSite, rng: random.Random) -> Thrown:
    return _error("ECONNRESET", "Error", "aborted", list(_ABORT))


BUILDERS: dict[ErrorKind, Callable[[ThrowSite, random.Random], Thrown]] = {
    ErrorKind.APP_FAULT: app_fault,
    ErrorKind.DEPLOY_BUG: deploy_bug,
    ErrorKind.POOL_EXHAUSTED: pool_exhausted,
    ErrorKind.POOL_WRAPPER: pool_exhausted,  # knex's error reaches the handler unchanged
    ErrorKind.HTTP_STATUS: http_status,
    ErrorKind.GRPC_STATUS: grpc_status,
    ErrorKind.CALL_TIMEOUT: call_timeout,
    ErrorKind.CLIENT_TIMEOUT: call_timeout,
    ErrorKind.CACHE_TIMEOUT: cache_timeout,
    ErrorKind.VALIDATION: validation,
    ErrorKind.CLIENT_ABORT: client_abort,
}
