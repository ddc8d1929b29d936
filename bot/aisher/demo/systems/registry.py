"""The systems scenarios can break, by name: `shop`, `media`, `rides` and `ledger`.

Each is a `Topology` built from plain data in the modules beside this one; every one mixes Java,
Python, Go and Node.js services over HTTP, gRPC and Kafka, with databases, caches and
third-party APIs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from aisher.demo.systems import ledger, media, rides, shop
from aisher.demo.systems.topology import Topology
from aisher.errors import InputError

_BUILDERS: dict[str, Callable[[], Topology]] = {
    "shop": shop.build,
    "media": media.build,
    "rides": rides.build,
    "ledger": ledger.build,
}
TOPOLOGY_NAMES = tuple(_BUILDERS)


@cache
def topology(name: str) -> Topology:
    """The named topology; an `InputError` listing the known names otherwise."""
    builder = _BUILDERS.get(name)
    if builder is None:
        known = ", ".join(TOPOLOGY_NAMES)
        raise InputError(f"unknown topology {name!r}: choose one of {known}")
    return builder()
