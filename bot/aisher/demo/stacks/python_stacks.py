"""Python exceptions as a FastAPI or grpc.aio service records them: full tracebacks with
source lines, chained with "The above exception was the direct cause…" sections."""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import pairwise

from aisher.demo.stacks.rendering import Layer, code_line, entity_of, render_python, snake
from aisher.demo.stacks.throw_site import (
    ErrorKind,
    Thrown,
    ThrowSite,
    require_call,
    split_code,
    status_line,
)
from aisher.demo.volatile import fill

SITE = "/usr/local/lib/python3.11/site-packages"
_PYX = "src/python/grpcio/grpc/_cython/_cygrpc/aio/server.pyx.pxi"


def frames(block: str) -> tuple[str, ...]:
    """Traceback entries of a block: each `File` line with the source line under it, if any."""
    out: list[str] = []
    for line in block.strip("\n").splitlines():
        text = line.replace("{site}", SITE).replace("{pyx}", _PYX)
        if text.lstrip().startswith("File "):
            out.append("  " + text.strip() + "\n")
        elif out:
            out[-1] += "    " + text.strip() + "\n"
    return tuple(out)


_FASTAPI = frames("""
File "{site}/opentelemetry/instrumentation/asgi/__init__.py", line 743, in __call__
  await self.app(scope, otel_receive, otel_send)
File "{site}/starlette/middleware/exceptions.py", line 62, in __call__
  await wrap_app_handling_exceptions(self.app, conn)(scope, receive, send)
File "{site}/starlette/_exception_handler.py", line 53, in wrapped_app
  raise exc
File "{site}/starlette/_exception_handler.py", line 42, in wrapped_app
  await app(scope, receive, sender)
File "{site}/starlette/routing.py", line 715, in __call__
  await self.middleware_stack(scope, receive, send)
File "{site}/starlette/routing.py", line 735, in app
  await route.handle(scope, receive, send)
File "{site}/starlette/routing.py", line 288, in handle
  await self.app(scope, receive, send)
File "{site}/starlette/routing.py", line 76, in app
  await wrap_app_handling_exceptions(app, request)(scope, receive, send)
File "{site}/starlette/_exception_handler.py", line 53, in wrapped_app
  raise exc
File "{site}/starlette/_exception_handler.py", line 42, in wrapped_app
  await app(scope, receive, sender)
File "{site}/starlette/routing.py", line 73, in app
  response = await f(request)
File "{site}/fastapi/routing.py", line 301, in app
  raw_response = await run_endpoint_function(
File "{site}/fastapi/routing.py", line 212, in run_endpoint_function
  return await dependant.call(**values)
""")
# Cython frames of grpc.aio have no source to show, so they print as bare `File` lines.
_GRPC_AIO = frames("""
File "{pyx}", line 689, in _handle_exceptions
File "{pyx}", line 802, in _handle_rpc
File "{pyx}", line 547, in _handle_unary_unary_rpc
File "{pyx}", line 411, in _finish_handler_with_unary_response
File "{site}/opentelemetry/instrumentation/grpc/_aio_server.py", line 109, in _unary_interceptor
  return await behavior(request_or_iterator, context)
""")
_KAFKA = frames("""
File "{site}/opentelemetry/instrumentation/aiokafka/utils.py", line 287, in _traced_process
  return await handler(record)
""")
_HTTPX_SEND = frames("""
File "{site}/httpx/_client.py", line 1540, in request
  return await self.send(request, auth=auth, follow_redirects=follow_redirects)
File "{site}/httpx/_client.py", line 1629, in send
  response = await self._send_handling_auth(
File "{site}/httpx/_client.py", line 1657, in _send_handling_auth
  response = await self._send_handling_redirects(
File "{site}/httpx/_client.py", line 1694, in _send_handling_redirects
  response = await self._send_single_request(request)
File "{site}/httpx/_client.py", line 1730, in _send_single_request
  response = await transport.handle_async_request(request)
File "{site}/httpx/_transports/default.py", line 393, in handle_async_request
  with map_httpcore_exceptions():
File "/usr/local/lib/python3.11/contextlib.py", line 158, in __exit__
  self.gen.throw(typ, value, traceback)
File "{site}/httpx/_transports/default.py", line 118, in map_httpcore_exceptions
  raise mapped_exc(message) from exc
""")
_HTTPCORE_READ = frames("""
File "{site}/httpx/_transports/default.py", line 101, in map_httpcore_exceptions
  yield
File "{site}/httpx/_transports/default.py", line 394, in handle_async_request
  resp = await self._pool.handle_async_request(req)
File "{site}/httpcore/_async/connection_pool.py", line 256, in handle_async_request
  raise exc from None
File "{site}/httpcore/_async/connection_pool.py", line 236, in handle_async_request
  response = await connection.handle_async_request(
File "{site}/httpcore/_async/connection.py", line 103, in handle_async_request
  return await self._connection.handle_async_request(request)
File "{site}/httpcore/_async/http11.py", line 136, in handle_async_request
  raise exc
File "{site}/httpcore/_async/http11.py", line 106, in handle_async_request
  ) = await self._receive_response_headers(**kwargs)
File "{site}/httpcore/_async/http11.py", line 177, in _receive_response_headers
  event = await self._receive_event(timeout=timeout)
File "{site}/httpcore/_async/http11.py", line 217, in _receive_event
  data = await self._network_stream.read(
File "{site}/httpcore/_backends/anyio.py", line 32, in read
  with map_exceptions(exc_map):
File "/usr/local/lib/python3.11/contextlib.py", line 158, in __exit__
  self.gen.throw(typ, value, traceback)
File "{site}/httpcore/_exceptions.py", line 14, in map_exceptions
  raise to_exc(exc) from exc
""")
_SQLALCHEMY_CHECKOUT = frames("""
File "{site}/sqlalchemy/ext/asyncio/session.py", line 1063, in connection
  await greenlet_spawn(
File "{site}/sqlalchemy/util/_concurrency_py3k.py", line 201, in greenlet_spawn
  result = context.throw(*sys.exc_info())
File "{site}/sqlalchemy/orm/session.py", line 2214, in connection
  return self._connection_for_bind(engine, execution_options)
File "{site}/sqlalchemy/orm/session.py", line 2089, in _connection_for_bind
  return trans._connection_for_bind(engine, execution_options)
File "<string>", line 2, in _connection_for_bind
File "{site}/sqlalchemy/orm/state_changes.py", line 139, in _go
  ret_value = fn(self, *arg, **kw)
File "{site}/sqlalchemy/orm/session.py", line 1189, in _connection_for_bind
  conn = bind.connect()
File "{site}/sqlalchemy/engine/base.py", line 3276, in connect
  return self._connection_cls(self)
File "{site}/sqlalchemy/engine/base.py", line 146, in __init__
  self._dbapi_connection = engine.raw_connection()
File "{site}/sqlalchemy/engine/base.py", line 3300, in raw_connection
  return self.pool.connect()
File "{site}/sqlalchemy/pool/base.py", line 449, in connect
  return _ConnectionFairy._checkout(self)
File "{site}/sqlalchemy/pool/base.py", line 1263, in _checkout
  fairy = _ConnectionRecord.checkout(pool)
File "{site}/sqlalchemy/pool/base.py", line 712, in checkout
  rec = pool._do_get()
File "{site}/sqlalchemy/pool/impl.py", line 157, in _do_get
  raise exc.TimeoutError(
""")
_REDIS_READ = frames("""
File "{site}/redis/asyncio/client.py", line 612, in execute_command
  return await conn.retry.call_with_retry(
File "{site}/redis/asyncio/retry.py", line 62, in call_with_retry
  await fail(error)
File "{site}/redis/asyncio/client.py", line 599, in _disconnect_raise
  raise error
File "{site}/redis/asyncio/retry.py", line 59, in call_with_retry
  return await do()
File "{site}/redis/asyncio/client.py", line 586, in _send_command_parse_response
  return await self.parse_response(conn, command_name, **options)
File "{site}/redis/asyncio/client.py", line 633, in parse_response
  response = await connection.read_response()
File "{site}/redis/asyncio/connection.py", line 564, in read_response
  raise TimeoutError(f"Timeout reading from {host_error}")
""")
_GRPC_CALL = frames("""
File "{site}/grpc/aio/_call.py", line 327, in __await__
  raise _create_rpc_error(
""")
_FRAMEWORK = {"http": _FASTAPI, "grpc": _GRPC_AIO, "messaging": _KAFKA}
_APP_FAULTS = (
    (
        "ValueError",
        "ledger balance mismatch for {entity} {uuid}: expected {amount} {currency}, "
        "computed {amount} {currency}",
        "raise ValueError(",
    ),
    (
        "RuntimeError",
        "{entity} snapshot is stale (age {count}s > 30s) for shard {count}",
        "raise RuntimeError(",
    ),
)
_DEPLOY_BUGS = (
    ("KeyError", "'currency'", 'currency = payload["currency"]'),
    (
        "TypeError",
        "unsupported operand type(s) for *: 'NoneType' and 'decimal.Decimal'",
        "total = item.discount * item.unit_price",
    ),
    (
        "AttributeError",
        "'NoneType' object has no attribute 'tier'",
        "if account.plan.tier == Tier.PREMIUM:",
    ),
)


