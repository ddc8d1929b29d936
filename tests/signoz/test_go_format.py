"""Values render as text exactly as the collector's Go code renders them."""

from __future__ import annotations

import math

import pytest

from aisher.signoz.go_format import (
    AnyRaw,
    as_string,
    flatten,
    format_float_es6,
    format_float_g,
    json_text,
    sprint,
)


class TestFormatFloatEs6:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (1.0, "1"),
            (402.0, "402"),
            (0.5, "0.5"),
            (-2.25, "-2.25"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-10, "1.5e-10"),
            (0.0, "0"),
        ],
    )
    def test_matches_go_json_numbers(self, value: float, text: str) -> None:
        """Doubles use ES6 number form: no `.0`, exponent only below 1e-6 or from 1e21."""
        assert format_float_es6(value) == text


class TestFormatFloatG:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (5.0, "5"),
            (999999.0, "999999"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (math.inf, "+Inf"),
        ],
    )
    def test_matches_go_percent_v(self, value: float, text: str) -> None:
        """`%v` switches to exponent form below 1e-4 and from 1e6, with two exponent digits."""
        assert format_float_g(value) == text


class TestAsString:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (None, ""),
            ("x", "x"),
            (True, "true"),
            (42, "42"),
            (2.0, "2"),
            (b"hi", "aGk="),
            ([1, "a", 2.5, None], '[1,"a",2.5,null]'),
            ({"b": 1, "a": "<x>"}, '{"a":"\\u003cx\\u003e","b":1}'),
            (math.nan, "json: unsupported value: NaN"),
        ],
    )
    def test_matches_pdata(self, value: AnyRaw, text: str) -> None:
        """Each AnyValue kind renders as pdata's `Value.AsString()` does."""
        assert as_string(value) == text

    def test_json_with_nan_inside_is_empty(self) -> None:
        """Go's encoder refuses NaN, and pdata then renders the whole value as ''."""
        assert json_text([1.0, math.nan]) == ""


class TestSprint:
    def test_percent_v_and_percent_s(self) -> None:
        """`%v` prints Go values plainly; `%s` of a non-string is Go's bad-verb form."""
        assert sprint({"b": [1, "x"], "a": True}) == "map[a:true b:[1 x]]"
        assert sprint(3, "s") == "%!s(int64=3)"
        assert sprint(None) == "<nil>"


class TestFlatten:
    def test_nested_maps_and_lists_become_dotted_keys(self) -> None:
        """Nested keys join with dots, list items by index, ints become floats."""
        flat = flatten({"a": {"b": 1, "c": ["x", {"d": False}]}, "e": "s"}, "root")
        assert flat == {"root.a.b": 1.0, "root.a.c.0": "x", "root.a.c.1.d": False, "root.e": "s"}
