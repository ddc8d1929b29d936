"""Ranks and the accuracy figures computed from them."""

from __future__ import annotations

import pytest

from aisher.evaluation.scoring import named_services, rank_of, score, score_by_kind


class TestNamedServices:
    def test_root_cause_first_then_candidates_without_symptoms(self) -> None:
        """The named root cause leads; candidates follow once each, symptoms left out."""
        candidates = [("orders-db", False), ("dispatch-api", True), ("geo-cache", False)]
        assert named_services("orders-db", candidates) == ["orders-db", "geo-cache"]

    def test_no_root_cause(self) -> None:
        """Without a named root cause the candidates alone count."""
        assert named_services(None, [("a", False)]) == ["a"]


class TestRankOf:
    def test_first_labelled_cause_counts(self) -> None:
        """The rank is the position of the first service that is any labelled root cause."""
        assert rank_of(["a", "b", "c"], {"c", "b"}) == 2

    def test_case_insensitive_and_missing(self) -> None:
        """Names match regardless of case; a cause not named is no rank."""
        assert rank_of(["Orders-DB"], ["orders-db"]) == 1
        assert rank_of(["a"], ["b"]) is None


class TestScore:
    def test_figures(self) -> None:
        """AC@1, AC@3 and MRR over ranks 1, 2, a miss and 3."""
        scores = score([1, 2, None, 3])
        assert scores.incidents == 4
        assert scores.ac1 == pytest.approx(0.25)
        assert scores.ac3 == pytest.approx(0.75)
        assert scores.mrr == pytest.approx((1 + 1 / 2 + 1 / 3) / 4)

    def test_empty(self) -> None:
        """No incidents score zero rather than dividing by zero."""
        assert score([]).to_json() == {"incidents": 0, "ac1": 0.0, "ac3": 0.0, "mrr": 0.0}

    def test_by_kind(self) -> None:
        """Scores group by kind, kinds sorted."""
        by_kind = score_by_kind([("b", 1), ("a", None), ("b", 4)])
        assert list(by_kind) == ["a", "b"]
        assert by_kind["b"].ac1 == 0.5
        assert by_kind["b"].ac3 == 0.5
        assert by_kind["a"].mrr == 0.0
