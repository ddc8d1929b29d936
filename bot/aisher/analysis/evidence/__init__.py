"""Evidence: what the telemetry of one window says, computed in code before any LLM sees it.

    EvidenceCollector   reads a window from SigNoz and returns masked `Evidence`
    build_evidence      groups errors, finds each failing trace's origin, ranks the suspects
    Evidence            the bundle every analyzer and renderer works from (plain data)

Inside: `groups` (error groups), `origins` (where a trace's failure started), `ranking`
(suspects and confidence), `message_templates` and `stack_frames` (normalising what varies).
"""

from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.collector import EvidenceCollector
from aisher.analysis.evidence.model import (
    BlameKind,
    Confidence,
    ErrorGroup,
    Evidence,
    Suspect,
    TraceOrigin,
    VersionChange,
)

__all__ = [
    "BlameKind",
    "Confidence",
    "ErrorGroup",
    "Evidence",
    "EvidenceCollector",
    "Suspect",
    "TraceOrigin",
    "VersionChange",
    "build_evidence",
]
