"""The report models: JSON round trips and the published JSON schema."""

from __future__ import annotations

import json
from pathlib import Path

from aisher.analysis.report import Report, TraceReport, report_json_schema
from tests.support.incidents import make_report

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


class TestReport:
    def test_json_round_trip_is_faithful(self) -> None:
        """A report read back from its JSON equals the report, window and tuples included."""
        report = make_report()
        assert Report.model_validate_json(report.model_dump_json()) == report

    def test_json_has_the_documented_fields(self) -> None:
        """The JSON report carries the fields other tools rely on, with the window as ISO times."""
        data = make_report().to_dict()
        for key in ("service", "window", "error_count", "root_cause", "candidates", "confidence",
                    "analyzer", "cached", "parent_chain", "related_logs", "remediation", "tokens",
                    "cost_usd", "id"):  # fmt: skip
            assert key in data
        assert data["window"]["start"].endswith("Z")
        assert isinstance(data["candidates"], list)

    def test_ids_are_unique(self) -> None:
        """Every report gets its own id, short enough for a Slack button value."""
        ids = {make_report().id for _ in range(100)}
        assert len(ids) == 100
        assert all(len(value) <= 32 for value in ids)


class TestReportSchema:
    def test_published_schema_is_current(self) -> None:
        """docs/report.schema.json is what the models generate (regenerate it if this fails)."""
        expected = json.dumps(report_json_schema(), indent=2, sort_keys=True) + "\n"
        assert SCHEMA_FILE.read_text() == expected, (
            "regenerate with: python -c 'import json; from aisher.analysis.report import "
            "report_json_schema as s; print(json.dumps(s(), indent=2, sort_keys=True))' "
            "> docs/report.schema.json"
        )

    def test_trace_report_shares_the_link_models(self) -> None:
        """A trace report's chain uses the same ChainLink model as the window report."""
        schema = TraceReport.model_json_schema()
        assert "ChainLink" in schema["$defs"]
