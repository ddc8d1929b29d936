"""Decoding the fields of OTLP protobuf-JSON: ids, nanosecond times, enums, AnyValues.

The collector's file exporter writes trace and span ids as hex, 64-bit times as strings of
nanoseconds and enums as numbers. Canonical protobuf JSON writes ids (bytes) as base64, and
other producers write times as JSON numbers or enums by name. Each decoder accepts all of these
and raises `OtlpFormatError` when a value is none of them, so that garbage is reported instead
of stored.

Decoders get the field's own `name` and containers add their part of the path with `nested`
as the error passes through them (`resourceSpans[0].scopeSpans[1].spans[2].spanId: …`), so a
path is only ever built for a document that is actually wrong.

Attribute lists and AnyValues are decoded within `ImportLimits`: a list with too many values
(nested ones included) or a value too large is refused like any other malformed field. Numbers
are never converted past what a 64-bit field can hold, so Python's limit on converting long
digit strings (4,300 digits) is never reached.
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
from aisher.signoz.import_limits import ImportLimits

_HEX = re.compile(r"[0-9a-fA-F]+")
_UNSIGNED = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"-?[0-9]+")
# Up to 18 ASCII digits: always within int64, so `int()` needs no range check.
_SMALL_DIGITS = re.compile(r"[0-9]{1,18}").fullmatch
# At most as many digits as a 64-bit integer has: `int()` is cheap and the range check decides.
_UINT_DIGITS = re.compile(r"[0-9]{1,20}").fullmatch
# An id already in the form it is stored in, as the collector's file exporter writes it.
_LOWER_HEX = re.compile(r"[0-9a-f]+").fullmatch
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1
_SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_INT64_DIGITS = 20  # no 64-bit integer, signed or not, has more significant digits
# A JSON integer literal longer than this fits no OTLP field (not even a finite double, which
# stops at 309 digits), so the parser keeps it as an `OversizedNumber` instead of converting it.
MAX_JSON_INT_DIGITS = 400

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


class OversizedNumber:
    """A JSON integer literal too long for any OTLP field, kept unconverted; decoders refuse it."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<a {self.digits}-digit number>"


def parse_json_int(literal: str) -> int | OversizedNumber:
    """`json.loads`'s `parse_int`: an int, or an `OversizedNumber` for a very long literal."""
    if len(literal) > MAX_JSON_INT_DIGITS:
        return OversizedNumber(len(literal.lstrip("-")))
    return int(literal)


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


def clip(text: str) -> str:
    """A name from the input as is when short and printable, else as `describe` renders it."""
    return text if len(text) <= 60 and text.isprintable() else describe(text)


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


def as_bounded_list(value: object, name: str, limit: int) -> list[Any]:
    """`as_list` for a list the record may hold at most `limit` items of."""
    items = as_list(value, name)
    if len(items) > limit:
        raise OtlpFormatError(f"{name}: {len(items)} items, more than the limit of {limit}")
    return items


def _small_int(text: str) -> int | None:
    """A string of digits (with an optional '-') as an int; None past 20 significant digits.

    Leading zeros are dropped first, since Python counts them against its conversion limit.
    """
    digits = text.removeprefix("-").lstrip("0")
    if len(digits) > _INT64_DIGITS:
        return None
    number = int(digits or "0")
    return -number if text.startswith("-") else number


def decode_uint(value: object, name: str, *, bits: int = 64) -> int:
    """An unsigned integer given as a JSON number or a string of digits; 0 when missing."""
    if value is None:
        return 0
    if type(value) is str and _UINT_DIGITS(value):
        number = int(value)  # the common case: times as the file exporter writes them
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _UNSIGNED.fullmatch(value):
        small = _small_int(value)
        if small is None:
            raise OtlpFormatError(f"{name}: {describe(value)} does not fit in {bits} unsigned bits")
        number = small
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
    if type(value) is str and len(value) == 2 * size and _LOWER_HEX(value):
        # Already lowercase hex: what `bytes.fromhex(value).hex()` below would give back.
        return value if value.strip("0") else ""
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


def decode_any_value(value: object, name: str, *, limits: ImportLimits) -> AnyRaw:
    """An OTLP AnyValue as a plain Python value (pdata's `AsRaw`); None when empty."""
    return _ValueReader(limits).any_value(value, name)


def decode_attributes(value: object, name: str, *, limits: ImportLimits) -> dict[str, AnyRaw]:
    """A list of OTLP KeyValues as an ordered dict (a later duplicate key wins, as in Go)."""
    return _ValueReader(limits).attributes(value, name)


