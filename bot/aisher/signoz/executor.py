"""Run SQL against SigNoz's ClickHouse: one small interface, two transports.

`HttpExecutor` talks to a ClickHouse server over HTTP(S) with clickhouse-connect's aiohttp
client; `EmbeddedExecutor` drives the in-process chDB engine from worker threads so the event
loop never blocks. Both bind every parameter server-side (`{name:Type}` placeholders), bound
every query in time and rows, retry transient failures with capped exponential backoff, and
translate driver errors into `DataSourceError`s.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from clickhouse_connect.driver.exceptions import ClickHouseError, DatabaseError, OperationalError

from aisher.config import ClickHouseSettings
from aisher.errors import ConfigError, DataSourceError, DataSourceUnavailable, QueryTimeout

log = logging.getLogger(__name__)

BACKOFF_BASE_S = 0.25
BACKOFF_CAP_S = 4.0
CLOSE_TIMEOUT_S = 5.0
# ClickHouse error codes worth another attempt: the server was busy or the network hiccuped.
TRANSIENT_CODES = frozenset({3, 202, 209, 210, 242, 252, 425, 999})
TIMEOUT_CODES = frozenset({159, 160})
# clickhouse-connect serialises insert rows on the client and lets plain Python errors escape
# for a value that does not fit its column (a str in a UInt64, None in a non-Nullable String).
SERIALISATION_ERRORS = (ValueError, TypeError, AttributeError, OverflowError)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class QueryRows:
    """A bounded query result; `truncated` says the row cap cut it short."""

    column_names: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    truncated: bool = False

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.column_names, row, strict=True)) for row in self.rows]


class QueryExecutor(Protocol):
    """What the rest of Aisher needs from ClickHouse."""

    @property
    def description(self) -> str:
        """Where the queries go, safe to print (no password)."""
        ...

    async def query(
        self, sql: str, parameters: Mapping[str, Any] | None = None, *, max_rows: int = ...
    ) -> QueryRows:
        """Run a SELECT, reading at most `max_rows` rows block by block."""
        ...

    async def command(self, sql: str, parameters: Mapping[str, Any] | None = None) -> None:
        """Run a statement that returns nothing useful (DDL)."""
        ...

    async def insert(
        self, table: str, rows: Sequence[Sequence[Any]], column_names: Sequence[str]
    ) -> None:
        """Insert rows given column by column name."""
        ...

    async def ping(self) -> bool:
        """True when ClickHouse answers a trivial query."""
        ...

    async def close(self) -> None:
        """Release connections; safe to call twice, and returns within CLOSE_TIMEOUT_S."""
        ...


DEFAULT_MAX_ROWS = 20_000


def backoff_delay(
    attempt: int, *, base: float = BACKOFF_BASE_S, cap: float = BACKOFF_CAP_S
) -> float:
    """Seconds to wait before retry number `attempt` (0-based): capped exponential, jittered."""
    ceiling: float = min(cap, base * (2**attempt))
    return ceiling * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not security


def is_timeout(exc: BaseException) -> bool:
    """Whether the failure is a deadline passing (client- or server-side)."""
    if isinstance(exc, TimeoutError) or getattr(exc, "code", None) in TIMEOUT_CODES:
        return True
    return isinstance(exc, OperationalError) and "timeout" in str(exc).lower()


def is_transient(exc: BaseException) -> bool:
    """Whether another attempt could succeed. Timeouts are not retried: the query would only
    load the server again for as long."""
    if is_timeout(exc):
        return False
    if isinstance(exc, aiohttp.ClientConnectionError | ConnectionError | OperationalError):
        return True
    code = getattr(exc, "code", None)
    return isinstance(exc, DatabaseError) and code in TRANSIENT_CODES


def translate_error(exc: BaseException, where: str) -> DataSourceError:
    """Turn a driver or network error into the error the user sees."""
    if is_timeout(exc):
        return QueryTimeout(f"ClickHouse at {where} did not answer in time")
    if isinstance(exc, aiohttp.ClientConnectionError | ConnectionError | OperationalError):
        return DataSourceUnavailable(f"cannot reach ClickHouse at {where}: {_first_line(exc)}")
    return DataSourceError(f"ClickHouse at {where} refused the query: {_first_line(exc)}")


def unserialisable(table: str, exc: BaseException) -> DataSourceError:
    """The error for rows the driver could not encode for `table`."""
    return DataSourceError(
        f"cannot write rows into {table}: a value does not fit its column "
        f"({type(exc).__name__}: {_first_line(exc)})"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


async def with_retries(
    operation: Callable[[], Awaitable[_T]], *, retries: int, where: str, timeout_s: float
) -> _T:
    """Run `operation` with a deadline, retrying transient failures with backoff."""
    attempt = 0
    while True:
        try:
            return await asyncio.wait_for(operation(), timeout=timeout_s)
        except DataSourceError:
            raise
        except (ClickHouseError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            if attempt >= retries or not is_transient(exc):
                raise translate_error(exc, where) from exc
            delay = backoff_delay(attempt)
            log.warning(
                "transient ClickHouse error (%s); retry %d in %.2fs", exc, attempt + 1, delay
            )
            attempt += 1
            await asyncio.sleep(delay)


def _server_settings(timeout_s: float) -> dict[str, Any]:
    # The server stops the query at the deadline too, so an abandoned query does not keep running.
    return {"max_execution_time": max(1, int(timeout_s))}


class HttpExecutor:
    """ClickHouse over HTTP(S) with a pooled aiohttp client, created on first use."""

    def __init__(self, settings: ClickHouseSettings) -> None:
        self._settings = settings
        self._client: Any = None
        self._lock = asyncio.Lock()
        self._closed = False
        self.description = _redact_dsn(settings.dsn)

    async def _get_client(self) -> Any:
        if self._closed:
            raise DataSourceUnavailable("the ClickHouse connection was closed")
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                self._client = await self._connect()
        return self._client

    async def _connect(self) -> Any:
        import clickhouse_connect

        settings = self._settings

        async def connect() -> Any:
            return await clickhouse_connect.get_async_client(
                dsn=settings.dsn,
                connect_timeout=settings.connect_timeout_s,
                send_receive_timeout=settings.query_timeout_s,
                verify=settings.verify_tls,
                ca_cert=settings.ca_cert,
                connector_limit=settings.max_connections,
                connector_limit_per_host=settings.max_connections,
                autogenerate_session_id=False,
                query_retries=0,
            )

        return await with_retries(
            connect,
            retries=settings.retries,
            where=self.description,
            timeout_s=settings.connect_timeout_s + settings.query_timeout_s,
        )

    async def query(
        self,
        sql: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        max_rows: int = DEFAULT_MAX_ROWS,
    ) -> QueryRows:
        client = await self._get_client()
        timeout = self._settings.query_timeout_s

        async def run() -> QueryRows:
            stream = await client.query_row_block_stream(
                sql, parameters=dict(parameters or {}), settings=_server_settings(timeout)
            )
            rows: list[tuple[Any, ...]] = []
            truncated = False
            with stream:
                async for block in _async_blocks(stream):
                    room = max_rows - len(rows)
                    rows.extend(tuple(row) for row in block[:room])
                    if len(block) > room:
                        truncated = True
                        break
                names = tuple(stream.source.column_names)
            return QueryRows(names, rows, truncated)

        return await with_retries(
            run, retries=self._settings.retries, where=self.description, timeout_s=timeout + 1
        )

    async def command(self, sql: str, parameters: Mapping[str, Any] | None = None) -> None:
        client = await self._get_client()

        async def run() -> None:
            await client.command(sql, parameters=dict(parameters or {}))

        await with_retries(
            run,
            retries=self._settings.retries,
            where=self.description,
            timeout_s=self._settings.query_timeout_s + 1,
        )

    async def insert(
        self, table: str, rows: Sequence[Sequence[Any]], column_names: Sequence[str]
    ) -> None:
        client = await self._get_client()

        async def run() -> None:
            try:
                await client.insert(table, list(rows), column_names=list(column_names))
            except SERIALISATION_ERRORS as exc:
                raise unserialisable(table, exc) from exc

        # Inserts are not retried: a retry after a lost response could write the rows twice.
        await with_retries(
            run, retries=0, where=self.description, timeout_s=self._settings.query_timeout_s + 1
        )

    async def ping(self) -> bool:
        try:
            await self.query("SELECT 1", max_rows=1)
        except DataSourceError:
            return False
        return True

    async def close(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        if client is None:
            return
        try:
            await asyncio.wait_for(client.close(), timeout=CLOSE_TIMEOUT_S)
        except (TimeoutError, ClickHouseError, aiohttp.ClientError, OSError) as exc:
            log.warning("closing the ClickHouse client did not finish cleanly: %s", exc)


async def _async_blocks(stream: Any) -> Any:
    """Iterate a clickhouse-connect StreamContext's blocks from async code."""
    async for block in stream:
        yield block


