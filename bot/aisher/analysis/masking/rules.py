"""The masking rules in the order they run, for `aisher.analysis.masking.masker`.

Order matters: whole credentials first (a private key, a JWT inside `Authorization: Bearer …`,
a vendor token), then values named by their key, then shapes of personal data; card numbers
run last, over what is left. A rule never sees inside a placeholder an earlier one wrote.
"""

from __future__ import annotations

from aisher.analysis.masking import credentials, personal_data, tokens
from aisher.analysis.masking.keyed import keyed_anchors, locate_keyed
from aisher.analysis.masking.rule import SECRET, Rule, Scan

RULES: tuple[Rule | Scan, ...] = (
    credentials.PRIVATE_KEY,
    *tokens.SCAN_RULES,
    *tokens.VENDOR_RULES,
    credentials.URL_PASSWORD,
    *credentials.RULES,
    Scan("keyed_secret", SECRET, keyed_anchors, locate_keyed, idempotent=True),
    credentials.AUTH_TOKEN,
    personal_data.EMAIL_RULE,
    credentials.RANDOM_KEY,
    *personal_data.RULES,
)
