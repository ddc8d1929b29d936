"""The JSON report keeps every value exactly and prints as plain characters."""

from __future__ import annotations

import json
import re

from aisher.analysis.report import RootCause
from aisher.render.json_report import render_json
from tests.support.incidents import make_report

# What a terminal acts on (the indentation's newlines aside); json.dumps escapes C0, the rest
# is the renderer's job.
UNSAFE = re.compile(
    r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)
HOSTILE = "pay\x1b[2J\x9b2J\x85ment\u202egnp.exe\u2028<!channel>\x7f"


class TestJsonReport:
    def test_controls_are_escaped_not_printed(self) -> None:
        """C1 controls, DEL, bidi overrides and line separators appear only as \\u escapes."""
        report = make_report().model_copy(update={"service": HOSTILE})
        text = render_json(report)
        assert UNSAFE.search(text) is None
        assert "\\u009b2J" in text
        assert "\\u202e" in text

    def test_values_survive_exactly(self) -> None:
        """Parsing the JSON gives back the hostile values unchanged, `<!channel>` included."""
        cause = RootCause(service=HOSTILE, summary=f"line one\n{HOSTILE}")
        report = make_report().model_copy(update={"service": HOSTILE, "root_cause": cause})
        assert json.loads(render_json(report)) == report.to_dict()

    def test_lone_surrogates_do_not_break_printing(self) -> None:
        """A lone surrogate is written as an escape, so the JSON encodes as UTF-8."""
        report = make_report().model_copy(update={"service": "a\ud800b"})
        text = render_json(report)
        text.encode("utf-8")
        assert json.loads(text)["service"] == "a\ud800b"
