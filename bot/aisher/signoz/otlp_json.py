"""Decoding the fields of OTLP protobuf-JSON: ids, nanosecond times, enums, AnyValues.

The collector's file exporter writes trace and span ids as hex, 64-bit times as strings of
nanoseconds and enums as numbers. Canonical protobuf JSON writes ids (bytes) as base64, and
other producers write times as JSON numbers or enums by name. Each decoder accepts all of these
and raises `OtlpFormatError` when a value is none of them, so that garbage is reported instead
of stored.

Decoders get the field's own `name` and containers add their part of the path with `nested`
as the error passes through them (`resourceSpans[0].scopeSpans[1].spans[2].spanId: …`), so a
path is only ever built for a document that is actually wrong.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Mapping
from typing import Any

from aisher.errors import OtlpFormatError
from aisher.signoz.go_format import AnyRaw

_HEX = re.compile(r"[0-9a-fA-F]+")
_UNSIGNED = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"-?[0-9]+")
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

TRACE_ID_BYTES = 16
SPAN_ID_BYTES = 8

SPAN_KINDS = {
    f"SPAN_KIND_{name}": number
    for number, name in enumerate(
        ("UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
    )
}
STATUS_CODES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}
SEVERITY_NUMBERS = {"SEVERITY_NUMBER_UNSPECIFIED": 0} | {
    f"SEVERITY_NUMBER_{level}{suffix}": 1 + 4 * rank + step
    for rank, level in enumerate(("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"))
    for step, suffix in enumerate(("", "2", "3", "4"))
}


def nested(exc: OtlpFormatError, prefix: str) -> OtlpFormatError:
    """`exc` with its field path placed under `prefix` (a field name or `name[index]`).

    A decoder given the name '' (an array item) reports `: reason`, which joins with no dot.
    """
    joiner = "" if exc.detail.startswith(("[", ":")) else "."
    return OtlpFormatError(f"{prefix}{joiner}{exc.detail}", line=exc.line)


def describe(value: object) -> str:
    """A short rendering of a bad value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_object(value: object, name: str) -> Mapping[str, Any]:
    """A JSON object, or an empty one for a missing field."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise OtlpFormatError(f"{name}: expected an object, got {describe(value)}")
    return value


def as_list(value: object, name: str) -> list[Any]:
    """A JSON array, or an empty one for a missing field."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise OtlpFormatError(f"{name}: expected an array, got {describe(value)}")
    return value


def as_str(value: object, name: str) -> str:
    """A JSON string, or '' for a missing field."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OtlpFormatError(f"{name}: expected a string, got {describe(value)}")
    return value


def decode_uint(value: object, name: str, *, bits: int = 64) -> int:
    """An unsigned integer given as a JSON number or a string of digits; 0 when missing."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _UNSIGNED.fullmatch(value):
        number = int(value)
    else:
        raise OtlpFormatError(f"{name}: {describe(value)} is not an unsigned integer")
    if not 0 <= number < 1 << bits:
        raise OtlpFormatError(f"{name}: {number} does not fit in {bits} unsigned bits")
    return number


def decode_enum(value: object, members: Mapping[str, int], name: str) -> int:
    """An enum given by number or by its protobuf name; 0 when missing."""
    if isinstance(value, str) and value in members:
        return members[value]
    number = decode_uint(value, name, bits=32)
    if number not in members.values():
        known = ", ".join(members)
        raise OtlpFormatError(f"{name}: {describe(value)} is not one of {known}")
    return number


