"""`aisher bench --only masking`: the masking figures through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisher.bench.masking_bench import ADVERSARIAL_UNITS, DIGIT_GROUPS, RATIO_TARGET
from aisher.cli import main


class TestMaskingBenchCommand:
    @pytest.mark.timeout(300)
    def test_quick_run_prints_throughputs_and_the_targeted_ratio(
        self, bench_environment: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The benchmark is one of `aisher bench`'s: both throughputs, their ratio against its
        target, every crafted text measured and the growth at 8x the size."""
        assert main(["bench", "--quick", "--only", "masking", "--json"]) == 0
        (bench,) = json.loads(capsys.readouterr().out)["benchmarks"]
        assert bench["name"] == "masking_throughput"
        ordinary, slowest, ratio = bench["figures"]
        assert ordinary["unit"] == slowest["unit"] == "MB/s"
        assert ordinary["value"] > 0
        assert slowest["value"] > 0
        assert (ratio["unit"], ratio["target"]) == ("ratio", RATIO_TARGET)
        details = bench["details"]
        assert details["slowest_unit"] in (*ADVERSARIAL_UNITS, DIGIT_GROUPS)
        assert set(details["adversarial_mb_per_s"]) == {*ADVERSARIAL_UNITS, DIGIT_GROUPS}
        # The ratio is the worst of the per-text ratios, each against ordinary text of its size.
        worst = max(details["ratio_per_unit"].values())  # rounded to two places there
        assert ratio["value"] == pytest.approx(worst, abs=0.01)
        assert details["ratio_per_unit"][details["slowest_unit"]] == worst
        assert 1 < details["growth_8x"] < 64
