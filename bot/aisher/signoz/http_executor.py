"""ClickHouse over HTTP(S): SigNoz's own server, through clickhouse-connect's async client."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
import clickhouse_connect
from clickhouse_connect.driver.exceptions import ClickHouseError

from aisher.config import ClickHouseSettings
from aisher.errors import DataSourceUnavailable
from aisher.retry import NO_RETRIES
from aisher.signoz.executor import (
    CLOSE_TIMEOUT_S,
    DEFAULT_MAX_ROWS,
    SERIALISATION_ERRORS,
    QueryRows,
    add_block,
    answers,
    query_retry_policy,
    redact_dsn,
    server_settings,
    unserialisable,
    with_retries,
)

log = logging.getLogger(__name__)


class HttpExecutor:
    """ClickHouse over HTTP(S) with a pooled aiohttp client, created on first use."""

    def __init__(self, settings: ClickHouseSettings) -> None:
        self._settings = settings
        self._retry = query_retry_policy(settings.retries)
        self._client: Any = None
        self._lock = asyncio.Lock()
        self._closed = False
        self.description = redact_dsn(settings.dsn)

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
            policy=self._retry,
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
                sql, parameters=dict(parameters or {}), settings=server_settings(timeout)
            )
            rows: list[tuple[Any, ...]] = []
            truncated = False
            with stream:
                async for block in stream:
                    if add_block(rows, block, max_rows):
                        truncated = True
                        break
                names = tuple(stream.source.column_names)
            return QueryRows(names, rows, truncated)

        return await with_retries(
            run, policy=self._retry, where=self.description, timeout_s=timeout + 1
        )

    async def command(self, sql: str, parameters: Mapping[str, Any] | None = None) -> None:
        client = await self._get_client()

        async def run() -> None:
            await client.command(sql, parameters=dict(parameters or {}))

        await with_retries(
            run,
            policy=self._retry,
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
            run,
            policy=NO_RETRIES,
            where=self.description,
            timeout_s=self._settings.query_timeout_s + 1,
        )

    async def ping(self) -> bool:
        return await answers(self)

    async def close(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        if client is None:
            return
        try:
            await asyncio.wait_for(client.close(), timeout=CLOSE_TIMEOUT_S)
        except (TimeoutError, ClickHouseError, aiohttp.ClientError, OSError) as exc:
            log.warning("closing the ClickHouse client did not finish cleanly: %s", exc)
