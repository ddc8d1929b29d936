"""A bounded in-process map whose entries expire: the fallback of every state store.

Each store keeps a copy of what it wrote (and of what it read from Redis) here, so that a Redis
outage degrades to one replica's memory instead of to nothing. Entries expire like their Redis
copies, and the map never grows past its capacity: the oldest entry goes first.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")

DEFAULT_CAPACITY = 10_000


class ExpiringDict(Generic[V]):
    """str → V with a TTL per entry and a capacity; `monotonic` is injectable for tests."""

    def __init__(
        self,
        capacity: int = DEFAULT_CAPACITY,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._monotonic = monotonic
        self._entries: OrderedDict[str, tuple[V, float]] = OrderedDict()

    def __len__(self) -> int:
        self._drop_expired()
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._live(key) is not None

    def get(self, key: str) -> V | None:
        """The live value under `key`, or None when absent or expired."""
        item = self._live(key)
        return None if item is None else item[0]

    def set(self, key: str, value: V, ttl_s: float) -> None:
        """Store `value` for `ttl_s` seconds, evicting the oldest entries past capacity."""
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self._entries[key] = (value, self._monotonic() + ttl_s)
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def set_if_absent(self, key: str, value: V, ttl_s: float) -> bool:
        """Store `value` only if no live entry is under `key`; True when stored."""
        if self._live(key) is not None:
            return False
        self.set(key, value, ttl_s)
        return True

    def pop(self, key: str) -> V | None:
        """Remove and return the live value under `key`, if any."""
        value = self.get(key)
        self._entries.pop(key, None)
        return value

    def _live(self, key: str) -> tuple[V, float] | None:
        item = self._entries.get(key)
        if item is not None and self._monotonic() >= item[1]:
            del self._entries[key]
            return None
        return item

    def _drop_expired(self) -> None:
        now = self._monotonic()
        for key in [key for key, (_, expires_at) in self._entries.items() if now >= expires_at]:
            del self._entries[key]
