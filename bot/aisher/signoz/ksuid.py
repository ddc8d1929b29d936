"""KSUIDs, the time-sortable ids SigNoz gives log records (`logs_v2.id`).

A KSUID is 4 bytes of seconds since 2014-05-13 (epoch 1_400_000_000) followed by 16 random
bytes, written as 27 base62 characters. Fixed width and a big-endian time prefix make the text
sort by time, which SigNoz relies on to page through logs with `id` as the tie-breaker.
"""

from __future__ import annotations

import secrets

KSUID_EPOCH_S = 1_400_000_000
KSUID_LENGTH = 27
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PAYLOAD_BYTES = 16
_MAX_SECONDS = (1 << 32) - 1


def new_ksuid(time_ns: int, payload: bytes | None = None) -> str:
    """A KSUID for a record at `time_ns`; `payload` (16 bytes) defaults to random bytes."""
    body = secrets.token_bytes(_PAYLOAD_BYTES) if payload is None else payload
    if len(body) != _PAYLOAD_BYTES:
        raise ValueError(f"a KSUID payload is {_PAYLOAD_BYTES} bytes, got {len(body)}")
    # Clamped to the representable range; Go's library would wrap around instead.
    seconds = min(max(time_ns // 1_000_000_000 - KSUID_EPOCH_S, 0), _MAX_SECONDS)
    number = int.from_bytes(seconds.to_bytes(4, "big") + body, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(_ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(KSUID_LENGTH, "0")


def ksuid_seconds(ksuid: str) -> int:
    """The epoch seconds a KSUID was made for."""
    if len(ksuid) != KSUID_LENGTH:
        raise ValueError(f"a KSUID has {KSUID_LENGTH} characters, got {len(ksuid)}")
    number = 0
    for char in ksuid:
        number = number * 62 + _ALPHABET.index(char)
    return (number >> (8 * _PAYLOAD_BYTES)) + KSUID_EPOCH_S
