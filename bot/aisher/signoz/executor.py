"""Run SQL against SigNoz's ClickHouse: the interface, and the policy both transports share.

`HttpExecutor` (http_executor.py) talks to a ClickHouse server over HTTP(S) with
clickhouse-connect's aiohttp client; `EmbeddedExecutor` (embedded_executor.py) drives the
in-process chDB engine from worker threads so the event loop never blocks. Both bind every
parameter server-side (`{name:Type}` placeholders), bound every query in time and rows, retry
transient failures under `query_retry_policy` (`with_retries`), and translate driver errors
into `DataSourceError`s (`translate_error`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from clickhouse_connect.driver.exceptions import ClickHouseError, DatabaseError, OperationalError

from aisher.config import QueryLimits
from aisher.errors import DataSourceError, DataSourceUnavailable, QueryTimeout
from aisher.retry import RetryPolicy, run_with_retries

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 5.0
# The default row cap of a query is the default of AISHER_MAX_ROWS, declared with the setting.
DEFAULT_MAX_ROWS = QueryLimits().max_rows
# ClickHouse error codes worth another attempt: the server was busy or the network hiccuped.
TRANSIENT_CODES = frozenset({3, 202, 209, 210, 242, 252, 425, 999})
TIMEOUT_CODES = frozenset({159, 160})
# What the driver and the network raise; `with_retries` turns these into `DataSourceError`s.
DRIVER_ERRORS = (ClickHouseError, aiohttp.ClientError, OSError, TimeoutError)
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


def query_retry_policy(retries: int) -> RetryPolicy:
    """`retries` retries after waits of 0.25 s doubling to 4 s, half of each wait jittered."""
    return RetryPolicy(retries=retries, base_s=0.25, cap_s=4.0, jitter=0.5)


def is_timeout(exc: BaseException) -> bool:
    """Whether the failure is a deadline passing (client- or server-side)."""
    if isinstance(exc, TimeoutError) or getattr(exc, "code", None) in TIMEOUT_CODES:
        return True
    return isinstance(exc, OperationalError) and "timeout" in str(exc).lower()


def is_retryable_query_error(exc: BaseException) -> bool:
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
        return DataSourceUnavailable(f"cannot reach ClickHouse at {where}: {first_line(exc)}")
    return DataSourceError(f"ClickHouse at {where} refused the query: {first_line(exc)}")


def unserialisable(table: str, exc: BaseException) -> DataSourceError:
    """The error for rows the driver could not encode for `table`."""
    return DataSourceError(
        f"cannot write rows into {table}: a value does not fit its column "
        f"({type(exc).__name__}: {first_line(exc)})"
    )


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


async def with_retries(
    operation: Callable[[], Awaitable[_T]], *, policy: RetryPolicy, where: str, timeout_s: float
) -> _T:
    """Run `operation` with a deadline per attempt, retrying transient failures under `policy`."""

    async def attempt() -> _T:
        return await asyncio.wait_for(operation(), timeout=timeout_s)

    def log_retry(error: Exception, retry: int, delay_s: float) -> None:
        log.warning("transient ClickHouse error (%s); retry %d in %.2fs", error, retry, delay_s)

    try:
        return await run_with_retries(
            attempt, policy, is_retryable=is_retryable_query_error, on_retry=log_retry
        )
    except DRIVER_ERRORS as exc:
        raise translate_error(exc, where) from exc


def server_settings(timeout_s: float) -> dict[str, Any]:
    # The server stops the query at the deadline too, so an abandoned query does not keep running.
    return {"max_execution_time": max(1, int(timeout_s))}


def redact_dsn(dsn: str) -> str:
    """The DSN without its password, for messages and logs."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def add_block(rows: list[tuple[Any, ...]], block: Sequence[Any], max_rows: int) -> bool:
    """Append a streamed block's rows up to `max_rows`; True when the cap cut the block short."""
    room = max_rows - len(rows)
    rows.extend(tuple(row) for row in block[:room])
    return len(block) > room


async def answers(executor: QueryExecutor) -> bool:
    """True when ClickHouse answers a trivial query (the executors' `ping`)."""
    try:
        await executor.query("SELECT 1", max_rows=1)
    except DataSourceError:
        return False
    return True
