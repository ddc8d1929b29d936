"""Resource descriptions are cached only under an identity that cannot confuse two resources."""

from __future__ import annotations

from collections.abc import Mapping

from aisher.signoz.document_rows import may_hold_lone_surrogate
from aisher.signoz.go_format import AnyRaw, as_string
from aisher.signoz.resource_memo import attributes_key, memoised


class TestAttributesKey:
    def test_type_keeps_equal_values_apart(self) -> None:
        """True == 1 in Python, but they print differently, so their keys differ."""
        assert attributes_key({"a": True}) != attributes_key({"a": 1})

    def test_order_is_part_of_the_key(self) -> None:
        """Maps keep attribute order, so a reordered resource is described anew."""
        assert attributes_key({"a": "1", "b": "2"}) != attributes_key({"b": "2", "a": "1"})

    def test_doubles_lists_and_maps_have_no_key(self) -> None:
        """0.0 and -0.0 are equal yet print differently; lists and maps are not hashable."""
        assert attributes_key({"a": 0.0}) is None
        assert attributes_key({"a": [1]}) is None
        assert attributes_key({"a": {"b": 1}}) is None


class TestMemoised:
    def test_builds_once_per_distinct_resource(self) -> None:
        calls: list[dict[str, AnyRaw]] = []

        @memoised
        def describe(attributes: Mapping[str, AnyRaw]) -> str:
            calls.append(dict(attributes))
            return ",".join(f"{k}={as_string(v)}" for k, v in attributes.items())

        assert describe({"service.name": "a", "n": 1}) == "service.name=a,n=1"
        assert describe({"service.name": "a", "n": 1}) == "service.name=a,n=1"
        assert describe({"service.name": "a", "n": True}) == "service.name=a,n=true"
        assert len(calls) == 2

    def test_unkeyed_attributes_are_built_every_time(self) -> None:
        calls: list[int] = []

        @memoised
        def describe(attributes: Mapping[str, AnyRaw]) -> str:
            calls.append(1)
            return as_string(attributes["x"])

        assert describe({"x": -0.0}) == "-0"
        assert describe({"x": 0.0}) == "0"
        assert len(calls) == 2


class TestSurrogateSearch:
    def test_finds_escaped_and_raw_surrogates(self) -> None:
        assert may_hold_lone_surrogate('{"a":"\\ud800"}')
        assert may_hold_lone_surrogate('{"a":"\\uDFFF"}')
        assert may_hold_lone_surrogate('{"a":"\ud800"}')

    def test_passes_text_without_them(self) -> None:
        assert not may_hold_lone_surrogate('{"a":"\\u00e9 é \\n"}')
        assert not may_hold_lone_surrogate('{"a":"plain"}')
