"""The incident generator: deterministic, and a default suite of the promised breadth."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import yaml

from tests.incidents.generator import DEFAULT_SEED, KINDS
from tests.incidents.generator.otlp import telemetry_lines
from tests.incidents.generator.suite import FAULT_CLASSES, generate_incident

# Three classes that exercise different parts of the simulator: latency, errors, logs.
_SAMPLED = [c for c in FAULT_CLASSES if c.kind in ("latency-timeout", "two-failures", "logs-only")]


def _digest(seed: int) -> str:
    digest = hashlib.sha256()
    for number, fault_class in enumerate(_SAMPLED):
        incident = generate_incident(fault_class, 0, seed=seed, number=number)
        digest.update(repr(incident.card).encode())
        for line in telemetry_lines(incident.telemetry):
            digest.update(line.encode())
    return digest.hexdigest()


class TestDeterminism:
    def test_same_seed_same_bytes(self) -> None:
        """Two runs with one seed produce byte-identical telemetry and labels (a sample of
        classes; the default suite, shared by the workers, is itself written once)."""
        assert _digest(DEFAULT_SEED) == _digest(DEFAULT_SEED)

    def test_other_seed_other_incidents(self) -> None:
        """Another seed produces other telemetry."""
        assert _digest(7) != _digest(8)


class TestDefaultSuite:
    def test_breadth(self, default_suite: list[Path]) -> None:
        """The default suite holds at least 40 incidents over at least 10 kinds, each kind
        with several variations."""
        kinds = Counter(
            yaml.safe_load((folder / "incident.yaml").read_text())["kind"]
            for folder in default_suite
        )
        assert len(default_suite) >= 40
        assert set(kinds) == set(KINDS)
        assert len(kinds) >= 10
        assert min(kinds.values()) >= 3

    def test_size(self, default_suite: list[Path]) -> None:
        """Each incident stays small: a few hundred to a few thousand spans, under 4 MB."""
        for folder in default_suite:
            size = (folder / "telemetry.jsonl").stat().st_size
            assert 100_000 < size < 4_000_000, folder.name

    def test_variations_differ(self, default_suite: list[Path]) -> None:
        """Within a kind, incidents differ in the service asked or the root cause."""
        seen: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
        for folder in default_suite:
            card = yaml.safe_load((folder / "incident.yaml").read_text())
            question = (card["service"], tuple(card["root_cause"]))
            seen.setdefault(card["kind"], set()).add(question)
        assert all(len(questions) >= 3 for questions in seen.values()), seen
