"""The masking benchmark: throughput on ordinary and crafted telemetry, and their ratio."""

from __future__ import annotations

from aisher.analysis.masking.masker import MAX_TEXT_CHARS
from aisher.bench.masking_bench import (
    ADVERSARIAL_UNITS,
    DIGIT_GROUPS,
    RATIO_TARGET,
    adversarial_text,
    ordinary_texts,
    run_masking_bench,
)


class TestMaskingBench:
    async def test_quick_run_reports_every_figure(self) -> None:
        """A quick run gives both throughputs, their ratio against its target, and growth."""
        result = await run_masking_bench(quick=True)
        figures = {figure.name: figure for figure in result.figures}
        ordinary, slowest, ratio = result.figures
        assert ordinary.unit == slowest.unit == "MB/s"
        assert ordinary.value > 0
        assert slowest.value > 0
        assert ratio.unit == "ratio"
        assert ratio.target == RATIO_TARGET
        assert len(figures) == 3
        assert result.details["slowest_unit"] in (*ADVERSARIAL_UNITS, DIGIT_GROUPS)
        assert set(result.details["adversarial_mb_per_s"]) == {*ADVERSARIAL_UNITS, DIGIT_GROUPS}
        assert 1 < result.details["growth_8x"] < 64

    def test_adversarial_texts_fill_one_value_under_the_cap(self) -> None:
        """Each crafted text is as long as one value may be, so none is cut before masking."""
        for unit in (*ADVERSARIAL_UNITS, DIGIT_GROUPS):
            text = adversarial_text(unit)
            assert MAX_TEXT_CHARS - 2048 < len(text) <= MAX_TEXT_CHARS

    def test_ordinary_texts_are_distinct(self) -> None:
        """The ordinary corpus holds each text once, so the masker's memo does not flatter it."""
        texts = ordinary_texts(50)
        assert texts
        assert len(texts) == len(set(texts))
