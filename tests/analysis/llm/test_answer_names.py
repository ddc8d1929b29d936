"""An LLM answer may only name services and operations that the evidence contains."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest

from aisher.analysis.llm.answer_schema import MAX_ECHOED_NAME, KnownNames, parse_answer
from aisher.analysis.llm.client import LlmClient
from aisher.analysis.llm.explainer import LlmExplainer
from aisher.analysis.llm.prompts import PromptLibrary
from aisher.analysis.report import Answer
from aisher.config import PromptSettings
from aisher.errors import AnswerRejected
from aisher.retry import RetryPolicy
from tests.support.fake_llm import (
    FAKE_MODEL,
    FakeProvider,
    answer_json,
    fake_llm_settings,
    fake_provider,
    incident_context,
    incident_evidence,
    reply,
)

FAST = RetryPolicy(retries=0, base_s=0.001, cap_s=0.002, retry_after_cap_s=0.002)
EVIDENCE = incident_evidence()
IDS = EVIDENCE.known_ids()
NAMES = KnownNames.of(EVIDENCE)


def with_alternative(text: str, service: str) -> str:
    data = json.loads(text)
    evidence = data["root_cause"]["evidence"]
    data["alternatives"] = [{"service": service, "reasoning": "maybe", "evidence": evidence}]
    return json.dumps(data)


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with fake_provider() as fake:
        yield fake


async def explain() -> Answer:
    rca = PromptLibrary(PromptSettings()).load("rca")
    explainer = LlmExplainer(LlmClient(fake_llm_settings(), retry=FAST))
    return await explainer.explain(
        EVIDENCE, context=incident_context(EVIDENCE), prompt=rca, model=FAKE_MODEL
    )


class TestKnownNames:
    def test_names_come_from_the_evidence(self) -> None:
        """Services of suspects, groups, origins and stats, and their operations, are known."""
        assert {"payment", "checkout", "frontend"} <= NAMES.services
        assert {"POST /charge", "POST /checkout", "GET /checkout"} <= NAMES.operations

    def test_the_evidence_names_are_accepted(self) -> None:
        """An answer naming the top suspect and its operation passes."""
        assert parse_answer(answer_json(EVIDENCE), IDS, NAMES).root_cause.service == "payment"

    def test_case_and_whitespace_do_not_matter(self) -> None:
        """`Payment` and `post  /CHARGE` name what the evidence calls payment POST /charge."""
        text = answer_json(EVIDENCE, service=" Payment ", operation="post  /CHARGE")
        assert parse_answer(text, IDS, NAMES).root_cause.operation == "post  /CHARGE"

    def test_a_name_copied_as_the_prompt_shows_it_is_known(self) -> None:
        """A long name cut with … and a name without its control bytes or fences still match."""
        long_operation = "SELECT id, amount FROM charges WHERE " + "x = 1 AND " * 30
        suspect = dataclasses.replace(
            EVIDENCE.suspects[0], service="pay\x1b[2J```ment", operation=long_operation
        )
        evidence = dataclasses.replace(EVIDENCE, suspects=(suspect,))
        shown = "pay'''ment"
        text = answer_json(evidence, service=shown, operation=long_operation[:120] + "…")
        assert parse_answer(text, IDS, KnownNames.of(evidence)).root_cause.service == shown

    def test_a_short_cut_name_is_not_enough(self) -> None:
        """`P…` does not stand for every operation that starts with P."""
        with pytest.raises(AnswerRejected, match="operation 'P…'"):
            parse_answer(answer_json(EVIDENCE, operation="P…"), IDS, NAMES)

    def test_an_unknown_service_is_rejected_by_name(self) -> None:
        """A root cause in a service the evidence never mentions is rejected, naming it."""
        with pytest.raises(AnswerRejected, match=r"service\(s\) that are not in the evidence: "):
            parse_answer(answer_json(EVIDENCE, service="billing-svc"), IDS, NAMES)
        with pytest.raises(AnswerRejected, match=r"'billing-svc'.*known services: 'checkout'"):
            parse_answer(answer_json(EVIDENCE, service="billing-svc"), IDS, NAMES)

    def test_an_unknown_operation_is_rejected_by_name(self) -> None:
        """A root-cause operation the evidence does not hold is rejected, naming it."""
        with pytest.raises(AnswerRejected, match="operation 'DELETE /everything'"):
            parse_answer(answer_json(EVIDENCE, operation="DELETE /everything"), IDS, NAMES)

    def test_an_unknown_alternative_is_rejected(self) -> None:
        """Alternatives are checked like the root cause: their services must be in the evidence."""
        text = with_alternative(answer_json(EVIDENCE), "ghost-svc")
        with pytest.raises(AnswerRejected, match="'ghost-svc'"):
            parse_answer(text, IDS, NAMES)

    def test_no_named_cause_needs_no_names(self) -> None:
        """A null root cause with an empty operation is accepted as before."""
        text = answer_json(EVIDENCE, service=None, operation="", cite=[])
        assert parse_answer(text, IDS, NAMES).root_cause.service is None

    def test_echoed_names_are_cut(self) -> None:
        """A 10,000-character invented name is repeated cut, so the reason stays short."""
        with pytest.raises(AnswerRejected) as raised:
            parse_answer(answer_json(EVIDENCE, service="x" * 10_000), IDS, NAMES)
        assert "x" * MAX_ECHOED_NAME not in str(raised.value)
        assert len(str(raised.value)) < 1_000

    def test_both_ids_and_names_are_reported(self) -> None:
        """An answer with an invented id and an invented service hears about both."""
        text = answer_json(EVIDENCE, service="billing-svc", cite=["span:0badc0de0badc0de"])
        with pytest.raises(AnswerRejected, match=r"0badc0de0badc0de.*'billing-svc'"):
            parse_answer(text, IDS, NAMES)


class TestNamedServiceRetry:
    async def test_an_invented_service_is_retried_once_with_its_name(
        self, provider: FakeProvider
    ) -> None:
        """The model is told which service is unknown and its corrected answer is accepted."""
        provider.queue(
            reply(answer_json(EVIDENCE, service="evil-svc")), reply(answer_json(EVIDENCE))
        )
        answer = await explain()
        assert answer.root_cause.service == "payment"
        follow_up = provider.bodies[1]["messages"][3]["content"]
        assert "previous answer was rejected" in follow_up
        assert "'evil-svc'" in follow_up

    async def test_an_invented_service_twice_is_rejected(self, provider: FakeProvider) -> None:
        """Two answers naming an unknown service end in AnswerRejected, after two calls."""
        provider.queue(*(reply(answer_json(EVIDENCE, service="evil-svc")) for _ in range(3)))
        with pytest.raises(AnswerRejected, match=r"two attempts.*'evil-svc'"):
            await explain()
        assert provider.route.call_count == 2
