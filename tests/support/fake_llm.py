"""A fake OpenAI-compatible provider for tests: real litellm, with the provider's HTTP served by
respx on a loopback address (respx answers before any socket opens).

    with fake_provider() as provider:
        provider.queue(reply(answer_json(evidence)), error_reply(429, "slow down"))
        ... LlmClient(fake_llm_settings()) ...
        provider.bodies  # the JSON bodies litellm sent, in order
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import respx
import toon_format
from pydantic import SecretStr

from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.model import Evidence
from aisher.config import LlmSettings
from aisher.runtime import prepare_process_environment
from aisher.telemetry import ServiceStats, SpanRecord
from aisher.window import TimeWindow
from tests.support.traces import TraceBuilder

FAKE_API_BASE = "http://127.0.0.1:48123/v1"
FAKE_MODEL = "openai/gpt-4o-mini"
FAKE_KEY = "sk-fake-4f1c9a7e2b5d8c3a6e0f"
CHAT_PATH = "/chat/completions"
WINDOW = TimeWindow.ending_at(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), timedelta(minutes=30))


def chat_completion(
    content: str | None,
    *,
    prompt_tokens: int = 1200,
    completion_tokens: int = 150,
    model: str = "gpt-4o-mini",
    finish_reason: str = "stop",
) -> dict[str, Any]:
    """An OpenAI chat-completion response body carrying `content`."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_764_151_200,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def reply(content: str | None, **kwargs: Any) -> httpx.Response:
    """A 200 response whose assistant message is `content` (see `chat_completion`)."""
    return httpx.Response(200, json=chat_completion(content, **kwargs))


def error_reply(
    status: int, message: str, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    """An error response in OpenAI's shape."""
    body = {"error": {"message": message, "type": "fake_error", "param": None, "code": None}}
    return httpx.Response(status, json=body, headers=headers)


class FakeProvider:
    """The chat-completions route: answers from a queue, and remembers what it was sent."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.route = router.post(CHAT_PATH)

    def queue(self, *responses: httpx.Response | Exception) -> None:
        """Answer the next requests with these, in order (an exception is raised instead)."""
        self.route.side_effect = list(responses)

    @property
    def requests(self) -> list[httpx.Request]:
        return [call.request for call in self.route.calls]

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]


@contextmanager
def fake_provider(api_base: str = FAKE_API_BASE) -> Iterator[FakeProvider]:
    """Serve `api_base` with a `FakeProvider`; any other request fails the test."""
    prepare_process_environment()  # litellm must not fetch its cost map when first imported
    with respx.mock(base_url=api_base, assert_all_called=False) as router:
        yield FakeProvider(router)


def fake_llm_settings(**overrides: Any) -> LlmSettings:
    """Settings pointing at the fake provider, with a short timeout."""
    values: dict[str, Any] = {
        "model": FAKE_MODEL,
        "api_base": FAKE_API_BASE,
        "api_key": SecretStr(FAKE_KEY),
        "timeout_s": 5.0,
        "max_retries": 2,
    }
    values.update(overrides)
    return LlmSettings(**values)


def incident_spans(traces: int = 6) -> list[SpanRecord]:
    """Traces where payment's POST /charge raises KeyError and checkout and frontend pass it on."""
    spans: list[SpanRecord] = []
    for _ in range(traces):
        trace = TraceBuilder()
        root = trace.span("frontend", "GET /checkout", error=True)
        mid = trace.span("checkout", "POST /checkout", parent=root, error=True, kind="Client")
        trace.span(
            "payment",
            "POST /charge",
            parent=mid,
            error=True,
            exception=("KeyError", "'currency'"),
            stacktrace="File \"charge.py\", line 42, in charge\nKeyError: 'currency'",
        )
        spans += trace.spans
    return spans


def incident_evidence() -> Evidence:
    """A small evidence bundle for checkout errors whose root cause is payment."""
    stats = [
        ServiceStats("checkout", 500, 6, 500, 0),
        ServiceStats("frontend", 900, 6, 900, 1),
        ServiceStats("payment", 400, 6, 400, 0),
    ]
    return build_evidence("checkout", WINDOW, incident_spans(), stats)


def incident_context(evidence: Evidence) -> str:
    """A TOON rendering of the evidence, the way the compaction hands it to the analyzer."""
    return str(
        toon_format.dumps(
            {
                "groups": [
                    {
                        "service": group.service,
                        "operation": group.operation,
                        "exception": group.exception_type,
                        "message": group.message_template,
                        "count": group.count,
                        "origins": group.origin_count,
                    }
                    for group in evidence.groups
                ],
                "origins": [
                    {
                        "trace": origin.trace_id,
                        "span": origin.span.span_id,
                        "service": origin.blamed,
                        "path": ">".join(origin.path),
                    }
                    for origin in evidence.origins
                ],
            }
        )
    )


def answer_json(evidence: Evidence, *, cite: Sequence[str] | None = None, **root: Any) -> str:
    """A schema-valid answer naming the top suspect and citing its evidence (or `cite`)."""
    top = evidence.top_suspect
    assert top is not None
    cause = {
        "service": top.service,
        "operation": top.operation,
        "exception_type": top.exception_type,
        "summary": f"{top.service} {top.operation} raises {top.exception_type}.",
        "evidence": list(top.evidence[:2] if cite is None else cite),
        **root,
    }
    return json.dumps(
        {
            "root_cause": cause,
            "alternatives": [],
            "remediation": [f"Fix {top.exception_type} in {top.service}."],
        }
    )
