"""Which services sent spans in a window: the question behind `GET /api/v1/services`.

The analysis engine answers "why does this service fail"; listing services is a different,
cheaper question, asked of the same ClickHouse through the repository's `service_stats` query.
`SignozServiceDirectory` probes SigNoz's tables on first use (the runtime probed them too, but
keeps the result inside its evidence collector) and then reuses the repository.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from aisher.config import ClickHouseSettings, QueryLimits
from aisher.ops.metrics import AisherMetrics
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.probe import probe_schema
from aisher.signoz.repository import SignozRepository
from aisher.telemetry import ServiceStats
from aisher.window import TimeWindow


class ServiceDirectory(Protocol):
    async def services(self, window: TimeWindow) -> list[ServiceStats]:
        """Span and error counts per service in `window` and the equal stretch before it."""
        ...


class SignozServiceDirectory:
    """Services as SigNoz's span table knows them, through an executor someone else owns."""

    def __init__(
        self,
        executor: QueryExecutor,
        clickhouse: ClickHouseSettings,
        limits: QueryLimits,
        *,
        metrics: AisherMetrics | None = None,
    ) -> None:
        self._executor = executor
        self._clickhouse = clickhouse
        self._limits = limits
        self._metrics = metrics
        self._repository: SignozRepository | None = None
        self._lock = asyncio.Lock()

    async def services(self, window: TimeWindow) -> list[ServiceStats]:
        repository = await self._open()
        return await repository.service_stats(window)

    async def _open(self) -> SignozRepository:
        async with self._lock:
            if self._repository is None:
                schema = await probe_schema(
                    self._executor,
                    self._clickhouse.traces_database,
                    self._clickhouse.logs_database,
                )
                self._repository = SignozRepository(
                    self._executor, schema, self._limits, metrics=self._metrics
                )
            return self._repository
