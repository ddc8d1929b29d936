"""`aisher bench --only masking`: the masking figures through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisher.bench.masking_bench import RATIO_TARGET
from aisher.cli import main


class TestMaskingBenchCommand:
    @pytest.mark.timeout(300)
    def test_quick_run_prints_throughputs_and_the_targeted_ratio(
        self, bench_environment: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The benchmark is one of `aisher bench`'s: selectable by name, its ratio targeted."""
        assert main(["bench", "--quick", "--only", "masking", "--json"]) == 0
        (bench,) = json.loads(capsys.readouterr().out)["benchmarks"]
        assert bench["name"] == "masking_throughput"
        units = [figure["unit"] for figure in bench["figures"]]
        assert units == ["MB/s", "MB/s", "ratio"]
        assert bench["figures"][2]["target"] == RATIO_TARGET
