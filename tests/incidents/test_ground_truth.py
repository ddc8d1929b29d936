"""Every incident keeps its fault class's promise, checked on the written telemetry alone."""

from __future__ import annotations

from pathlib import Path

from tests.incidents.reading import read_incident
from tests.incidents.truth import problems


class TestGroundTruth:
    def test_every_incident_keeps_its_promise(self, default_suite: list[Path]) -> None:
        """Labels are consistent with the data: root causes present, the class's signature
        (timeouts, chronic groups, one bad pod, silent spans, new versions…) really there."""
        found = {
            folder.name: broken
            for folder in default_suite
            if (broken := problems(read_incident(folder)))
        }
        assert found == {}
