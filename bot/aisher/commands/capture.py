"""`aisher capture SERVICE WINDOW --out DIR`: a past incident as a masked regression case."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from aisher.capture import Capture, IncidentCapturer, ensure_free, write_capture
from aisher.config import Settings
from aisher.signoz.probe import probe_schema
from aisher.signoz.store import open_store
from aisher.window import resolve_window


async def run_capture(
    settings: Settings, *, service: str, window: str, until: str | None, out: Path
) -> int:
    limits, clickhouse = settings.limits, settings.clickhouse
    span = resolve_window(
        window, until, now=datetime.now(UTC), retention_days=limits.retention_days
    )
    await asyncio.to_thread(ensure_free, out)  # before the reads, which can take a while
    executor = await open_store(clickhouse)
    try:
        schema = await probe_schema(executor, clickhouse.traces_database, clickhouse.logs_database)
        capture = await IncidentCapturer(executor, schema, limits).capture(service, span)
    finally:
        await executor.close()
    telemetry, card = await asyncio.to_thread(write_capture, out, capture, window_text=window)
    print(summarize_capture(capture, telemetry, card))
    for what in capture.cut:
        print(f"aisher: warning: cut at the row limit (AISHER_MAX_ROWS): {what}", file=sys.stderr)
    return 0


def summarize_capture(capture: Capture, telemetry: Path, card: Path) -> str:
    held = capture.describe()[0]
    masked = sum(capture.masked.values())
    return (
        f"captured {held}\n"
        f"wrote {telemetry} and {card}"
        + (f" ({masked} values masked)" if masked else "")
        + f"\nnext: fill in root_cause in {card}, then run aisher eval on the suite folder"
    )
