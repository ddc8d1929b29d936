"""Redis links for the state stores, closed after each test, on one manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aisher.redis_link import RedisLink
from tests.support.clocks import ManualClock

COOL_DOWN_S = 30.0


class Links:
    """Opens Redis links whose cool-down follows `clock`; closes them all at the end."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self._opened: list[RedisLink] = []

    def open(self, url: str | None) -> RedisLink:
        link = RedisLink(url, retry_after_s=COOL_DOWN_S, monotonic=self.clock.monotonic)
        self._opened.append(link)
        return link

    async def close(self) -> None:
        for link in self._opened:
            await link.close()


@pytest.fixture
async def links() -> AsyncIterator[Links]:
    """A Redis link factory for one test."""
    factory = Links()
    try:
        yield factory
    finally:
        await factory.close()
