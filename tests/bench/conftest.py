"""What every `aisher bench` test needs: a clean environment and a private data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def bench_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No inherited Aisher or Slack settings, a private data directory, no `.env` to read."""
    for name in list(os.environ):
        if name.startswith(("AISHER_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AISHER_DATA_DIR", str(tmp_path / "data"))
    # What `main` would set for the process, set here so that the test leaves no trace.
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("DISABLE_AIOHTTP_TRANSPORT", "True")
    monkeypatch.chdir(tmp_path)
    return tmp_path
