"""Values rendered as text exactly as SigNoz's collector (written in Go) renders them.

The exporter stores attribute values through a handful of Go formatters, and readers compare
those strings (`has(mapKeys(…))`, `LIKE '%"service.name":"x"%'`, groupID hashes), so an import
must produce the same bytes:

* `as_string` is pdata's `Value.AsString()`: ints in decimal, doubles in ES6 number form
  (`1`, not `1.0`), bools as `true`/`false`, bytes as base64, maps and slices as JSON.
* `json_text` is Go's `encoding/json` over `Value.AsRaw()`: sorted map keys, no spaces, and
  `<`, `>`, `&` escaped as `\\u003c`… (Go escapes HTML by default; Python does not).
* `sprint` is `fmt.Sprintf("%v")` (and `%s`), used by the fingerprint hash and `FlattenJSON`.
* `flatten` is the collector's `FlattenJSON`: nested maps and lists become dotted keys.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Literal, TypeAlias

# The decoded form of an OTLP AnyValue, mirroring pdata's `Value.AsRaw()`: int for intValue,
# float for doubleValue, bytes for bytesValue, None for an empty value. (A recursive alias
# has to be written as a string.)
AnyRaw: TypeAlias = "str | bool | int | float | bytes | list[AnyRaw] | dict[str, AnyRaw] | None"
FlatValue: TypeAlias = str | float | bool

_HTML_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
# Few values hold one of these, and a search is far cheaper than `str.translate` with a table.
_HTML_UNSAFE = re.compile("[<>&\u2028\u2029]")


class _Unsupported(ValueError):
    """Go's encoder refuses NaN and ±Inf; pdata then renders the whole value as ''."""


def quote(text: str) -> str:
    """A JSON string literal as Go's encoder writes it."""
    # What `json.dumps(text, ensure_ascii=False)` returns, without its per-call encoder setup.
    literal: str = encode_basestring(text)
    return literal.translate(_HTML_ESCAPES) if _HTML_UNSAFE.search(literal) else literal


def string_map_json(values: Mapping[str, str]) -> str:
    """A `map[string]string` as Go's encoder writes it: keys sorted, compact."""
    return "{" + ",".join(f"{quote(k)}:{quote(values[k])}" for k in sorted(values)) + "}"


def json_text(value: AnyRaw) -> str:
    """`json.Marshal(value.AsRaw())`; '' when the value holds NaN or ±Inf, as pdata does."""
    try:
        return _encode(value)
    except _Unsupported:
        return ""


def _encode(value: AnyRaw) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Unsupported(value)
        return format_float_es6(value)
    if isinstance(value, bytes):
        return quote(base64.b64encode(value).decode("ascii"))
    if isinstance(value, list):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    return "{" + ",".join(f"{quote(k)}:{_encode(value[k])}" for k in sorted(value)) + "}"


def as_string(value: AnyRaw) -> str:
    """pdata's `Value.AsString()`."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"json: unsupported value: {_go_special(value)}"
        return format_float_es6(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return json_text(value)


def sprint(value: AnyRaw, verb: Literal["v", "s"] = "v") -> str:
    """`fmt.Sprintf("%v", value)` (or `%s`) for a raw value, as Go prints `any`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace") if verb == "s" else _byte_list(value)
    if isinstance(value, list):
        return "[" + " ".join(sprint(item, verb) for item in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{sprint(value[k], verb)}" for k in sorted(value)) + "]"
    if value is None:
        return "<nil>" if verb == "v" else "%!s(<nil>)"
    if isinstance(value, bool):
        text, go_type = ("true" if value else "false"), "bool"
    elif isinstance(value, int):
        text, go_type = str(value), "int64"
    else:
        text, go_type = format_float_g(value), "float64"
    # `%s` of a non-string is Go's "bad verb" rendering, which is what the collector stores.
    return text if verb == "v" else f"%!s({go_type}={text})"


def _byte_list(value: bytes) -> str:
    return "[" + " ".join(str(b) for b in value) + "]"


def flatten(value: Mapping[str, AnyRaw], prefix: str) -> dict[str, FlatValue]:
    """The collector's `FlattenJSON`: nested keys joined with dots, list items by index.

    Ints become floats; strings, floats and bools stay; anything else is printed with `%v`.
    """
    result: dict[str, FlatValue] = {}
    for key, item in value.items():
        full_key = f"{prefix}.{key}" if prefix else key
        if isinstance(item, dict):
            result.update(flatten(item, full_key))
        elif isinstance(item, list):
            for index, element in enumerate(item):
                result.update(flatten({str(index): element}, full_key))
        elif isinstance(item, str | bool | float):
            result[full_key] = item
        elif isinstance(item, int):
            result[full_key] = float(item)
        else:
            result[full_key] = sprint(item)
    return result


def _go_special(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "+Inf" if value > 0 else "-Inf"


def _shortest_digits(value: float) -> tuple[str, int]:
    """The shortest round-trip digits of |value| and the decimal exponent of the first one."""
    # Python's repr and Go's strconv both produce the shortest digits that round-trip.
    _, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    text = "".join(map(str, digits))
    return text.rstrip("0") or "0", len(digits) - 1 + int(exponent)


def _fixed(digits: str, point: int) -> str:
    if point < 0:
        return "0." + "0" * (-point - 1) + digits
    whole, fraction = digits[: point + 1].ljust(point + 1, "0"), digits[point + 1 :]
    return whole + ("." + fraction if fraction else "")


def _scientific(digits: str, point: int) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{mantissa}e{'-' if point < 0 else '+'}{abs(point):02d}"


def format_float_es6(value: float) -> str:
    """A finite double as Go's JSON encoder and pdata's AsString write it (ES6 number form)."""
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    digits, point = _shortest_digits(value)
    magnitude = abs(value)
    if magnitude < 1e-6 or magnitude >= 1e21:
        text = _scientific(digits, point)
        if text[-4:-1] == "e-0":  # Go trims e-07 to e-7 in this form
            text = text[:-2] + text[-1]
        return sign + text
    return sign + _fixed(digits, point)


def format_float_g(value: float) -> str:
    """A double as Go's `%v` prints it: shortest digits, exponent form below 1e-4 or from 1e6."""
    if not math.isfinite(value):
        return _go_special(value)
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    digits, point = _shortest_digits(value)
    if point < -4 or point >= 6:
        return sign + _scientific(digits, point)
    return sign + _fixed(digits, point)
