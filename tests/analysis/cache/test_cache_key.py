"""The answer-cache key: repeats of one incident share it, anything that changes the answer not."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from aisher.analysis.cache.key import KEY_PREFIX, answer_cache_key
from aisher.analysis.evidence.model import BlameKind, Evidence
from aisher.window import TimeWindow
from tests.support.incidents import (
    checkout_incident,
    make_group,
    make_suspect,
    with_groups,
)


def key_of(
    evidence: Evidence,
    *,
    model: str = "openai/gpt-4o-mini",
    prompt_version: str = "rca-1a2b3c",
    masking_version: str = "1",
) -> str:
    return answer_cache_key(
        evidence, model=model, prompt_version=prompt_version, masking_version=masking_version
    )


class TestAnswerCacheKey:
    def test_key_is_a_prefixed_sha256(self) -> None:
        """The key is the versioned prefix followed by 64 hex digits."""
        key = key_of(checkout_incident())
        assert key.startswith(KEY_PREFIX)
        digest = key.removeprefix(KEY_PREFIX)
        assert len(digest) == 64
        int(digest, 16)

    def test_equal_evidence_gives_equal_keys(self) -> None:
        """Building the same evidence twice yields the same key."""
        assert key_of(checkout_incident()) == key_of(checkout_incident())

    def test_group_order_does_not_matter(self) -> None:
        """Reversing the error groups leaves the key unchanged."""
        evidence = checkout_incident()
        reordered = with_groups(evidence, *reversed(evidence.groups))
        assert key_of(reordered) == key_of(evidence)

    def test_repeat_of_the_alert_shares_the_key(self) -> None:
        """Counts, first/last-seen times, sample trace ids and the window do not enter the key."""
        later = TimeWindow.ending_at(datetime(2026, 11, 26, 10, 25, tzinfo=UTC), timedelta(hours=1))
        repeat = checkout_incident(later, scale=7)
        assert repeat.groups[0].count != checkout_incident().groups[0].count
        assert key_of(repeat) == key_of(checkout_incident())

    def test_requested_service_does_not_matter(self) -> None:
        """The caller's alert and the culprit's alert of one incident share an answer."""
        evidence = checkout_incident()
        assert key_of(dataclasses.replace(evidence, service="frontend")) == key_of(evidence)

    def test_new_error_group_changes_the_key(self) -> None:
        """A failure mode that was not there before asks for a fresh analysis."""
        evidence = checkout_incident()
        grown = with_groups(
            evidence,
            *evidence.groups,
            make_group("payment", "POST /charge", "TimeoutError", "db pool exhausted"),
        )
        assert key_of(grown) != key_of(evidence)

    def test_other_message_template_changes_the_key(self) -> None:
        """Groups that differ only in their message template are different failures."""
        evidence = checkout_incident()
        first, *rest = evidence.groups
        changed = dataclasses.replace(first, message_template="'amount'")
        assert key_of(with_groups(evidence, changed, *rest)) != key_of(evidence)

    def test_volatile_parts_of_a_message_are_normalised(self) -> None:
        """A raw number in a template keys like its normalised placeholder."""
        evidence = checkout_incident()
        raw = make_group("payment", "POST /charge", "TimeoutError", "timed out after 30000ms")
        normalised = dataclasses.replace(raw, message_template="timed out after <n>ms")
        assert key_of(with_groups(evidence, raw)) == key_of(with_groups(evidence, normalised))

    def test_model_prompt_and_masking_versions_change_the_key(self) -> None:
        """Each of model, prompt version and masking version yields its own key."""
        evidence = checkout_incident()
        keys = {
            key_of(evidence),
            key_of(evidence, model="ollama/llama3.1"),
            key_of(evidence, prompt_version="rca-ffffff"),
            key_of(evidence, masking_version="2"),
        }
        assert len(keys) == 4

    def test_other_culprit_changes_the_key(self) -> None:
        """The same failures blamed on a dependency instead of the service get a new answer."""
        evidence = checkout_incident()
        blamed_elsewhere = dataclasses.replace(
            evidence,
            suspects=(make_suspect("postgres", BlameKind.DEPENDENCY), *evidence.suspects[1:]),
        )
        assert key_of(blamed_elsewhere) != key_of(evidence)

    def test_scores_symptoms_and_tail_suspects_do_not_matter(self) -> None:
        """Scores, suspect order, symptom suspects and suspects past the top three are left out."""
        causes = [make_suspect(name, score=score) for name, score in (("a", 0.9), ("b", 0.5))]
        causes.append(make_suspect("c", BlameKind.SLOW_CALLEE, score=0.3))
        evidence = dataclasses.replace(checkout_incident(), suspects=tuple(causes))
        varied = dataclasses.replace(
            evidence,
            suspects=(
                dataclasses.replace(causes[1], score=0.95),
                make_suspect("gateway", symptom=True),
                causes[0],
                causes[2],
                make_suspect("d", score=0.1),
            ),
        )
        assert key_of(varied) == key_of(evidence)
