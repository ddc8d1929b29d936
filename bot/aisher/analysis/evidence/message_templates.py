"""Normalise error messages into templates so that one failure mode forms one group.

Volatile parts (UUIDs, hex ids, numbers, emails, IPs, quoted ids) become placeholders; the
parts that tell failure modes apart stay: HTTP status codes, ports, exception names.
"""

from __future__ import annotations

import re
from functools import cache

from aisher.analysis.masking.rule import NUMBERED

_HEX4 = "[0-9a-fA-F]{1,4}"
# One alternation, tried left to right at each position, so a message is scanned once.
_VOLATILE_PARTS = (
    # Masking placeholders are numbered per value (<IP_27>); for grouping any IP is an IP.
    ("masked", rf"<(?:{'|'.join(NUMBERED)})_\d+>"),
    ("ts", r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"),
    # A time of day on its own (16:44:10.582); before ip6, which would take its digits.
    ("clock", r"(?<![\w:.])\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?![\w:])"),
    ("uuid", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    ("email", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    ("ip", r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
    # IPv6 in full (eight groups) or compressed (with "::"); fewer groups are times or MACs.
    (
        "ip6",
        rf"(?<![\w:])(?:(?:{_HEX4}:){{7}}{_HEX4}"
        rf"|(?:{_HEX4}:){{1,6}}:(?:{_HEX4}(?::{_HEX4}){{0,5}})?"
        rf"|::{_HEX4}(?::{_HEX4}){{0,6}})(?![\w:])",
    ),
    ("hex", r"\b0x[0-9a-fA-F]+\b"),
    ("hexid", r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"),
    # Identifiers that mix letters with at least three digits: ord_8Hs7Kd21, user-42a9f1.
    ("id", r"\b(?=\w*[A-Za-z])(?=(?:\w*\d){3})[\w-]{8,}\b"),
)
_PLACEHOLDERS = {"ts": "<time>", "clock": "<time>", "uuid": "<uuid>", "email": "<email>",
                 "ip": "<ip>", "ip6": "<ip>", "hex": "<hex>", "hexid": "<hex>",
                 "id": "<id>"}  # fmt: skip
_PORT = re.compile(r"(?<=[A-Za-z>\]]:)\d{2,5}\b")
_STATUS_CODE = re.compile(r"^[1-5]\d\d$")
# A number, optionally with a unit suffix (30000ms, 2.5s, 512MB): the unit stays.
_NUMBER = re.compile(
    r"(?<![\w.<])\d+(?:\.\d+)?(?=(?:ns|us|µs|ms|s|m|h|d|kb|mb|gb|b|x|%)?(?![\w>]))",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
MAX_TEMPLATE_CHARS = 300
EPHEMERAL_PORTS_START = 32768  # Linux's default ip_local_port_range starts here


def normalize_message(message: str) -> str:
    """The message with volatile parts replaced by placeholders, whitespace folded."""
    # Only the head of a huge message can reach the template; don't scan the rest.
    text = _SPACES.sub(" ", message[: MAX_TEMPLATE_CHARS * 4].strip())
    text = _volatile_pattern(_possible_parts(text)).sub(_volatile_placeholder, text)
    ports = {match.start() for match in _PORT.finditer(text)}

    def replace_number(match: re.Match[str]) -> str:
        token = match.group(0)
        followed_by_unit = text[match.end() : match.end() + 1].isalpha()
        if match.start() in ports:
            # A server port tells where a call went; an ephemeral client port is noise.
            return token if int(token) < EPHEMERAL_PORTS_START else "<n>"
        if _STATUS_CODE.match(token) and not followed_by_unit:
            return token
        return "<n>"

    text = _NUMBER.sub(replace_number, text)
    return text[:MAX_TEMPLATE_CHARS]


def _possible_parts(text: str) -> tuple[str, ...]:
    """The volatile parts that could match somewhere in the text.

    A part needs certain characters (an email an @, a time of day two colons, …); one the text
    lacks them for is left out of the alternation. The others are tried in the same order at
    every position, so no match changes, but nothing tries the hopeless part at every position
    (`email` alone scans each word to its end).
    """
    colons, dashes = text.count(":"), text.count("-")
    possible = {
        "masked": "<" in text,
        "ts": dashes >= 2 and colons >= 2,
        "clock": colons >= 2,
        "uuid": dashes >= 4,
        "email": "@" in text,
        "ip": text.count(".") >= 3,
        "ip6": colons >= 7 or "::" in text,
        "hex": "0x" in text,
    }
    return tuple(name for name, _ in _VOLATILE_PARTS if possible.get(name, True))


@cache  # one pattern per subset of the parts that can be left out (256), and few ever occur
def _volatile_pattern(parts: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation of the named volatile parts, in their order."""
    wanted = set(parts)
    chosen = [(name, pattern) for name, pattern in _VOLATILE_PARTS if name in wanted]
    return re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in chosen))


def _volatile_placeholder(match: re.Match[str]) -> str:
    if match.lastgroup == "masked":
        return match.group(0).split("_", 1)[0] + ">"
    return _PLACEHOLDERS[match.lastgroup or "id"]
