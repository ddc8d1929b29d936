"""The bounded, expiring in-process map behind every store's fallback."""

from __future__ import annotations

import pytest

from aisher.state.local import ExpiringDict
from tests.support.clocks import ManualClock


class TestExpiringDict:
    def test_entries_expire_after_their_ttl(self) -> None:
        """An entry is served until its TTL has passed, then gone."""
        clock = ManualClock()
        entries: ExpiringDict[str] = ExpiringDict(monotonic=clock.monotonic)
        entries.set("k", "v", ttl_s=10)
        clock.advance(9.9)
        assert entries.get("k") == "v"
        assert "k" in entries
        clock.advance(0.1)
        assert entries.get("k") is None
        assert "k" not in entries
        assert len(entries) == 0

    def test_capacity_evicts_the_oldest_write(self) -> None:
        """Past capacity the least recently written entry goes first."""
        entries: ExpiringDict[int] = ExpiringDict(2)
        entries.set("a", 1, 60)
        entries.set("b", 2, 60)
        entries.set("a", 3, 60)
        entries.set("c", 4, 60)
        assert (entries.get("a"), entries.get("b"), entries.get("c")) == (3, None, 4)

    def test_set_if_absent(self) -> None:
        """Only the first of two writes under one live key is stored; an expired key is free."""
        clock = ManualClock()
        entries: ExpiringDict[str] = ExpiringDict(monotonic=clock.monotonic)
        assert entries.set_if_absent("k", "first", 5)
        assert not entries.set_if_absent("k", "second", 5)
        assert entries.get("k") == "first"
        clock.advance(5)
        assert entries.set_if_absent("k", "third", 5)

    def test_pop(self) -> None:
        """pop returns the live value and removes it; an absent key gives None."""
        entries: ExpiringDict[str] = ExpiringDict()
        entries.set("k", "v", 5)
        assert entries.pop("k") == "v"
        assert entries.pop("k") is None

    def test_bad_arguments(self) -> None:
        """A capacity below one or a TTL that is not positive is refused."""
        with pytest.raises(ValueError, match="capacity"):
            ExpiringDict(0)
        with pytest.raises(ValueError, match="ttl_s"):
            ExpiringDict[str]().set("k", "v", 0)
