"""`aisher capture` as a user runs it: a real process over the embedded store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.support.incident import build_incident

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def aisher(tmp_path: Path) -> Run:
    """Run `python -m aisher` with a private data directory and no inherited Aisher settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AISHER_")}
    env["AISHER_DATA_DIR"] = str(tmp_path / "data")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aisher", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
            check=False,
        )

    return run


@pytest.fixture
def loaded(aisher: Run, tmp_path: Path) -> None:
    """The hand-made incident loaded into the process's embedded store."""
    path = tmp_path / "incident.jsonl"
    path.write_text("\n".join(build_incident(time.time_ns()).documents) + "\n")
    result = aisher("load", str(path))
    assert result.returncode == 0, result.stderr


def one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("aisher: ")
    return lines[0]


class TestCaptureCommand:
    def test_capture_writes_an_incident_folder(
        self, aisher: Run, loaded: None, tmp_path: Path
    ) -> None:
        """The folder gets telemetry.jsonl and a card; a second capture there is refused."""
        out = tmp_path / "suite" / "keyerror"
        result = aisher("capture", "frontend", "30m", "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert "8 traces of frontend" in result.stdout
        assert "fill in root_cause" in result.stdout
        card = yaml.safe_load((out / "incident.yaml").read_text(encoding="utf-8"))
        assert (card["service"], card["window"], card["root_cause"]) == ("frontend", "30m", [])
        assert (out / "telemetry.jsonl").stat().st_size > 0
        again = one_line_error(aisher("capture", "frontend", "30m", "--out", str(out)), 2)
        assert "already holds" in again

    def test_unknown_service_suggests(self, aisher: Run, loaded: None, tmp_path: Path) -> None:
        """A misspelt service fails in one line with a suggestion, and writes nothing."""
        out = tmp_path / "nothing"
        line = one_line_error(aisher("capture", "frontnd", "30m", "--out", str(out)), 2)
        assert "did you mean frontend" in line
        assert not out.exists()

    def test_out_is_required(self, aisher: Run) -> None:
        """Without --out the command stops with a usage error before touching the store."""
        line = one_line_error(aisher("capture", "frontend", "30m"), 2)
        assert "--out" in line
