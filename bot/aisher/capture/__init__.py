"""`aisher capture`: a past incident out of SigNoz as a masked, labelled regression case.

    IncidentCapturer   reads what the analysis reads for an incident, spans and logs, masked
    Capture            what it read: spans, logs, and what the row limits cut
    write_capture      writes `telemetry.jsonl` (OTLP/JSON lines) and `incident.yaml`

Inside: `reads` (what an analysis read), `selection` (which services to take), `masking` (one
Masker per capture), `otlp_documents` (stored records as OTLP/JSON), `incident_card` (the card).
"""

from aisher.capture.capturer import Capture, IncidentCapturer
from aisher.capture.folder import CARD_FILE, TELEMETRY_FILE, ensure_free, write_capture

__all__ = [
    "CARD_FILE",
    "TELEMETRY_FILE",
    "Capture",
    "IncidentCapturer",
    "ensure_free",
    "write_capture",
]
