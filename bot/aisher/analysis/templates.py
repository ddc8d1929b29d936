"""Normalise error messages into templates so that one failure mode forms one group.

Volatile parts (UUIDs, hex ids, numbers, emails, IPs, quoted ids) become placeholders; the
parts that tell failure modes apart stay: HTTP status codes, ports, exception names.
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
        ),
        "<uuid>",
    ),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "<email>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), "<ip>"),
    (re.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{1,4}(?![\w:])"), "<ip>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<hex>"),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"), "<hex>"),
    # Identifiers that mix letters with at least three digits: ord_8Hs7Kd21, user-42a9f1.
    (re.compile(r"\b(?=\w*[A-Za-z])(?=(?:\w*\d){3})[\w-]{8,}\b"), "<id>"),
)
_PORT = re.compile(r"(?<=[A-Za-z>\]]:)\d{2,5}\b")
_STATUS_CODE = re.compile(r"^[1-5]\d\d$")
# A number, optionally with a unit suffix (30000ms, 2.5s, 512MB): the unit stays.
_NUMBER = re.compile(
    r"(?<![\w.<])\d+(?:\.\d+)?(?=(?:ns|us|µs|ms|s|m|h|d|kb|mb|gb|b|x|%)?(?![\w>]))",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
MAX_TEMPLATE_CHARS = 300


def normalize_message(message: str) -> str:
    """The message with volatile parts replaced by placeholders, whitespace folded."""
    text = _SPACES.sub(" ", message.strip())
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    ports = {match.start() for match in _PORT.finditer(text)}

    def replace_number(match: re.Match[str]) -> str:
        token = match.group(0)
        followed_by_unit = text[match.end() : match.end() + 1].isalpha()
        if match.start() in ports or (_STATUS_CODE.match(token) and not followed_by_unit):
            return token
        return "<n>"

    text = _NUMBER.sub(replace_number, text)
    return text[:MAX_TEMPLATE_CHARS]
