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
    # A keyed value lies between its separator and a quote, space or delimiter, which stay:
    # hiding it puts no word character next to anything an earlier rule looks at.
    Scan(
        "keyed_secret",
        SECRET,
        keyed_anchors,
        locate_keyed,
        idempotent=True,
        leaves_earlier_rules_alone=True,
    ),
    credentials.AUTH_TOKEN,
    personal_data.EMAIL_RULE,
    credentials.RANDOM_KEY,
    *personal_data.RULES,
)
