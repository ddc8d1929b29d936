"""The masker of one analysis, which masks each distinct text once."""

from __future__ import annotations

from aisher.analysis.masking.masker import Masker


class DistinctMasker(Masker):
    """A `Masker` that masks each distinct text once and returns that result every time after.

    An analysis masks the same operations, services and messages on thousands of spans and
    origins. The masker itself remembers only short texts, and even a remembered one costs a
    replay of its findings; stack traces and long messages it masks again each time. Masking
    is deterministic for one instance (a value keeps its placeholder), so the first result is
    what every later call would give. `findings` count each distinct text once.

    Like any masker, create one per analysis and let it go with it: it holds the raw texts.
    """

    def __init__(self) -> None:
        super().__init__()
        self._masked: dict[str, str] = {}

    def mask(self, text: str) -> str:
        masked = self._masked.get(text)
        if masked is None:
            masked = self._masked[text] = super().mask(text)
        return masked
