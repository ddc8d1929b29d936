"""Analysis: from a question about a service and a window to a `Report`.

    AnalysisEngine.analyze(AnalysisRequest) -> Report

    evidence/   read the window from SigNoz, group errors, find origins, rank suspects
    masking/    nothing unmasked leaves the process
    llm/        the LLM analyzer: TOON context, prompts, provider calls, answer checks
    cache/      answers and budgets shared by every replica through Redis
    heuristic   the deterministic analyzer, always available
    report      the `Report` every front end renders

Front ends import from here; the subpackages export what the wiring needs.
"""

from aisher.analysis.engine import AnalysisEngine, Analyzer
from aisher.analysis.evidence import Evidence
from aisher.analysis.report import Answer, Report, TraceReport
from aisher.analysis.request import AnalysisRequest

__all__ = [
    "AnalysisEngine",
    "AnalysisRequest",
    "Analyzer",
    "Answer",
    "Evidence",
    "Report",
    "TraceReport",
]
