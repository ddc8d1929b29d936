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

# (key, type, value) per attribute, in order: the type keeps True apart from 1.
AttributesKey = tuple[tuple[str, type, AnyRaw], ...]


def attributes_key(attributes: Mapping[str, AnyRaw]) -> AttributesKey | None:
    """A hashable identity of decoded attributes; None unless every value is a str, int,
    bool, bytes or None.

    Doubles are left out because equal is not identical for them (0.0 and -0.0 print
    differently, NaN equals nothing), and lists and maps because they are rare on resources.
    """
    key = []
    for name, value in attributes.items():
        if not (value is None or isinstance(value, str | int | bytes)):
            return None
        key.append((name, type(value), value))
    return tuple(key)


def memoised(
    build: Callable[[Mapping[str, AnyRaw]], _T],
) -> Callable[[Mapping[str, AnyRaw]], _T]:
    """`build` cached by `attributes_key`; attributes without a key are built every time.

    The cached result is shared by every caller, so `build` must return something no one
    mutates (the rows already share one resource's maps across its spans).
    """

    @lru_cache(maxsize=CACHED_RESOURCES)
    def cached(key: AttributesKey) -> _T:
        return build({name: value for name, _, value in key})

    def lookup(attributes: Mapping[str, AnyRaw]) -> _T:
        key = attributes_key(attributes)
        return build(attributes) if key is None else cached(key)

    return lookup
