"""A ClickHouse HTTP interface on loopback, answered by the test session's chDB engine.

`HttpExecutor` reaches ClickHouse through clickhouse-connect's aiohttp client. This emulator
lets tests drive that client for real, against the same chDB engine the embedded store uses,
so a test can load rows through the store and read them back over HTTP. It speaks the part of
ClickHouse's HTTP interface the client relies on:

* `GET /ping`, and statements sent as the POST body, the `query` URL parameter (joined to the
  body with a newline, as ClickHouse does) or a multipart form field;
* `param_<name>` URL or form fields, handed to chDB as server-side bound parameters;
* the `database` and `default_format` parameters; every other URL parameter that is not part
  of the protocol is a setting (`max_execution_time`, …), applied with `SET` on a chDB
  connection handle opened for that request alone, so nothing leaks between requests;
* results in the format the statement names (the client appends `FORMAT Native`), else in
  `default_format` (TabSeparated), with the `X-ClickHouse-Format`, `-Query-Id`, `-Summary`,
  and `-Timezone` headers; gzip responses when the client enables HTTP compression;
* `INSERT … FORMAT <fmt>` followed by the data in the body, compressed with lz4, zstd, gzip
  or deflate or not at all, run as `INSERT … FROM INFILE`;
* errors as HTTP 500 with a `Code: N. DB::Exception: …` body and the
  `X-ClickHouse-Exception-Code` header; bad credentials as 401 with code 516.

Not emulated: sessions (`session_id` is ignored), external data tables, progress headers,
exceptions in the middle of a result (each answer is computed in full before it is sent),
`client_protocol_version` block headers (the client then falls back to protocol 0, as it does
with chDB directly), TLS, and the native TCP protocol.

Faults for retry and timeout tests: `fail_next()` answers the next requests with an error
status, and `delay_s` holds every answer back. `/ping` is never delayed or failed. Running
statements on chDB is `tests.support.chdb_statements`'s part.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gzip
import json
import os
import re
import uuid
import zlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support.chdb_statements import (
    Answer,
    ClickHouseFailure,
    Statement,
    open_anchor,
    run_statement,
    split_insert_data,
)

STOP_TIMEOUT_S = 5.0
ENGINE_WORKERS = 4
MAX_REQUEST_BYTES = 256 * 1024 * 1024
AUTHENTICATION_FAILED = 516
UNKNOWN_SETTING = 115

# URL parameters that steer the HTTP layer itself; chDB would reject them as settings.
_PROTOCOL_PARAMETERS = frozenset(
    {
        "query",
        "database",
        "default_format",
        "user",
        "password",
        "query_id",
        "session_id",
        "session_timeout",
        "session_check",
        "compress",
        "decompress",
        "buffer_size",
        "wait_end_of_query",
        "client_protocol_version",
        "quota_key",
        "role",
        "enable_http_compression",
        "http_zlib_compression_level",
        "send_progress_in_http_headers",
        "http_headers_progress_interval_ms",
        "cancel_http_readonly_queries_on_client_close",
        "add_http_cors_header",
    }
)
_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class ReceivedStatement:
    """What one request asked for, kept so tests can check what went over the wire."""

    sql: str  # the statement; an insert's data is left out
    params: Mapping[str, str]  # bound parameter values by name, as sent
    settings: Mapping[str, str]
    database: str | None
    data_bytes: int = 0  # size of an insert's (decompressed) data


@dataclass(slots=True)
class _Fault:
    remaining: int
    status: int
    code: int | None


class ClickHouseHttpEmulator:
    """An aiohttp server on 127.0.0.1 that answers ClickHouse HTTP requests with chDB."""

    def __init__(
        self,
        chdb_path: Path,
        *,
        user: str = "default",
        password: str = "secret",  # noqa: S107 - the emulator's own test credential
    ) -> None:
        # chDB compares engine paths literally; clickhouse-connect resolves them the same way.
        self._path = os.path.realpath(chdb_path)
        self.user = user
        self.password = password
        self.delay_s = 0.0
        self.received: list[ReceivedStatement] = []
        self.requests = 0  # every request but /ping, including failed and delayed ones
        self.faults_served = 0
        self.compressed_answers = 0  # successful answers sent gzip-compressed
        self.port = 0
        self._faults: list[_Fault] = []
        self._runner: web.AppRunner | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._anchor: Any = None
        self._timezone = "UTC"
        self._version = ""
        self._compression_default = "0"
        self._stopping = asyncio.Event()
        self._in_flight: set[asyncio.Future[Answer]] = set()

    @property
    def dsn(self) -> str:
        return f"http://{self.user}:{self.password}@127.0.0.1:{self.port}/"

    def fail_next(self, count: int, *, status: int = 503, code: int | None = None) -> None:
        """Answer the next `count` requests with `status` (and ClickHouse error `code`, if any)."""
        self._faults.append(_Fault(count, status, code))

    async def start(self) -> None:
        """Open the engine and listen on a free loopback port."""
        self._pool = ThreadPoolExecutor(max_workers=ENGINE_WORKERS, thread_name_prefix="ch-http")
        loop = asyncio.get_running_loop()
        self._anchor, facts = await loop.run_in_executor(self._pool, open_anchor, self._path)
        self._version, self._timezone, self._compression_default = facts
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop listening, wake delayed handlers, and wait (bounded) for running statements."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=STOP_TIMEOUT_S)
        if self._pool is not None:
            anchor, self._anchor = self._anchor, None
            if anchor is not None:
                await asyncio.get_running_loop().run_in_executor(self._pool, anchor.close)
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.path.rstrip("/") == "/ping":
            return web.Response(text="Ok.\n")
        self.requests += 1
        if self.delay_s > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.delay_s)
        fault = self._take_fault()
        if fault is not None:
            return fault
        if not self._authenticated(request):
            failure = ClickHouseFailure(
                AUTHENTICATION_FAILED,
                f"Code: {AUTHENTICATION_FAILED}. DB::Exception: {_user_of(request)}: "
                "Authentication failed: password is incorrect, or there is no user with such "
                "name. (AUTHENTICATION_FAILED)",
            )
            return self._error_response(failure, status=401)
        try:
            statement = await _read_statement(request)
            answer = await self._execute(statement)
        except ClickHouseFailure as failure:
            return self._error_response(failure)
        return self._answer_response(request, statement, answer)

    def _take_fault(self) -> web.Response | None:
        while self._faults and self._faults[0].remaining <= 0:
            self._faults.pop(0)
        if not self._faults:
            return None
        fault = self._faults[0]
        fault.remaining -= 1
        self.faults_served += 1
        if fault.code is None:
            return web.Response(status=fault.status, text="Service Unavailable\n")
        failure = ClickHouseFailure(
            fault.code, f"Code: {fault.code}. DB::Exception: injected fault. (INJECTED_FAULT)"
        )
        return self._error_response(failure, status=fault.status)

    def _authenticated(self, request: web.Request) -> bool:
        user, password = _credentials(request)
        return user == self.user and password == self.password

    async def _execute(self, statement: Statement) -> Answer:
        assert self._pool is not None, "the emulator is not started"
        data_bytes, sql = split_insert_data(statement.sql)
        self.received.append(
            ReceivedStatement(
                sql=sql.decode("utf-8", "replace"),
                params=dict(statement.params),
                settings=dict(statement.settings),
                database=statement.database,
                data_bytes=len(data_bytes) if data_bytes is not None else 0,
            )
        )
        future = asyncio.get_running_loop().run_in_executor(
            self._pool, run_statement, self._path, statement
        )
        self._in_flight.add(future)
        try:
            return await future
        finally:
            self._in_flight.discard(future)

    def _answer_response(
        self, request: web.Request, statement: Statement, answer: Answer
    ) -> web.Response:
        headers = {
            "X-ClickHouse-Query-Id": statement.query_id,
            "X-ClickHouse-Timezone": self._timezone,
            "X-ClickHouse-Server-Display-Name": "chdb-emulator",
            "X-ClickHouse-Summary": json.dumps(answer.summary, separators=(",", ":")),
        }
        content_type = "text/plain"
        if answer.output_format is not None:
            headers["X-ClickHouse-Format"] = answer.output_format
            if answer.output_format in ("Native", "RowBinary", "Parquet", "Arrow"):
                content_type = "application/octet-stream"
            else:
                content_type = "text/tab-separated-values"
        body = answer.body
        accepted = request.headers.get("Accept-Encoding", "")
        compression = request.query.get("enable_http_compression", self._compression_default)
        if (
            body
            and compression in ("1", "true")
            and "gzip" in (encoding.strip() for encoding in accepted.split(","))
        ):
            body = gzip.compress(body, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
            self.compressed_answers += 1
        return web.Response(body=body, headers=headers, content_type=content_type)

    def _error_response(self, failure: ClickHouseFailure, *, status: int = 500) -> web.Response:
        return web.Response(
            status=status,
            text=f"{failure.message} (version {self._version} (chDB emulator))\n",
            headers={"X-ClickHouse-Exception-Code": str(failure.code)},
        )


def _credentials(request: web.Request) -> tuple[str, str]:
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Basic "):
        try:
            decoded = base64.b64decode(authorization[6:]).decode()
        except (ValueError, UnicodeDecodeError):
            return "", ""
        user, _, password = decoded.partition(":")
        return user, password
    if "X-ClickHouse-User" in request.headers:
        return request.headers["X-ClickHouse-User"], request.headers.get("X-ClickHouse-Key", "")
    return request.query.get("user", "default"), request.query.get("password", "")


def _user_of(request: web.Request) -> str:
    return _credentials(request)[0] or "default"


async def _read_statement(request: web.Request) -> Statement:
    """The statement, its bound parameters and settings, from the URL, a form, and the body."""
    fields: dict[str, str] = {}
    body = b""
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for name, value in (await request.post()).items():
            if not isinstance(value, str):
                raise ClickHouseFailure(
                    48, "Code: 48. DB::Exception: external data is not emulated. (NOT_IMPLEMENTED)"
                )
            fields[name] = value
    else:
        body = _decompress(await request.read(), request.headers.get("Content-Encoding", ""))
    parts = [
        text.encode() for text in (request.query.get("query"), fields.get("query")) if text
    ] + ([body] if body else [])
    params: dict[str, str] = {}
    settings: dict[str, str] = {}
    for source in (request.query, fields):
        for name, value in source.items():
            if name.startswith("param_"):
                params[name.removeprefix("param_")] = value
            elif name not in _PROTOCOL_PARAMETERS and source is request.query:
                if not _SETTING_NAME.match(name):
                    raise ClickHouseFailure(
                        UNKNOWN_SETTING,
                        f"Code: {UNKNOWN_SETTING}. DB::Exception: Unknown setting '{name}'. "
                        "(UNKNOWN_SETTING)",
                    )
                settings[name] = value
    return Statement(
        sql=b"\n".join(parts),
        params=params,
        settings=settings,
        database=request.query.get("database") or fields.get("database") or None,
        default_format=request.query.get("default_format", "TabSeparated"),
        query_id=request.query.get("query_id") or str(uuid.uuid4()),
    )


def _decompress(data: bytes, encoding: str) -> bytes:
    """The request body as ClickHouse reads it with `Content-Encoding`."""
    encoding = encoding.strip().lower()
    try:
        if encoding in ("", "identity"):
            return data
        if encoding == "gzip":
            return gzip.decompress(data)
        if encoding == "deflate":
            return zlib.decompress(data)
        if encoding == "lz4":
            import lz4.frame

            decompressed: bytes = lz4.frame.decompress(data)
            return decompressed
        if encoding == "zstd":
            from backports import zstd

            decompressed = zstd.decompress(data)
            return decompressed
    except (OSError, ValueError, RuntimeError, zlib.error) as exc:
        raise ClickHouseFailure(
            354,
            f"Code: 354. DB::Exception: cannot decompress the {encoding} body: {exc}. "
            "(CANNOT_DECOMPRESS)",
        ) from exc
    raise ClickHouseFailure(
        1,
        f"Code: 1. DB::Exception: Unknown HTTP compression method '{encoding}'. "
        "(UNSUPPORTED_METHOD)",
    )
