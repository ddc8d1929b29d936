"""The LLM's answer: its strict JSON schema, its validation against the evidence, its conversion."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from aisher.analysis.llm.answer_schema import (
    MAX_ALTERNATIVES,
    SCHEMA_NAME,
    LlmAnswer,
    answer_response_format,
    parse_answer,
    strict_json_schema,
)
from aisher.analysis.report import TokenUsage
from aisher.errors import AnswerRejected

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
OTHER_SPAN = "53995c3f42cd8ad8"
KNOWN = frozenset({TRACE, SPAN, OTHER_SPAN})


def answer(**changes: Any) -> dict[str, Any]:
    """A valid answer as a dict; `changes` replace top-level keys."""
    data: dict[str, Any] = {
        "root_cause": {
            "service": "payment-svc",
            "operation": "POST /charge",
            "exception_type": "KeyError",
            "summary": "payment-svc raises KeyError 'currency' on every charge.",
            "evidence": [f"trace:{TRACE}", f"span:{SPAN}"],
        },
        "alternatives": [
            {"service": "checkout-svc", "reasoning": "It sends the request.", "evidence": [SPAN]}
        ],
        "remediation": ["Roll back payment-svc.", "Default the currency."],
    }
    data.update(changes)
    return data


def cause(**changes: Any) -> dict[str, Any]:
    """The valid root cause with some fields replaced."""
    root: dict[str, Any] = answer()["root_cause"]
    return {**root, **changes}


def schema_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON schema document (schemas and the mappings around them)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from schema_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_nodes(value)


class TestResponseFormat:
    def test_is_an_openai_json_schema_format(self) -> None:
        """The format is `json_schema`, named, strict, with the model's schema."""
        response_format = answer_response_format()
        assert response_format["type"] == "json_schema"
        spec = response_format["json_schema"]
        assert spec["name"] == SCHEMA_NAME
        assert spec["strict"] is True
        assert set(spec["schema"]["properties"]) == {"root_cause", "alternatives", "remediation"}

    def test_every_object_is_closed_and_fully_required(self) -> None:
        """Strict mode: each object forbids extra properties and requires all of its properties."""
        schema = answer_response_format()["json_schema"]["schema"]
        objects = [node for node in schema_nodes(schema) if node.get("type") == "object"]
        assert len(objects) == 3  # the answer, the root cause, a hypothesis
        for node in objects:
            assert node["additionalProperties"] is False
            assert node["required"] == list(node["properties"])

    def test_leaves_out_what_strict_mode_rejects(self) -> None:
        """No titles, defaults or string lengths remain; array bounds and nullability do."""
        schema = answer_response_format()["json_schema"]["schema"]
        keys = {key for node in schema_nodes(schema) for key in node}
        assert not keys & {"title", "default", "minLength", "maxLength"}
        assert schema["properties"]["alternatives"]["maxItems"] == MAX_ALTERNATIVES
        service = schema["$defs"]["RootCauseClaim"]["properties"]["service"]
        assert {"type": "null"} in service["anyOf"]

    def test_each_call_returns_a_fresh_copy(self) -> None:
        """Changing one returned format does not change the next."""
        first = answer_response_format()
        first["json_schema"]["schema"]["properties"].clear()
        assert answer_response_format()["json_schema"]["schema"]["properties"]


class TestStrictJsonSchema:
    def test_keeps_properties_named_like_keywords(self) -> None:
        """Only schema keywords are dropped; a property called `title` stays."""
        schema = {
            "type": "object",
            "title": "Doc",
            "properties": {"title": {"type": "string", "title": "Title", "default": "x"}},
        }
        assert strict_json_schema(schema) == {
            "type": "object",
            "properties": {"title": {"type": "string"}},
            "additionalProperties": False,
            "required": ["title"],
        }


