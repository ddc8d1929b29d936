"""The report as JSON (`--format json`, the REST API)."""

from __future__ import annotations

import json

from aisher.analysis.report import Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