class EmbeddedExecutor:
    """The in-process chDB engine, one client per worker thread, behind the async interface."""

    def __init__(self, settings: ClickHouseSettings) -> None:
        self._settings = settings
        self._path = settings.dsn.removeprefix("chdb://") or ":memory:"
        self.description = f"embedded chDB at {self._path}"
        self._pool: ThreadPoolExecutor | None = None
        self._clients: asyncio.Queue[Any] | None = None
        self._all_clients: list[Any] = []
        self._lock = asyncio.Lock()
        self._closed = False

    async def _ensure_pool(self) -> asyncio.Queue[Any]:
        if self._closed:
            raise DataSourceUnavailable("the embedded store was closed")
        if self._clients is not None:
            return self._clients
        async with self._lock:
            if self._clients is None:
                workers = max(1, min(self._settings.max_connections, 4))
                self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chdb")
                loop = asyncio.get_running_loop()
                clients: asyncio.Queue[Any] = asyncio.Queue()
                for _ in range(workers):
                    client = await loop.run_in_executor(self._pool, self._open_client)
                    self._all_clients.append(client)
                    clients.put_nowait(client)
                self._clients = clients
        return self._clients

    def _open_client(self) -> Any:
        import clickhouse_connect
        from clickhouse_connect.driver.exceptions import ProgrammingError

        if self._path not in ("", ":memory:", "memory"):
            Path(self._path).mkdir(parents=True, exist_ok=True)
        try:
            return clickhouse_connect.get_client(dsn=self._settings.dsn)
        except ProgrammingError as exc:
            raise ConfigError(
                f"cannot open the embedded store at {self._path}: {_first_line(exc)}"
            ) from exc

    async def _run(self, work: Callable[[Any], _T]) -> _T:
        clients = await self._ensure_pool()
        client = await clients.get()
        try:
            loop = asyncio.get_running_loop()

            def call() -> Awaitable[_T]:
                return loop.run_in_executor(self._pool, work, client)

            return await with_retries(
                call,
                retries=self._settings.retries,
                where=self.description,
                timeout_s=self._settings.query_timeout_s + 1,
            )
        finally:
            clients.put_nowait(client)

    async def query(
        self,
        sql: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        max_rows: int = DEFAULT_MAX_ROWS,
    ) -> QueryRows:
        settings = _server_settings(self._settings.query_timeout_s)

        def work(client: Any) -> QueryRows:
            rows: list[tuple[Any, ...]] = []
            truncated = False
            stream = client.query_row_block_stream(
                sql, parameters=dict(parameters or {}), settings=settings
            )
            with stream:
                names = tuple(stream.source.column_names)
                for block in stream:
                    room = max_rows - len(rows)
                    rows.extend(tuple(row) for row in block[:room])
                    if len(block) > room:
                        truncated = True
                        break
            return QueryRows(names, rows, truncated)

        return await self._run(work)

    async def command(self, sql: str, parameters: Mapping[str, Any] | None = None) -> None:
        def work(client: Any) -> None:
            client.command(sql, parameters=dict(parameters or {}))

        await self._run(work)

    async def insert(
        self, table: str, rows: Sequence[Sequence[Any]], column_names: Sequence[str]
    ) -> None:
        data = list(rows)

        def work(client: Any) -> None:
            try:
                client.insert(table, data, column_names=list(column_names))
            except SERIALISATION_ERRORS as exc:
                raise unserialisable(table, exc) from exc

        await self._run(work)

    async def ping(self) -> bool:
        try:
            await self.query("SELECT 1", max_rows=1)
        except DataSourceError:
            return False
        return True

    async def close(self) -> None:
        self._closed = True
        clients, self._all_clients, self._clients = self._all_clients, [], None
        pool, self._pool = self._pool, None
        for client in clients:
            client.close()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _redact_dsn(dsn: str) -> str:
    """The DSN without its password, for messages and logs."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def open_executor(settings: ClickHouseSettings) -> HttpExecutor | EmbeddedExecutor:
    """The executor for the configured DSN; nothing connects until the first query."""
    if settings.embedded:
        return EmbeddedExecutor(settings)
    if not settings.dsn.startswith(("http://", "https://")):
        raise ConfigError(
            "AISHER_CLICKHOUSE_DSN must start with http://, https:// or chdb:// "
            f"(got {_redact_dsn(settings.dsn)!r})"
        )
    return HttpExecutor(settings)
