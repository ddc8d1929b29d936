"""`aisher why SERVICE WINDOW`: explain a service's errors in a time window."""

from __future__ import annotations

from datetime import UTC, datetime

from aisher.analysis.request import AnalysisRequest
from aisher.config import Settings
from aisher.render import render_report
from aisher.runtime import open_runtime
from aisher.window import resolve_window


async def run_why(
    settings: Settings,
    *,
    service: str,
    window: str,
    until: str | None,
    fmt: str,
    refresh: bool = False,
    tenant: str | None = None,
) -> int:
    request = AnalysisRequest(
        service=service,
        window=resolve_window(
            window, until, now=datetime.now(UTC), retention_days=settings.limits.retention_days
        ),
        tenant=tenant or settings.default_tenant,
        refresh=refresh,
    )
    async with open_runtime(settings) as runtime:
        report = await runtime.engine.analyze(request)
    print(render_report(report, fmt))
    return 0
