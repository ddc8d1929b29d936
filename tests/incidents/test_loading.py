"""One incident of every kind in the default suite loads into the embedded store whole.

`aisher eval` on the whole suite (tests/evaluation) checks that every incident loads without
a problem; this test counts the rows of one incident per kind against what was written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aisher.config import ClickHouseSettings
from aisher.evaluation.rebase import days_to_recent, shift_document
from aisher.evaluation.suite import read_incident
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.loader import load_documents
from aisher.signoz.store import ensure_embedded_schema, open_executor
from tests.incidents.reading import read_incident as read_written


@pytest.fixture
async def executor(clickhouse_settings: ClickHouseSettings) -> AsyncIterator[EmbeddedExecutor]:
    found = open_executor(clickhouse_settings)
    assert isinstance(found, EmbeddedExecutor)
    try:
        yield found
    finally:
        await found.close()


class TestLoading:
    @pytest.mark.timeout(600)
    async def test_every_incident_loads_cleanly(
        self, default_suite: list[Path], executor: EmbeddedExecutor
    ) -> None:
        """The first incident of each kind, moved to recent days, loads with no problem and
        every span and log record lands in SigNoz's tables."""
        now = datetime.now(UTC)
        first_of_kind = {read_incident(folder).kind: folder for folder in reversed(default_suite)}
        assert len(first_of_kind) >= 10
        for number, folder in enumerate(sorted(first_of_kind.values())):
            incident = read_incident(folder)
            traces_db, logs_db = f"inc{number}_traces", f"inc{number}_logs"
            await ensure_embedded_schema(executor, traces_db, logs_db)
            days = days_to_recent(incident.window, now)
            lines = (folder / "telemetry.jsonl").read_text().splitlines()
            report = await load_documents(
                executor,
                [shift_document(line, days) for line in lines],
                traces_db=traces_db,
                logs_db=logs_db,
            )
            written = read_written(folder)
            spans = await executor.query(f"SELECT count() FROM {traces_db}.signoz_index_v3")
            logs = await executor.query(f"SELECT count() FROM {logs_db}.logs_v2")
            for database in (traces_db, logs_db):
                await executor.command(f"DROP DATABASE {database}")
            assert report.problems == (), folder.name
            assert spans.rows[0][0] == len(written.spans), folder.name
            assert logs.rows[0][0] == len(written.logs), folder.name
