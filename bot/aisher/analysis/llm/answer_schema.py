"""The answer the LLM must give: its pydantic model, its strict JSON schema, and its validation.

The schema goes to the provider as an OpenAI-style `response_format` (litellm translates it for
providers that support structured output); `parse_answer` checks the reply either way, since a
provider may ignore the schema and a model may cite ids it made up, or name a service or an
operation the evidence does not contain (`KnownNames`).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from aisher.analysis.evidence.model import Evidence
from aisher.analysis.masking import strip_control
from aisher.analysis.report import Answer, RootCause, TokenUsage
from aisher.errors import AnswerRejected

SCHEMA_NAME = "aisher_root_cause"
MAX_ALTERNATIVES = 3
MAX_REPORTED_ERRORS = 5
MAX_REPORTED_IDS = 10
MAX_REPORTED_NAMES = 10
MAX_ECHOED_NAME = 80  # characters of a model-written name repeated in a rejection reason
CUT_MARK = "…"
MIN_CUT_STEM = 40  # a cut name must keep this much to stand for the name it was cut from
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


def _normal(name: str) -> str:
    """A name as compared: case, runs of whitespace and control characters do not matter, and
    backticks equal quotes, since the prompt shows names without controls or fences."""
    return " ".join(strip_control(name).replace("`", "'").split()).casefold()


@dataclass(frozen=True, slots=True)
class KnownNames:
    """The service and operation names an answer may use: those the evidence contains.

    The model sees names only through the evidence, so a name it gives that is not there was
    made up or copied from instructions hidden in telemetry; either way it is no root cause.
    """

    services: frozenset[str]  # as written in the evidence
    operations: frozenset[str]

    @classmethod
    def of(cls, evidence: Evidence) -> KnownNames:
        services = {evidence.service, *(item.service for item in evidence.stats)}
        operations: set[str] = set()
        for suspect in evidence.suspects:
            services.update((suspect.service, suspect.via))
            operations.add(suspect.operation)
        for group in evidence.groups:
            services.add(group.service)
            operations.add(group.operation)
        for origin in evidence.origins:
            services.update((origin.blamed, origin.span.service, *origin.path))
            operations.add(origin.span.operation)
        for span in evidence.chain:
            services.add(span.service)
            operations.add(span.operation)
        for edge in evidence.edges:
            services.update((edge.caller, edge.callee))
        services.update(change.service for change in evidence.deploys)
        return cls(frozenset(filter(None, services)), frozenset(filter(None, operations)))

    def problems(self, answer: LlmAnswer) -> list[str]:
        """What the answer names that the evidence does not contain, worded for the model."""
        cause = answer.root_cause
        named = [cause.service or "", *(item.service for item in answer.alternatives)]
        unknown_services = _unknown(named, self.services)
        unknown_operations = _unknown([cause.operation], self.operations)
        problems = []
        if unknown_services:
            problems.append(
                f"the answer names service(s) that are not in the evidence: "
                f"{_shown(unknown_services)}; known services: {_shown(sorted(self.services))}"
            )
        if unknown_operations:
            problems.append(
                f"the root cause names operation {_shown(unknown_operations)}, which is not an "
                "operation in the evidence; copy the span name exactly, or leave it empty"
            )
        return problems


def _unknown(names: Iterable[str], known: frozenset[str]) -> list[str]:
    normal = {_normal(name) for name in known}
    return list(
        dict.fromkeys(name for name in names if name.strip() and not _is_known(name, normal))
    )


def _is_known(name: str, normal: set[str]) -> bool:
    wanted = _normal(name)
    if wanted in normal:
        return True
    # The prompt shows long names cut with "…"; a model copying one names the same thing.
    stem = wanted.removesuffix(CUT_MARK).rstrip()
    return (
        stem != wanted
        and len(stem) >= MIN_CUT_STEM
        and any(item.startswith(stem) for item in normal)
    )


def _shown(names: list[str]) -> str:
    """Names quoted and cut, the first few only."""
    quoted = [repr(_cut(name)) for name in names[:MAX_REPORTED_NAMES]]
    more = len(names) - MAX_REPORTED_NAMES
    return ", ".join(quoted) + (f" and {more} more" if more > 0 else "")


def _cut(text: str) -> str:
    """Model-written text as a rejection reason repeats it: the reason goes back to the model
    and into the report's notes, and the text may be anything, of any length."""
    return text if len(text) <= MAX_ECHOED_NAME else text[: MAX_ECHOED_NAME - 1] + "…"


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


def parse_answer(
    text: str, known_ids: frozenset[str], names: KnownNames | None = None
) -> LlmAnswer:
    """Validate the model's reply; `AnswerRejected` says precisely what is wrong with it.

    Cited ids must be in `known_ids`; with `names`, named services and the root cause's
    operation must be in the evidence too.
    """
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
    problems = []
    unknown = [item for item in answer.cited_ids() if bare_id(item) not in known_ids]
    if unknown:
        shown = ", ".join(_cut(item) for item in unknown[:MAX_REPORTED_IDS])
        more = len(unknown) - MAX_REPORTED_IDS
        problems.append(
            f"the answer cites {len(unknown)} id(s) that are not in the evidence: {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    if names is not None:
        problems += names.problems(answer)
    if problems:
        raise AnswerRejected("; ".join(problems))
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
