"""A cached answer and its JSON form: written by one replica, read by any other.

The round trip is spelled out field by field rather than pickled: an entry is readable by any
version of the code that knows its format, a corrupt or foreign entry fails loudly here instead
of deep inside the renderer, and no replica ever unpickles bytes that someone put into Redis.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aisher.analysis.cache.key import CACHE_FORMAT_VERSION
from aisher.analysis.report import Answer, RootCause, TokenUsage


class CacheEntryError(ValueError):
    """A stored entry is not valid JSON of the expected shape; the cache treats it as a miss."""


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """An answer as the cache keeps it: when it was made, and by which model and prompt."""

    answer: Answer
    created_at: str  # ISO 8601 UTC, like 2026-11-26T10:00:00.000Z
    model: str
    prompt_version: str

    def made_by(self, *, model: str, prompt_version: str) -> bool:
        """Whether the answer came from this model with this prompt version."""
        return self.model == model and self.prompt_version == prompt_version


def encode_entry(entry: CachedAnswer) -> str:
    """The entry as compact JSON."""
    answer = entry.answer
    document = {
        "format": CACHE_FORMAT_VERSION,
        "model": entry.model,
        "prompt_version": entry.prompt_version,
        "created_at": entry.created_at,
        "answer": {
            "root_cause": {
                "service": answer.root_cause.service,
                "operation": answer.root_cause.operation,
                "exception_type": answer.root_cause.exception_type,
                "summary": answer.root_cause.summary,
            },
            "remediation": list(answer.remediation),
            "analyzer": answer.analyzer,
            "citations": list(answer.citations),
            "tokens": {"prompt": answer.tokens.prompt, "completion": answer.tokens.completion},
            "cost_usd": answer.cost_usd,
            "notes": list(answer.notes),
        },
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def decode_entry(raw: str | bytes) -> CachedAnswer:
    """The entry stored as `raw`; `CacheEntryError` when it is not one this code wrote."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CacheEntryError(f"not JSON: {exc}") from exc
    document = _mapping(document, "entry")
    if document.get("format") != CACHE_FORMAT_VERSION:
        raise CacheEntryError(f"unknown entry format {document.get('format')!r}")
    data = _mapping(document.get("answer"), "answer")
    cause = _mapping(data.get("root_cause"), "root_cause")
    tokens = _mapping(data.get("tokens"), "tokens")
    service = cause.get("service")
    if service is not None and not isinstance(service, str):
        raise CacheEntryError("root_cause.service must be a string or null")
    answer = Answer(
        root_cause=RootCause(
            service=service,
            operation=_string(cause, "operation"),
            exception_type=_string(cause, "exception_type"),
            summary=_string(cause, "summary"),
        ),
        remediation=_strings(data, "remediation"),
        analyzer=_string(data, "analyzer"),
        citations=_strings(data, "citations"),
        tokens=TokenUsage(
            prompt=_integer(tokens, "prompt"), completion=_integer(tokens, "completion")
        ),
        cost_usd=_number(data, "cost_usd"),
        notes=_strings(data, "notes"),
    )
    return CachedAnswer(
        answer=answer,
        created_at=_timestamp(document, "created_at"),
        model=_string(document, "model"),
        prompt_version=_string(document, "prompt_version"),
    )


def _mapping(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CacheEntryError(f"{name} must be an object")
    return value


def _string(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise CacheEntryError(f"{name} must be a string")
    return value


def _timestamp(data: Mapping[str, Any], name: str) -> str:
    value = _string(data, name)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CacheEntryError(f"{name} must be an ISO 8601 time") from exc
    # The local copy expires by this time; a naive one could not be compared with the clock.
    if moment.tzinfo is None:
        raise CacheEntryError(f"{name} must carry a time zone")
    return value


def _strings(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CacheEntryError(f"{name} must be a list of strings")
    return tuple(value)


def _integer(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name)
    # bool is an int to Python but never a token count.
    if not isinstance(value, int) or isinstance(value, bool):
        raise CacheEntryError(f"{name} must be an integer")
    return value


def _number(data: Mapping[str, Any], name: str) -> float:
    value = data.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise CacheEntryError(f"{name} must be a number")
    return float(value)
