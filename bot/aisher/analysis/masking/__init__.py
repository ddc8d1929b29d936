"""Masking: nothing unmasked leaves the process.

    Masker              replaces secrets and personal data with stable placeholders
    redact_evidence     masks every telemetry-derived string of an evidence bundle
    escape_mrkdwn …     makes untrusted text safe to show in Slack and cuts it to its limits
    strip_control       removes escape sequences, control characters and bidi overrides

Inside: `rules` (the patterns), `secret_keys` (attribute and field names that hold secrets).
"""

from aisher.analysis.masking.masker import MASKING_VERSION, Masker
from aisher.analysis.masking.redaction import redact_evidence
from aisher.analysis.masking.untrusted import (
    escape_mrkdwn,
    neutralise_mrkdwn,
    strip_control,
    truncate_text,
)

__all__ = [
    "MASKING_VERSION",
    "Masker",
    "escape_mrkdwn",
    "neutralise_mrkdwn",
    "redact_evidence",
    "strip_control",
    "truncate_text",
]
