"""The `slack_emulator` pytest fixture (registered with `pytest_plugins` in tests/conftest.py).

The emulator itself ships in the package, `aisher.testing.slack_emulator`, so that `aisher
bench` can drive the bot through it too; only this pytest glue lives with the tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aisher.testing.slack_emulator import SlackEmulator


@pytest.fixture
def slack_emulator() -> Iterator[SlackEmulator]:
    """A running Slack emulator for this test, in its own thread; stopped at the end.

    A plain (not async) fixture, so sync tests and async tests on any loop can use it. Stop
    the bot under test first (the fixture's teardown runs after the test's own).
    """
    with SlackEmulator() as emulator:
        yield emulator
