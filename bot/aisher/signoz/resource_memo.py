"""What a resource's attributes become, worked out once per distinct resource.

Every document repeats its resource in full, and a file holds a handful of resources over
thousands of documents. What the rows need from a resource (fingerprint, labels, string map)
is a pure function of its decoded attributes, and the FNV fingerprint and the JSON labels are
the dearest steps of a conversion, so `memoised` caches it by an identity of the attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TypeVar

from aisher.signoz.go_format import AnyRaw

_T = TypeVar("_T")
CACHED_RESOURCES = 1024  # distinct resources kept; each entry is a few kB

# The attributes in order, and the type of each value: the types keep True apart from 1.
AttributesKey = tuple[tuple[tuple[str, AnyRaw], ...], tuple[type, ...]]
# Doubles are never keyed because equal is not identical for them (0.0 and -0.0 print
# differently, NaN equals nothing); lists and maps are not hashable, and rare on resources.
_UNKEYED = (float, list, dict)


def attributes_key(attributes: Mapping[str, AnyRaw]) -> AttributesKey | None:
    """A hashable identity of decoded attributes; None when a value is a double, a list or a map.

    Kept to a few C-level passes: it runs for every resource of every document.
    """
    types = tuple(map(type, attributes.values()))
    if any(unkeyed in types for unkeyed in _UNKEYED):
        return None
    return tuple(attributes.items()), types


def memoised(
    build: Callable[[Mapping[str, AnyRaw]], _T],
) -> Callable[[Mapping[str, AnyRaw]], _T]:
    """`build` cached by `attributes_key`; attributes without a key are built every time.

    The cached result is shared by every caller, so `build` must return something no one
    mutates (the rows already share one resource's maps across its spans).
    """

    @lru_cache(maxsize=CACHED_RESOURCES)
    def cached(key: AttributesKey) -> _T:
        return build(dict(key[0]))

    def lookup(attributes: Mapping[str, AnyRaw]) -> _T:
        key = attributes_key(attributes)
        return build(attributes) if key is None else cached(key)

    return lookup
