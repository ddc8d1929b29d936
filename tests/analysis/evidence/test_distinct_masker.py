"""The analysis's masker masks each distinct text once and reads exactly like a plain masker."""

from __future__ import annotations

import pytest

from aisher.analysis.evidence.distinct_masker import DistinctMasker
from aisher.analysis.masking.masker import Masker

TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
TRACE = "\n".join(
    f"  at com.acme.Client.call(Client.java:{line}) password=s3cr3t-{line % 3} from 10.0.0.{line}"
    for line in range(40)
)  # longer than the masker's own memo keeps
TEXTS = [
    f"auth failed with {TOKEN}",
    "connect to 10.1.2.3:5432 refused",
    TRACE,
    f"auth failed with {TOKEN}",
    "mail to bob@example.com bounced",
    TRACE,
    "connect to 10.1.2.3:5432 refused",
    f"retry with {TOKEN} from 10.9.9.9",
]


class TestDistinctMasker:
    def test_reads_like_a_plain_masker(self) -> None:
        """The same texts in the same order get the same placeholders, repeats included."""
        plain, distinct = Masker(), DistinctMasker()
        assert [distinct.mask(text) for text in TEXTS] == [plain.mask(text) for text in TEXTS]
        assert distinct.mask_attributes({"db.password": "hunter2", "peer": "10.1.2.3"}) == (
            plain.mask_attributes({"db.password": "hunter2", "peer": "10.1.2.3"})
        )

    def test_each_distinct_text_is_masked_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A repeated stack trace, too long for the masker's own memo, is masked once."""
        asked: list[str] = []
        plain_mask = Masker.mask

        def counting_mask(masker: Masker, text: str) -> str:
            asked.append(text)
            return plain_mask(masker, text)

        monkeypatch.setattr(Masker, "mask", counting_mask)
        masker = DistinctMasker()
        for text in TEXTS:
            masker.mask(text)
        assert sorted(asked) == sorted(set(TEXTS))
