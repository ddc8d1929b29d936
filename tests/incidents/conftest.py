"""The default unseen suite, written once per session for the incident tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.incidents.generator import write_suite


@pytest.fixture(scope="session")
def default_suite(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The folders of the default suite (default seed and count per kind)."""
    return write_suite(tmp_path_factory.mktemp("unseen-suite"))
