"""Renderers: the same `Report` as terminal text or as JSON."""

from __future__ import annotations

from aisher.analysis.report import Report
from aisher.render.json_report import render_json
from aisher.render.text import render_text

__all__ = ["render_json", "render_report", "render_text"]


def render_report(report: Report, fmt: str) -> str:
    """The report as JSON when `fmt` is `json`, else as terminal text."""
    return render_json(report) if fmt == "json" else render_text(report)