class _ValueReader:
    """Decodes one attribute list or AnyValue, spending one budget of `max_values` on it."""

    def __init__(self, limits: ImportLimits) -> None:
        self._limits = limits
        self._left = limits.max_values

    def attributes(self, value: object, name: str) -> dict[str, AnyRaw]:
        result: dict[str, AnyRaw] = {}
        # Four bytes per character at most: a key or string this short fits without measuring.
        short = self._limits.max_value_bytes // 4
        for index, item in enumerate(self._items(value, name)):
            # Fast path for the common `{"key": k, "value": {"stringValue": s}}` and a small
            # non-negative `intValue` string, which the general path below would decode to the
            # same value; anything else, valid or not, takes the general path.
            if type(item) is dict:
                key, any_value = item.get("key"), item.get("value")
                if type(key) is str and type(any_value) is dict and len(any_value) == 1:
                    text = any_value.get("stringValue")
                    if type(text) is str and len(key) <= short and len(text) <= short:
                        result[key] = text
                        continue
                    text = any_value.get("intValue")
                    if type(text) is str and _SMALL_DIGITS(text) and len(key) <= short:
                        result[key] = int(text)
                        continue
            if not isinstance(item, dict):
                raise OtlpFormatError(f"{name}[{index}]: expected an object, got {describe(item)}")
            key = item.get("key")
            if not isinstance(key, str):
                raise OtlpFormatError(
                    f"{name}[{index}].key: expected a string, got {describe(key)}"
                )
            self._check_size(key, f"{name}[{index}].key")
            try:
                result[key] = self.any_value(item.get("value"), "value")
            except OtlpFormatError as exc:
                raise nested(exc, f"{name}[{index}]") from None
        return result

    def any_value(self, value: object, name: str) -> AnyRaw:
        if value is None:
            return None
        if not isinstance(value, dict):
            raise OtlpFormatError(f"{name}: expected an AnyValue object, got {describe(value)}")
        if not value:
            return None
        if len(value) != 1:
            raise OtlpFormatError(
                f"{name}: an AnyValue holds one variant, got {describe(sorted(value))}"
            )
        ((variant, inner),) = value.items()
        try:
            return self._variant(variant, inner)
        except OtlpFormatError as exc:
            raise nested(exc, name) from None

    def _variant(self, variant: str, inner: object) -> AnyRaw:
        if variant == "stringValue":
            return self._check_size(as_str(inner, variant), variant)
        if variant == "boolValue":
            if not isinstance(inner, bool):
                raise OtlpFormatError(f"{variant}: expected true or false, got {describe(inner)}")
            return inner
        if variant == "intValue":
            return _decode_int64(inner, variant)
        if variant == "doubleValue":
            return _decode_double(inner, variant)
        if variant == "bytesValue":
            return self._bytes(inner, variant)
        if variant == "arrayValue":
            name = f"{variant}.values"
            items = self._items(as_object(inner, variant).get("values"), name)
            return [self.any_value(item, f"{name}[{i}]") for i, item in enumerate(items)]
        if variant == "kvlistValue":
            return self.attributes(as_object(inner, variant).get("values"), f"{variant}.values")
        # The leading ':' makes the caller's `nested` read `value: 'x' is not …`.
        raise OtlpFormatError(f": {describe(variant)} is not an AnyValue variant")

    def _items(self, value: object, name: str) -> list[Any]:
        items = as_list(value, name)
        if len(items) > self._left:
            limit = self._limits.max_values
            raise OtlpFormatError(
                f"{name}: more than {limit} values in one attribute list "
                "(nested array and map items included)"
            )
        self._left -= len(items)
        return items

    def _check_size(self, text: str, name: str) -> str:
        limit = self._limits.max_value_bytes
        # Four bytes per character at most: most values need no encoding to be measured.
        if len(text) * 4 > limit and (
            len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit
        ):
            raise OtlpFormatError(f"{name}: longer than the limit of {limit} bytes for one value")
        return text

    def _bytes(self, value: object, name: str) -> bytes:
        text = as_str(value, name)
        # Base64 takes 4 characters per 3 bytes: measure before decoding anything large.
        if len(text) > self._limits.max_value_bytes // 3 * 4 + 4:
            limit = self._limits.max_value_bytes
            raise OtlpFormatError(f"{name}: longer than the limit of {limit} bytes for one value")
        raw = _decode_base64(text)
        if not raw and text:
            raise OtlpFormatError(f"{name}: {describe(text)} is not base64")
        if len(raw) > self._limits.max_value_bytes:
            limit = self._limits.max_value_bytes
            raise OtlpFormatError(f"{name}: longer than the limit of {limit} bytes for one value")
        return raw


def _decode_int64(value: object, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _SIGNED.fullmatch(value):
        small = _small_int(value)
        if small is None:
            raise OtlpFormatError(f"{name}: {describe(value)} does not fit in 64 bits")
        number = small
    else:
        raise OtlpFormatError(f"{name}: {describe(value)} is not an integer")
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise OtlpFormatError(f"{name}: {number} does not fit in 64 bits")
    return number


def _decode_double(value: object, name: str) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            pass  # an int past the largest double, which Go's decoder refuses too
    elif isinstance(value, str):
        if value in _SPECIAL_DOUBLES:
            return _SPECIAL_DOUBLES[value]
        try:
            return float(value)
        except ValueError:
            pass
    raise OtlpFormatError(f"{name}: {describe(value)} is not a number")
