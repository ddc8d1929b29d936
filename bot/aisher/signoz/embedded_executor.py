"""The embedded chDB engine behind the async executor interface, one client per worker thread."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import clickhouse_connect
from clickhouse_connect.driver.exceptions import ProgrammingError

from aisher.config import ClickHouseSettings
from aisher.errors import ConfigError, DataSourceUnavailable
from aisher.signoz.executor import (
    DEFAULT_MAX_ROWS,
    SERIALISATION_ERRORS,
    QueryRows,
    add_block,
    answers,
    first_line,
    query_retry_policy,
    server_settings,
    unserialisable,
    with_retries,
)

_T = TypeVar("_T")


class EmbeddedExecutor:
    """The in-process chDB engine, one client per worker thread, behind the async interface."""

    def __init__(self, settings: ClickHouseSettings) -> None:
        self._settings = settings
        self._retry = query_retry_policy(settings.retries)
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
        if self._path in ("", ":memory:", "memory"):
            return self._connect()
        Path(self._path).mkdir(parents=True, exist_ok=True)
        # Asked before chDB tries, which would print its own lock error on stderr.
        if held_by_another_process(Path(self._path)):
            raise DataSourceUnavailable(
                f"the embedded store at {self._path} is in use by another aisher "
                "process (a running `aisher load`?); try again when it finishes"
            )
        return self._connect()

    def _connect(self) -> Any:
        try:
            return clickhouse_connect.get_client(dsn=self._settings.dsn)
        except ProgrammingError as exc:
            raise ConfigError(
                f"cannot open the embedded store at {self._path}: {first_line(exc)}"
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
                policy=self._retry,
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
        settings = server_settings(self._settings.query_timeout_s)

        def work(client: Any) -> QueryRows:
            rows: list[tuple[Any, ...]] = []
            truncated = False
            stream = client.query_row_block_stream(
                sql, parameters=dict(parameters or {}), settings=settings
            )
            with stream:
                names = tuple(stream.source.column_names)
                for block in stream:
                    if add_block(rows, block, max_rows):
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
                # Handed over column by column: the driver would otherwise pivot the rows in
                # Python, about a sixth of its insert time for span rows; `zip` does it in C.
                columns = list(zip(*data, strict=True))
                client.insert(table, columns, column_names=list(column_names), column_oriented=True)
            except SERIALISATION_ERRORS as exc:
                raise unserialisable(table, exc) from exc

        await self._run(work)

    async def ping(self) -> bool:
        return await answers(self)

    async def close(self) -> None:
        self._closed = True
        clients, self._all_clients, self._clients = self._all_clients, [], None
        pool, self._pool = self._pool, None
        for client in clients:
            client.close()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def held_by_another_process(directory: Path) -> bool:
    """Whether an engine in another process has `directory` open.

    A running ClickHouse server, chDB included, keeps an exclusive `flock` on the `status` file
    of its directory for as long as it runs. Trying that lock without waiting tells whether
    someone holds it; taking it is released at once, before chDB opens the directory itself.
    The holder may be this very process (chDB keeps its engine open once started), which a
    descriptor of ours on the file gives away.
    """
    status = directory / "status"
    try:
        descriptor = os.open(status, os.O_RDONLY)
    except OSError:
        return False  # no status file: no engine ever ran there, or it shut down cleanly
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return not _open_in_this_process(status, besides=descriptor)
    except OSError:
        return False  # a file system without locks: let chDB decide
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)


def _open_in_this_process(path: Path, *, besides: int) -> bool:
    """Whether another descriptor of this process is open on `path` (False where unknowable)."""
    target = os.path.realpath(path)
    try:
        descriptors = os.listdir("/proc/self/fd")
    except OSError:
        return False
    for name in descriptors:
        if name == str(besides):
            continue
        try:
            if os.readlink(f"/proc/self/fd/{name}") == target:
                return True
        except OSError:
            continue
    return False