class TestParseAnswer:
    def test_valid_answer(self) -> None:
        """A valid answer parses, and its citations are listed root cause first, each once."""
        parsed = parse_answer(json.dumps(answer()), KNOWN)
        assert parsed.root_cause.service == "payment-svc"
        assert parsed.cited_ids() == (f"trace:{TRACE}", f"span:{SPAN}", SPAN)

    @pytest.mark.parametrize(
        "wrapped",
        [
            "```json\n{body}\n```",
            "```\n{body}\n```",
            "Here is the analysis:\n\n```JSON\n{body}\n```\nLet me know.",
        ],
    )
    def test_fenced_json_is_accepted(self, wrapped: str) -> None:
        """JSON inside a ``` or ```json fence, even with prose around it, is read."""
        text = wrapped.replace("{body}", json.dumps(answer(), indent=2))
        assert parse_answer(text, KNOWN).root_cause.exception_type == "KeyError"

    def test_prose_is_not_json(self) -> None:
        """A reply that is not JSON is rejected with the parser's position."""
        with pytest.raises(AnswerRejected, match=r"not JSON: Expecting value at line 1 column 1"):
            parse_answer("The root cause is payment-svc.", KNOWN)

    def test_empty_reply(self) -> None:
        """An empty reply is rejected as empty."""
        with pytest.raises(AnswerRejected, match="empty"):
            parse_answer("  \n", KNOWN)

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ([1, 2], r"the answer: Input should be a valid dictionary"),
            (answer(root_cause=cause(summary=None)), r"root_cause\.summary: Input should be"),
            ({"root_cause": cause(), "remediation": []}, r"alternatives: Field required"),
            (answer(confidence="high"), r"confidence: Extra inputs are not permitted"),
            (answer(root_cause=cause(evidence=[])), r"root_cause: Value error, a named root"),
            (
                answer(alternatives=[answer()["alternatives"][0]] * 4),
                r"alternatives: Tuple should have at most 3 items",
            ),
            (
                answer(alternatives=[{"service": "x", "reasoning": "y", "evidence": []}]),
                r"alternatives\.0\.evidence: Tuple should have at least 1 item",
            ),
            (answer(remediation="reboot"), r"remediation: Input should be a valid tuple"),
        ],
    )
    def test_schema_violations_name_the_field(self, data: Any, message: str) -> None:
        """Off-schema answers are rejected with the path of each offending field."""
        with pytest.raises(AnswerRejected, match=rf"does not match the schema: .*{message}"):
            parse_answer(json.dumps(data), KNOWN)

    def test_unknown_ids_are_listed(self) -> None:
        """Ids missing from the evidence are rejected, each named as the model wrote it."""
        data = answer(root_cause=cause(evidence=[f"trace:{TRACE}", "span:beef", "cafe"]))
        with pytest.raises(AnswerRejected, match=r"cites 2 id\(s\).*: span:beef, cafe$"):
            parse_answer(json.dumps(data), KNOWN)

    def test_long_lists_of_unknown_ids_are_shortened(self) -> None:
        """Only the first ten unknown ids are named; the rest are counted."""
        invented = [f"span:{index:016x}" for index in range(14)]
        with pytest.raises(AnswerRejected, match=r"cites 14 id\(s\).* and 4 more$"):
            parse_answer(json.dumps(answer(root_cause=cause(evidence=invented))), KNOWN)

    def test_bare_and_prefixed_ids_are_both_accepted(self) -> None:
        """An id may be cited bare or as `trace:<id>` / `span:<id>`."""
        data = answer(root_cause=cause(evidence=[TRACE, f"span:{OTHER_SPAN}"]))
        assert parse_answer(json.dumps(data), KNOWN).cited_ids()[:2] == (
            TRACE,
            f"span:{OTHER_SPAN}",
        )

    def test_no_named_cause_needs_no_evidence(self) -> None:
        """A null service (the evidence names no cause) is allowed without citations."""
        data = answer(root_cause=cause(service=None, evidence=[]), alternatives=[])
        assert parse_answer(json.dumps(data), KNOWN).root_cause.service is None


class TestToAnswer:
    def test_converts_to_the_project_answer(self) -> None:
        """The answer carries the model name, every citation, tokens, cost and alternatives."""
        parsed = LlmAnswer.model_validate(answer())
        result = parsed.to_answer(
            model="openai/gpt-4o-mini",
            tokens=TokenUsage(prompt=1500, completion=200),
            cost_usd=0.0012,
        )
        assert result.analyzer == "llm:openai/gpt-4o-mini"
        assert result.root_cause.service == "payment-svc"
        assert result.root_cause.operation == "POST /charge"
        assert result.citations == (f"trace:{TRACE}", f"span:{SPAN}", SPAN)
        assert result.tokens == TokenUsage(prompt=1500, completion=200)
        assert result.cost_usd == 0.0012
        assert result.remediation == ("Roll back payment-svc.", "Default the currency.")
        assert result.notes == ("Alternative cause checkout-svc: It sends the request.",)

    def test_no_named_cause_stays_unnamed(self) -> None:
        """A null or empty service becomes a root cause without a service."""
        for service in (None, ""):
            parsed = LlmAnswer.model_validate(answer(root_cause=cause(service=service)))
            result = parsed.to_answer(model="m", tokens=TokenUsage(), cost_usd=0.0)
            assert result.root_cause.service is None
