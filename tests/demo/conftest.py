"""Scenarios shared by the demo tests: one per fault kind, generated once per session."""

from __future__ import annotations

import pytest

from aisher.demo import FaultKind, Scenario, demo_spec, generate_scenario

# A fixed "now" (2026-09-21T...Z): tests must not depend on the clock.
NOW_NS = 1_790_000_000 * 1_000_000_000 + 123_456_789


@pytest.fixture(scope="session")
def scenarios() -> dict[FaultKind, Scenario]:
    """The demo incident of every fault kind, ending at NOW_NS."""
    return {kind: generate_scenario(demo_spec(kind), now_ns=NOW_NS) for kind in FaultKind}
