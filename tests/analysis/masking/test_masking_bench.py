"""The masking benchmark's texts (its figures: tests/bench/test_masking_bench_command.py)."""

from __future__ import annotations

from aisher.analysis.masking.masker import MAX_TEXT_CHARS
from aisher.bench.masking_bench import (
    ADVERSARIAL_UNITS,
    DIGIT_GROUPS,
    adversarial_text,
    ordinary_texts,
)


class TestMaskingBench:
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
