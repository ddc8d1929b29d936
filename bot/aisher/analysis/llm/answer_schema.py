"""The answer the LLM must give: its pydantic model, its strict JSON schema, and its validation.

The schema goes to the provider as an OpenAI-style `response_format` (litellm translates it for
providers that support structured output); `parse_answer` checks the reply either way, since a
provider may ignore the schema and a model may cite ids it made up.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aisher.analysis.report import Answer, RootCause, TokenUsage
from aisher.errors import AnswerRejected

SCHEMA_NAME = "aisher_root_cause"
MAX_ALTERNATIVES = 3
MAX_REPORTED_ERRORS = 5
MAX_REPORTED_IDS = 10
ID_PREFIXES = ("trace:", "span:")

# Many models wrap JSON in a ```json fence even when asked not to; take what is inside.
_FENCED = re.compile(r"```(?:json)?[ \t]*\r?\n(.*?)```", re.DOTALL | re.IGNORECASE)
# Keywords dropped from the schema sent: annotations strict mode has no use for, and string
# lengths, which OpenAI's strict mode rejects (pydantic still checks them in `parse_answer`).
_DROPPED = frozenset({"title", "default", "minLength", "maxLength"})
_SCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "$defs")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RootCauseClaim(_Strict):
    """The model's root cause, with the ids that support it."""

    service: str | None = Field(
        description="Service where the failure starts; null when the evidence names none."
    )
    operation: str = Field(description="Failing operation (span name), or an empty string.")
    exception_type: str = Field(description="Exception type, or an empty string.")
    summary: str = Field(min_length=1, description="Two or three sentences for on-call.")
    evidence: tuple[str, ...] = Field(
        description="Trace and span ids supporting this, copied exactly from the data."
    )

    @model_validator(mode="after")
    def _cite_named_cause(self) -> RootCauseClaim:
        if self.service and not self.evidence:
            raise ValueError("a named root cause must cite at least one trace or span id")
        return self


class Hypothesis(_Strict):
    """Another cause the evidence leaves open."""

    service: str
    reasoning: str = Field(min_length=1)
    evidence: tuple[str, ...] = Field(min_length=1)


class LlmAnswer(_Strict):
    """The JSON object the LLM answers with."""

    root_cause: RootCauseClaim
    alternatives: tuple[Hypothesis, ...] = Field(max_length=MAX_ALTERNATIVES)
    remediation: tuple[str, ...]

    def cited_ids(self) -> tuple[str, ...]:
        """Every id the answer cites, root cause first, each once, as the model wrote it."""
        cited = [*self.root_cause.evidence]
        for hypothesis in self.alternatives:
            cited.extend(hypothesis.evidence)
        return tuple(dict.fromkeys(item.strip() for item in cited))

    def to_answer(self, *, model: str, tokens: TokenUsage, cost_usd: float) -> Answer:
        """The project's `Answer`; alternatives become notes, since the ranking lists candidates."""
        cause = self.root_cause
        return Answer(
            root_cause=RootCause(
                service=cause.service or None,
                operation=cause.operation,
                exception_type=cause.exception_type,
                summary=cause.summary,
            ),
            remediation=tuple(step for step in self.remediation if step.strip()),
            analyzer=f"llm:{model}",
            citations=self.cited_ids(),
            tokens=tokens,
            cost_usd=cost_usd,
            notes=tuple(
                f"Alternative cause {item.service}: {item.reasoning}" for item in self.alternatives
            ),
        )


@cache
def _strict_schema() -> dict[str, Any]:
    return strict_json_schema(LlmAnswer.model_json_schema())


def answer_response_format() -> dict[str, Any]:
    """The OpenAI-style `response_format` asking for an `LlmAnswer` (a fresh copy each call)."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": SCHEMA_NAME,
            "schema": copy.deepcopy(_strict_schema()),
            "strict": True,
        },
    }


def strict_json_schema(node: dict[str, Any]) -> dict[str, Any]:
    """A copy of a JSON schema made strict-mode compatible.

    Strict structured output requires every object to list all its properties as required and
    to forbid additional ones; optional values are expressed as nullable types instead.
    """
    tightened: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key in _SCHEMA_MAPS:
            tightened[key] = {name: strict_json_schema(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS:
            tightened[key] = [strict_json_schema(sub) for sub in value]
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            tightened[key] = strict_json_schema(value)
        else:
            tightened[key] = value
    if tightened.get("type") == "object" and "properties" in tightened:
        tightened["additionalProperties"] = False
        tightened["required"] = list(tightened["properties"])
    return tightened


def parse_answer(text: str, known_ids: frozenset[str]) -> LlmAnswer:
    """Validate the model's reply; `AnswerRejected` says precisely what is wrong with it."""
    body = text.strip()
    fenced = _FENCED.search(body)
    if fenced and not body.startswith("{"):
        body = fenced.group(1).strip()
    if not body:
        raise AnswerRejected("the answer is empty; expected one JSON object")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise AnswerRejected(
            f"the answer is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    try:
        answer = LlmAnswer.model_validate(data)
    except ValidationError as exc:
        raise AnswerRejected(
            "the answer does not match the schema: " + describe_errors(exc)
        ) from exc
    unknown = [item for item in answer.cited_ids() if bare_id(item) not in known_ids]
    if unknown:
        shown = ", ".join(unknown[:MAX_REPORTED_IDS])
        more = len(unknown) - MAX_REPORTED_IDS
        raise AnswerRejected(
            f"the answer cites {len(unknown)} id(s) that are not in the evidence: {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    return answer


def describe_errors(exc: ValidationError) -> str:
    """Pydantic's errors as `path: message` pairs, the first few only."""
    errors = exc.errors()
    items = [
        f"{'.'.join(str(part) for part in error['loc']) or 'the answer'}: {error['msg']}"
        for error in errors[:MAX_REPORTED_ERRORS]
    ]
    more = len(errors) - MAX_REPORTED_ERRORS
    return "; ".join(items) + (f"; and {more} more error(s)" if more > 0 else "")


def bare_id(reference: str) -> str:
    """`trace:<id>` and `span:<id>` references as the bare id; bare ids unchanged."""
    for prefix in ID_PREFIXES:
        if reference.startswith(prefix):
            return reference[len(prefix) :]
    return reference