def _frame(site: ThrowSite, dotted: str, code: str, offset: int = 0) -> str:
    module, _, function = split_code(dotted)
    path = "/".join([site.package, *module.split(".")]) if module else site.package
    line = code_line(site.version, dotted) + offset
    return f'  File "/app/{path}.py", line {line}, in {function}\n    {code}\n'


def _calls(next_dotted: str) -> str:
    _, cls, method = split_code(next_dotted)
    target = f"self._{snake(cls)}.{method}" if cls else method
    return f"return await {target}(request)"


def app_frames(site: ThrowSite, innermost: str) -> tuple[str, ...]:
    """Framework frames, then the code path, each frame showing the call into the next."""
    path = list(site.code)
    entries = [_frame(site, a, _calls(b)) for a, b in pairwise(path)]
    entries.append(_frame(site, path[-1], innermost))
    return (*_FRAMEWORK.get(site.protocol, _FASTAPI), *entries)


def _via(site: ThrowSite, innermost: str) -> tuple[str, ...]:
    """The code path ending in the client method that made the failing call."""
    call = require_call(site)
    head = app_frames(site, _calls(call.via))
    return (*head, _frame(site, call.via, innermost))


def _layer(type_: str, message: str, *parts: tuple[str, ...]) -> Layer:
    return Layer(type_, message, tuple(entry for part in parts for entry in part))


