"""`aisher why SERVICE WINDOW`: explain a service's errors in a time window."""

from __future__ import annotations

from datetime import UTC, datetime

from aisher.analysis.report import Report
from aisher.analysis.request import AnalysisRequest
from aisher.config import Settings
from aisher.render.json_report import render_json
from aisher.render.text import render_text
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
            window, until, now=datetime.now(UTC), retention_days=settings.retention_days
        ),
        tenant=tenant or settings.default_tenant,
        refresh=refresh,
    )
    async with open_runtime(settings) as runtime:
        report = await runtime.engine.analyze(request)
    print(render_report(report, fmt))
    return 0


def render_report(report: Report, fmt: str) -> str:
    return render_json(report) if fmt == "json" else render_text(report)
