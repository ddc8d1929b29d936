"""Scoring answers against labels: ranks, AC@1, AC@3 and mean reciprocal rank.

An answer is the ordered list of services it names: the report's root cause first, then its
candidates, less those the analysis itself marked as mere symptoms. The rank of an answer is the
1-based position of the first service that is one of the incident's labelled root causes; None
when none is named. Names compare without regard to case.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass


def named_services(root_cause: str | None, candidates: Iterable[tuple[str, bool]]) -> list[str]:
    """The services an answer names, in order, each once; `candidates` as (service, symptom)."""
    named: list[str] = []
    if root_cause:
        named.append(root_cause)
    for service, symptom in candidates:
        if not symptom and service not in named:
            named.append(service)
    return named


def rank_of(named: Sequence[str], root_cause: Collection[str]) -> int | None:
    """1-based position of the first labelled root cause among `named`; None if absent."""
    wanted = {name.casefold() for name in root_cause}
    for position, service in enumerate(named, start=1):
        if service.casefold() in wanted:
            return position
    return None


@dataclass(frozen=True, slots=True)
class Scores:
    """Accuracy over a set of incidents."""

    incidents: int
    ac1: float  # share named first
    ac3: float  # share named in the top three
    mrr: float  # mean of 1/rank, 0 for a miss

    def to_json(self) -> dict[str, float | int]:
        return {
            "incidents": self.incidents,
            "ac1": round(self.ac1, 4),
            "ac3": round(self.ac3, 4),
            "mrr": round(self.mrr, 4),
        }


def score(ranks: Sequence[int | None]) -> Scores:
    """AC@1, AC@3 and MRR of some ranks (all zero for no incidents)."""
    total = len(ranks)
    if total == 0:
        return Scores(0, 0.0, 0.0, 0.0)
    return Scores(
        incidents=total,
        ac1=sum(rank == 1 for rank in ranks) / total,
        ac3=sum(rank is not None and rank <= 3 for rank in ranks) / total,
        mrr=sum(1.0 / rank for rank in ranks if rank is not None) / total,
    )


def score_by_kind(ranks: Iterable[tuple[str, int | None]]) -> Mapping[str, Scores]:
    """Scores per incident kind, kinds in alphabetical order."""
    grouped: dict[str, list[int | None]] = {}
    for kind, rank in ranks:
        grouped.setdefault(kind, []).append(rank)
    return {kind: score(grouped[kind]) for kind in sorted(grouped)}
