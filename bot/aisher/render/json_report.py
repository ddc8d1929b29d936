"""The report as JSON (`--format json`, the REST API).

The JSON keeps every value exactly (it is data for programs), but it is also printed to
terminals: `json.dumps` escapes only C0 control characters, so DEL, C1 controls (an 8-bit CSI
acts like ESC [), bidi overrides, line separators and lone surrogates are written as `\\uXXXX`
escapes too. The text stays valid JSON with the same values, and prints as plain characters.
"""

from __future__ import annotations

import json
import re

from aisher.analysis.report import Report

# Only ever inside JSON strings (json.dumps writes nothing else outside ASCII), so replacing
# each with its escape changes no value.
_UNSAFE = re.compile(
    r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def render_json(report: Report) -> str:
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
