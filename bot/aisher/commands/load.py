"""`aisher load FILE...`: import OTLP/JSON into the embedded store."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from aisher.config import Settings
from aisher.errors import ConfigError, InputError
from aisher.render.safe_text import MESSAGE_LIMIT, one_line
from aisher.signoz.loader import LoadReport, load_files
from aisher.signoz.store import open_store


async def run_load(files: Sequence[Path], settings: Settings) -> int:
    clickhouse = settings.clickhouse
    if not clickhouse.embedded:
        raise ConfigError(
            "aisher load writes to the embedded store only; a SigNoz ClickHouse receives "
            "telemetry through its OpenTelemetry collector (unset AISHER_CLICKHOUSE_DSN or "
            "point it at chdb://PATH)"
        )
    executor = await open_store(clickhouse)
    try:
        report = await load_files(
            executor,
            files,
            traces_db=clickhouse.traces_database,
            logs_db=clickhouse.logs_database,
        )
    finally:
        await executor.close()
    print(summarize_load(report, len(files)))
    for problem in report.problems:
        # The file name and the excerpt of the bad value come from outside: one clean line.
        print(f"aisher: skipped {one_line(str(problem), MESSAGE_LIMIT)}", file=sys.stderr)
    hidden = report.problem_count - len(report.problems)
    if hidden > 0:
        print(f"aisher: … and {hidden} more skipped documents", file=sys.stderr)
    return InputError.exit_code if report.problem_count else 0


def summarize_load(report: LoadReport, files: int) -> str:
    counts = ", ".join(f"{count} {table}" for table, count in report.rows.items() if count)
    return (
        f"loaded {report.lines} documents from {files} file(s): {counts or 'no rows'} "
        f"in {report.elapsed_s:.2f} s ({report.rows_per_second():,.0f} rows/s)"
        + (f"; {report.problem_count} skipped" if report.problem_count else "")
        + (
            f"; {report.skipped_spans} spans were already loaded and were not added again"
            if report.skipped_spans
            else ""
        )
    )