def _thrown(*layers: Layer) -> Thrown:
    return Thrown(layers[0].type, layers[0].message, render_python(layers))


def app_fault(site: ThrowSite, rng: random.Random) -> Thrown:
    type_, template, code = _APP_FAULTS[site.variant % len(_APP_FAULTS)]
    message = fill(template, rng, entity=entity_of(site.code[-1]).lower())
    return _thrown(_layer(type_, message, app_frames(site, code + 'f"...")')))


def deploy_bug(site: ThrowSite, rng: random.Random) -> Thrown:
    type_, message, code = _DEPLOY_BUGS[site.variant % len(_DEPLOY_BUGS)]
    return _thrown(_layer(type_, message, app_frames(site, code)))


def pool_exhausted(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    message = (
        f"QueuePool limit of size 10 overflow 20 reached, connection timed out, timeout "
        f"{call.timeout_ms / 1000:.2f} (Background on this error at: https://sqlalche.me/e/20/3o7r)"
    )
    entries = _via(site, "async with self._session.begin():")
    return _thrown(_layer("sqlalchemy.exc.TimeoutError", message, entries, _SQLALCHEMY_CHECKOUT))


def http_status(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    kind = "Server" if call.status >= 500 else "Client"
    message = (
        f"{kind} error '{status_line(call.status)}' for url '{call.url}'\nFor more information "
        f"check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/{call.status}"
    )
    raise_site = frames("""
        File "{site}/httpx/_models.py", line 829, in raise_for_status
          raise HTTPStatusError(message, request=request, response=self)""")
    entries = _via(site, "response.raise_for_status()")
    return _thrown(_layer("httpx.HTTPStatusError", message, entries, raise_site))


def _rpc_error(site: ThrowSite, rng: random.Random, code: str, details: str, number: int) -> Thrown:
    call = require_call(site)
    created = fill("2025-{count}-{count}T{count}:{count}:{count}.{nanos}+00:00", rng)
    message = (
        f"<AioRpcError of RPC that terminated with:\n\tstatus = StatusCode.{code}\n\tdetails = "
        f'"{details}"\n\tdebug_error_string = "UNKNOWN:Error received from peer  '
        f'{{grpc_message:"{details}", grpc_status:{number}, created_time:"{created}"}}"\n>'
    )
    method = call.route.rpartition("/")[2]
    timeout = f"{call.timeout_ms / 1000:g}"
    entries = _via(site, f"reply = await self._stub.{method}(request, timeout={timeout})")
    return _thrown(_layer("grpc.aio._call.AioRpcError", message, entries, _GRPC_CALL))


def grpc_status(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    number = 14 if call.grpc_code == "UNAVAILABLE" else 13
    return _rpc_error(site, rng, call.grpc_code or "INTERNAL", call.detail, number)


def call_timeout(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    if call.protocol == "grpc":
        return _rpc_error(site, rng, "DEADLINE_EXCEEDED", "Deadline Exceeded", 4)
    verb = call.method.lower()
    entries = _via(site, f'response = await self._client.{verb}("{call.route}", json=payload)')
    outer = _layer("httpx.ReadTimeout", "", entries, _HTTPX_SEND)
    cause = _layer("httpcore.ReadTimeout", "", _HTTPCORE_READ)
    return _thrown(outer, cause)


def cache_timeout(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    message = f"Timeout reading from {call.host}:{call.port}"
    entries = _via(site, "cached = await self._redis.get(key)")
    return _thrown(_layer("redis.exceptions.TimeoutError", message, entries, _REDIS_READ))


def validation(site: ThrowSite, rng: random.Random) -> Thrown:
    entity = entity_of(site.code[-1])
    message = fill(
        f"1 validation error for {entity}Request\namount\n  Input should be greater than 0 "
        "[type=greater_than, input_value=-{amount}, input_type=float]\n    For further "
        "information visit https://errors.pydantic.dev/2.7/v/greater_than",
        rng,
    )
    validator = frames("""
        File "{site}/pydantic/main.py", line 551, in model_validate
          return cls.__pydantic_validator__.validate_python(""")
    entries = app_frames(site, f"request = {entity}Request.model_validate(body)")
    type_ = "pydantic_core._pydantic_core.ValidationError"
    return _thrown(_layer(type_, message, entries, validator))


def client_abort(site: ThrowSite, rng: random.Random) -> Thrown:
    reader = frames("""
        File "{site}/starlette/requests.py", line 252, in json
          body = await self.body()
        File "{site}/starlette/requests.py", line 241, in body
          async for chunk in self.stream():
        File "{site}/starlette/requests.py", line 233, in stream
          raise ClientDisconnect()""")
    entries = app_frames(site, "body = await request.json()")
    return _thrown(_layer("starlette.requests.ClientDisconnect", "", entries, reader))


BUILDERS: dict[ErrorKind, Callable[[ThrowSite, random.Random], Thrown]] = {
    ErrorKind.APP_FAULT: app_fault,
    ErrorKind.DEPLOY_BUG: deploy_bug,
    ErrorKind.POOL_EXHAUSTED: pool_exhausted,
    ErrorKind.POOL_WRAPPER: pool_exhausted,  # SQLAlchemy's TimeoutError escapes unchanged
    ErrorKind.HTTP_STATUS: http_status,
    ErrorKind.GRPC_STATUS: grpc_status,
    ErrorKind.CALL_TIMEOUT: call_timeout,
    ErrorKind.CLIENT_TIMEOUT: call_timeout,
    ErrorKind.CACHE_TIMEOUT: cache_timeout,
    ErrorKind.VALIDATION: validation,
    ErrorKind.CLIENT_ABORT: client_abort,
}
