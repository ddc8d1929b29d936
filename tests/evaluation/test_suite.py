"""Reading suites: valid incident folders, and a clear error for every malformed one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aisher.evaluation.suite import SuiteError, read_incident, read_suite

CARD = """\
name: slow-db
kind: latency-timeout
service: dispatch-api
until: "2025-06-02T09:30:00Z"
window: 30m
root_cause: [orders-db, dispatch-api]
notes: the database got slow
"""


def make_incident(root: Path, folder: str, card: str = CARD, telemetry: str = "{}\n") -> Path:
    target = root / folder
    target.mkdir(parents=True)
    (target / "incident.yaml").write_text(card)
    if telemetry:
        (target / "telemetry.jsonl").write_text(telemetry)
    return target


class TestReadIncident:
    def test_reads_every_field(self, tmp_path: Path) -> None:
        """A complete card becomes the question, the window and the labelled answer."""
        incident = read_incident(make_incident(tmp_path, "one"))
        assert incident.name == "slow-db"
        assert incident.kind == "latency-timeout"
        assert incident.service == "dispatch-api"
        assert incident.window.end == datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
        assert incident.window.length == timedelta(minutes=30)
        assert incident.root_cause == ("orders-db", "dispatch-api")
        assert incident.telemetry == (tmp_path / "one" / "telemetry.jsonl",)

    def test_defaults_and_unquoted_timestamp(self, tmp_path: Path) -> None:
        """Name defaults to the folder, kind to 'unlabelled'; a bare YAML timestamp and a single
        root-cause string are accepted."""
        card = "service: a\nuntil: 2025-06-02T09:30:00Z\nwindow: 4m\nroot_cause: b\n"
        incident = read_incident(make_incident(tmp_path, "bare", card))
        assert (incident.name, incident.kind, incident.root_cause) == ("bare", "unlabelled", ("b",))
        assert incident.window.start == datetime(2025, 6, 2, 9, 26, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("card", "expected"),
        [
            ("service: [a\n", "not YAML"),
            ("- a\n- b\n", "expected a mapping"),
            (CARD.replace("service: dispatch-api\n", ""), "service: missing"),
            (CARD.replace("window: 30m", "window: soon"), "window: bad window 'soon'"),
            (CARD.replace('"2025-06-02T09:30:00Z"', '"2025-06-02T09:30:00"'), "no time zone"),
            (CARD.replace('"2025-06-02T09:30:00Z"', '"yesterday"'), "not ISO 8601"),
            (CARD.replace("[orders-db, dispatch-api]", "[]"), "root_cause: expected a non-empty"),
            (CARD.replace("[orders-db, dispatch-api]", "[orders-db, 3]"), "every entry"),
        ],
    )
    def test_malformed_card(self, tmp_path: Path, card: str, expected: str) -> None:
        """Each malformed card is refused with its path and the field at fault."""
        folder = make_incident(tmp_path, "bad", card)
        with pytest.raises(SuiteError) as caught:
            read_incident(folder)
        assert str(folder / "incident.yaml") in str(caught.value)
        assert expected in str(caught.value)

    def test_no_telemetry(self, tmp_path: Path) -> None:
        """An incident without OTLP/JSON files is refused."""
        with pytest.raises(SuiteError, match="no telemetry"):
            read_incident(make_incident(tmp_path, "empty", telemetry=""))


class TestReadSuite:
    def test_incidents_in_folder_order(self, tmp_path: Path) -> None:
        """Incidents are found by their incident.yaml at any depth, in path order."""
        make_incident(tmp_path, "b", CARD.replace("slow-db", "second"))
        make_incident(tmp_path, "a/nested", CARD.replace("slow-db", "first"))
        assert [incident.name for incident in read_suite(tmp_path)] == ["first", "second"]

    def test_missing_and_empty(self, tmp_path: Path) -> None:
        """A missing folder and a folder without incidents are clear errors."""
        with pytest.raises(SuiteError, match="is not a folder"):
            read_suite(tmp_path / "nowhere")
        with pytest.raises(SuiteError, match="holds no incident"):
            read_suite(tmp_path)

    def test_every_problem_reported_at_once(self, tmp_path: Path) -> None:
        """All malformed incidents and duplicate names are named in one error, with a count of
        those left out."""
        make_incident(tmp_path, "ok1")
        make_incident(tmp_path, "ok2")
        for number in range(6):
            make_incident(tmp_path, f"bad{number}", "service: x\n")
        with pytest.raises(SuiteError) as caught:
            read_suite(tmp_path)
        message = str(caught.value)
        assert message.count("window: missing") == 5
        assert message.endswith("and 2 more")
        assert "\n" not in message
