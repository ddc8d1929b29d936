"""`aisher bench --only slack`: the real bot against the Slack emulator, figures only."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from aisher.cli import main

TARGETED = {
    "analyses run, p99": 100.0,  # the slash-command ack
    "cached answer posted": 1000.0,
    "fresh heuristic answer posted": 3000.0,
}


class TestSlackBench:
    # A whole quick run: the bot, three phases and the first (slow) import of the LLM stack.
    @pytest.mark.timeout(300)
    def test_quick_run_reports_every_figure(
        self, bench_environment: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A quick run prints ack and answer times and ratios as JSON, each targeted figure with
        its target, and every timed cached answer came from the cache."""
        assert main(["bench", "--quick", "--only", "slack", "--json"]) == 0
        document = json.loads(capsys.readouterr().out)
        (bench,) = document["benchmarks"]
        assert bench["name"] == "slack_bot"
        figures = {figure["name"]: figure for figure in bench["figures"]}
        for figure in figures.values():
            assert math.isfinite(figure["value"]), figure
            assert figure["value"] >= 0, figure
            assert figure["unit"] in ("ms", "ratio"), figure
        for words, target in TARGETED.items():
            (figure,) = [item for name, item in figures.items() if words in name]
            assert (figure["unit"], figure["target"]) == ("ms", target)
            assert isinstance(figure["meets_target"], bool)
        from_cache = figures["timed answers that came from the cache"]
        assert (from_cache["value"], from_cache["meets_target"]) == (1.0, True)
        ratios = [name for name, figure in figures.items() if figure["unit"] == "ratio"]
        assert any("÷ Slack's 3 s ack deadline" in name for name in ratios)
        assert any("with analyses running ÷ idle" in name for name in ratios)
        details = bench["details"]
        assert details["ack_samples"] == 30
        assert details["load_analyses"] >= 2  # the quick run keeps two analyses going
        assert details["llm_calls"] == 1
        assert "root cause" in details["fresh_answer"]
        assert "root cause" in details["cached_answer"]
