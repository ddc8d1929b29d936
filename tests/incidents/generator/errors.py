"""Exceptions as each language's runtime and libraries word them, with plausible stack traces.

`failure(...)` builds a service's own exception; `timeout_error`, `refused_error` and
`propagated` build what a caller records when a call times out, cannot connect, or fails.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from tests.incidents.generator.model import ErrorDetail
from tests.incidents.generator.topology import DEPENDENCIES, SERVICES

GRPC_NAMES = {
    0: "OK",
    2: "UNKNOWN",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    8: "RESOURCE_EXHAUSTED",
}

_PACKAGES = {
    "python": "/app/{module}/{file}.py",
    "nodejs": "/app/src/{file}.js",
    "java": "com.logistics.{module}.{file}",
    "go": "github.com/logistics/{service}/internal/{file}",
}


def language_of(service: str) -> str:
    return SERVICES[service].language


def stack(language: str, service: str, header: str, frames: Sequence[str]) -> str:
    """A stack trace in the language's own layout; `frames` are `file.function` names, innermost
    first, placed in the service's code."""
    module = service.replace("-", "_")
    lines: list[str] = []
    for depth, frame in enumerate(frames):
        file, _, function = frame.rpartition(".")
        as_path = file if language == "java" else file.replace(".", "/")
        path = _PACKAGES[language].format(
            module=module.split("_")[0], file=as_path, service=service
        )
        line_no = 40 + 17 * depth + len(function) * 3
        if language == "python":
            lines.append(f'  File "{path}", line {line_no}, in {function}\n    ...')
        elif language == "nodejs":
            lines.append(f"    at {function} ({path}:{line_no}:{depth + 9})")
        elif language == "java":
            lines.append(f"\tat {path}.{function}({file.rpartition('.')[2]}.java:{line_no})")
        else:
            lines.append(f"{path}.{function}(...)\n\t/src/internal/{as_path}.go:{line_no}")
    if language == "python":
        return "Traceback (most recent call last):\n" + "\n".join(reversed(lines)) + f"\n{header}\n"
    if language == "go":
        return (
            f"goroutine {zlib.crc32(header.encode()) % 9000 + 100} [running]:\n"
            + "\n".join(lines)
            + "\n"
        )
    return f"{header}\n" + "\n".join(lines) + "\n"


def failure(
    service: str,
    exception_type: str,
    message: str,
    frames: Sequence[str],
    *,
    http_status: int | None = 500,
    grpc_code: int | None = None,
) -> ErrorDetail:
    """An exception raised in `service`'s own code."""
    language = language_of(service)
    header = _header(language, exception_type, message)
    return ErrorDetail(
        exception_type,
        message,
        stack(language, service, header, frames),
        http_status=http_status,
        grpc_code=grpc_code,
    )


def _header(language: str, exception_type: str, message: str) -> str:
    if language == "go":
        return message
    return f"{exception_type}: {message}"


def timeout_error(
    caller: str, target: str, protocol: str, timeout_ms: float, path: str
) -> ErrorDetail:
    """What `caller`'s client library records when a call to `target` outlives its deadline."""
    language = language_of(caller)
    seconds = timeout_ms / 1000
    if protocol == "grpc":
        if language == "java":
            return failure(
                caller,
                "io.grpc.StatusRuntimeException",
                f"DEADLINE_EXCEEDED: deadline exceeded after {seconds - 0.001:.3f}s. "
                f"[remote_addr={target}/10.42.{len(target)}.17:50051]",
                ["client.GrpcStub.blockingUnaryCall"],
                http_status=504,
                grpc_code=4,
            )
        if language == "nodejs":
            return failure(
                caller,
                "Error",
                "4 DEADLINE_EXCEEDED: Deadline exceeded",
                ["clients.grpc.callUnary"],
                http_status=504,
                grpc_code=4,
            )
        if language == "python":
            return failure(
                caller,
                "grpc.aio.AioRpcError",
                "<AioRpcError of RPC that terminated with: status = "
                'StatusCode.DEADLINE_EXCEEDED details = "Deadline Exceeded">',
                ["clients.routing.call"],
                http_status=504,
                grpc_code=4,
            )
        return failure(
            caller,
            "*status.Error",
            "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
            ["client.Invoke"],
            http_status=504,
            grpc_code=4,
        )
    if language == "python":
        return failure(
            caller, "httpx.ReadTimeout", "timed out", ["clients.http.send"], http_status=504
        )
    if language == "nodejs":
        return failure(
            caller,
            "TimeoutError",
            f"timeout of {int(timeout_ms)}ms exceeded",
            ["clients.http.request"],
            http_status=504,
        )
    if language == "java":
        return failure(
            caller,
            "java.net.SocketTimeoutException",
            "Read timed out",
            ["client.RestClient.exchange"],
            http_status=504,
        )
    return failure(
        caller,
        "*url.Error",
        f'Post "http://{target}:8080{path}": context deadline exceeded '
        "(Client.Timeout exceeded while awaiting headers)",
        ["client.Do"],
        http_status=504,
    )


def propagated(service: str, cause: ErrorDetail, operation: str) -> ErrorDetail:
    """The error a handler in `service` lets escape when a call it made failed."""
    language = language_of(service)
    handler = operation.rpartition("/")[2] or "handle"
    frames = ["handlers.handle_" + handler.strip("{}:").lower(), "app.dispatch"]
    status = 504 if cause.http_status == 504 else 502
    if language == "go":
        message = f"{handler}: {cause.message}"
        return failure(
            service,
            cause.exception_type,
            message,
            frames,
            http_status=status,
            grpc_code=cause.grpc_code if cause.grpc_code else 2,
        )
    return failure(
        service,
        cause.exception_type,
        cause.message,
        frames,
        http_status=status,
        grpc_code=cause.grpc_code if cause.grpc_code else 2,
    )


def grpc_name(code: int) -> str:
    return GRPC_NAMES.get(code, str(code))


def dependency_timeout(caller: str, dependency: str, timeout_ms: float) -> ErrorDetail:
    """What `caller`'s client records when a database, cache or API does not answer in time."""
    system = DEPENDENCIES[dependency].system
    address = DEPENDENCIES[dependency].address
    language = language_of(caller)
    if system == "redis":
        wording = {
            "python": ("redis.exceptions.TimeoutError", "Timeout reading from socket"),
            "nodejs": ("Error", "Command timed out"),
            "java": (
                "io.lettuce.core.RedisCommandTimeoutException",
                f"Command timed out after {int(timeout_ms)} millisecond(s)",
            ),
            "go": ("*net.OpError", f"read tcp 10.42.3.17:51234->{address}:6379: i/o timeout"),
        }
        exception_type, message = wording[language]
        return failure(caller, exception_type, message, ["cache.get"], http_status=504)
    return timeout_error(caller, address, "http", timeout_ms, "")
