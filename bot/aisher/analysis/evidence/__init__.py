"""Evidence: what the telemetry of one window says, computed in code before any LLM sees it.

    EvidenceCollector   reads a window and its baseline from SigNoz and returns masked `Evidence`
    build_evidence      groups errors, finds each failing trace's origin, ranks the suspects
    Evidence            the bundle every analyzer and renderer works from (plain data)

Inside: `failures` (which spans failed: status, codes, error logs), `groups` (error groups),
`origins` (where a trace's failure started and whom to blame; `failure_text` reads timeouts,
client-side exhaustion and named unreachable peers, `latency` follows slow requests down),
`baseline` and `trends` (the window against its baseline: new or chronic, per group),
`instances` (one bad pod), `ranking`, `suspect_reasons` and `confidence` (suspects and how
sure we are), `message_templates` and `stack_frames` (normalising what varies).
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