def decode_id(value: object, size: int, name: str) -> str:
    """A trace (16-byte) or span (8-byte) id as lowercase hex; '' when absent or all zero."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise OtlpFormatError(f"{name}: expected a hex or base64 string, got {describe(value)}")
    if len(value) == 2 * size and _HEX.fullmatch(value):
        raw = bytes.fromhex(value)
    else:
        raw = _decode_base64(value)
        if len(raw) != size:
            raise OtlpFormatError(
                f"{name}: {describe(value)} is neither {2 * size} hex digits "
                f"nor base64 of {size} bytes"
            )
    # pdata treats an all-zero id as "no id", and the exporter writes ''.
    return "" if raw == bytes(size) else raw.hex()


def require_id(value: object, size: int, name: str) -> str:
    """`decode_id` for an id the record cannot do without."""
    decoded = decode_id(value, size, name)
    if not decoded:
        state = "missing" if value is None or value == "" else f"all zero ({value})"
        raise OtlpFormatError(f"{name}: {state}; every span needs one")
    return decoded


def _decode_base64(text: str) -> bytes:
    # Accept both alphabets and missing padding: producers differ on each.
    normalised = text.replace("-", "+").replace("_", "/")
    normalised += "=" * (-len(normalised) % 4)
    try:
        return base64.b64decode(normalised, validate=True)
    except (binascii.Error, ValueError):
        return b""


def decode_any_value(value: object, name: str) -> AnyRaw:
    """An OTLP AnyValue as a plain Python value (pdata's `AsRaw`); None when empty."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise OtlpFormatError(f"{name}: expected an AnyValue object, got {describe(value)}")
    if not value:
        return None
    if len(value) != 1:
        raise OtlpFormatError(f"{name}: an AnyValue holds one variant, got {sorted(value)}")
    ((variant, inner),) = value.items()
    try:
        return _decode_variant(variant, inner)
    except OtlpFormatError as exc:
        raise nested(exc, name) from None


def _decode_variant(variant: str, inner: object) -> AnyRaw:
    if variant == "stringValue":
        return as_str(inner, variant)
    if variant == "boolValue":
        if not isinstance(inner, bool):
            raise OtlpFormatError(f"{variant}: expected true or false, got {describe(inner)}")
        return inner
    if variant == "intValue":
        return _decode_int64(inner, variant)
    if variant == "doubleValue":
        return _decode_double(inner, variant)
    if variant == "bytesValue":
        return _decode_bytes(inner, variant)
    if variant == "arrayValue":
        items = as_list(as_object(inner, variant).get("values"), f"{variant}.values")
        return [decode_any_value(item, f"{variant}.values[{i}]") for i, item in enumerate(items)]
    if variant == "kvlistValue":
        return decode_attributes(as_object(inner, variant).get("values"), f"{variant}.values")
    raise OtlpFormatError(f"{variant}: not an AnyValue variant")


def _decode_int64(value: object, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _SIGNED.fullmatch(value):
        number = int(value)
    else:
        raise OtlpFormatError(f"{name}: {describe(value)} is not an integer")
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise OtlpFormatError(f"{name}: {number} does not fit in 64 bits")
    return number


def _decode_double(value: object, name: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        if value in _SPECIAL_DOUBLES:
            return _SPECIAL_DOUBLES[value]
        try:
            return float(value)
        except ValueError:
            pass
    raise OtlpFormatError(f"{name}: {describe(value)} is not a number")


def _decode_bytes(value: object, name: str) -> bytes:
    text = as_str(value, name)
    raw = _decode_base64(text)
    if not raw and text:
        raise OtlpFormatError(f"{name}: {describe(text)} is not base64")
    return raw


def decode_attributes(value: object, name: str) -> dict[str, AnyRaw]:
    """A list of OTLP KeyValues as an ordered dict (a later duplicate key wins, as in Go)."""
    result: dict[str, AnyRaw] = {}
    for index, item in enumerate(as_list(value, name)):
        if not isinstance(item, dict):
            raise OtlpFormatError(f"{name}[{index}]: expected an object, got {describe(item)}")
        key = item.get("key")
        if not isinstance(key, str):
            raise OtlpFormatError(f"{name}[{index}].key: expected a string, got {describe(key)}")
        try:
            result[key] = decode_any_value(item.get("value"), "value")
        except OtlpFormatError as exc:
            raise nested(exc, f"{name}[{index}]") from None
    return result
