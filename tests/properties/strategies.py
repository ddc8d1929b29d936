"""Hypothesis strategies for hostile telemetry: arbitrary JSON, and valid documents made wrong.

A mutated document is one of a few rich valid documents (`BASE_DOCUMENTS`: spans with events,
links and nested attributes; logs with every body kind) with one value somewhere inside it
replaced by arbitrary JSON or by one of `HOSTILE_LITERALS`, the values that broke the importer
before (numbers past Python's 4,300-digit conversion limit, lone surrogates, non-finite
numbers). Starting from fixed documents keeps each example cheap to generate, so thousands run
in seconds.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.support.otlp_documents import (
    STRIPE_CALL_VALUES,
    any_value,
    checkout_trace,
    event,
    exception_event,
    log_record,
    logs_document,
    recent_ns,
    span,
    spans_document,
)

# Recent, so that rows loaded into chDB outlive the tables' 15-day TTL.
START_NS = recent_ns()
PLACEHOLDER = "\x00PLACEHOLDER\x00"
# JSON text spliced in where the placeholder string stands.
HOSTILE_LITERALS = (
    "9" * 5000,
    "-" + "9" * 5000,
    '"' + "9" * 5000 + '"',
    '"' + "0" * 5000 + '1"',
    "1e999",
    "-0",
    "NaN",
    "Infinity",
    '"\\ud800"',
    '"\\udfff\\ud800"',
    '"' + "\\u0000" * 10 + '"',
    "18446744073709551616",
    '"18446744073709551615"',
    '"-9223372036854775809"',
    "[]",
    "{}",
    '""',
    '"AAAA"',
    '"===="',
    "true",
)

# Any code point, lone surrogates included: they reach the parser escaped (`\\ud800`) in files
# and raw in documents handed over in memory.
hostile_text = st.text(st.characters(exclude_categories=()), max_size=12)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | hostile_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4)
    ),
    max_leaves=12,
)
otlp_keys = st.sampled_from(
    (
        "resourceSpans",
        "resourceLogs",
        "scopeSpans",
        "scopeLogs",
        "spans",
        "logRecords",
        "resource",
        "attributes",
        "key",
        "value",
        "stringValue",
        "intValue",
        "kvlistValue",
        "arrayValue",
        "values",
        "traceId",
        "spanId",
        "startTimeUnixNano",
        "endTimeUnixNano",
    )
)
# Arbitrary JSON whose object keys are mostly OTLP's, so that it reaches the deeper decoders.
otlp_like_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(otlp_keys | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
attribute_values = st.recursive(
    hostile_text
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.binary(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(hostile_text, children, max_size=3)
    ),
    max_leaves=6,
)
attribute_maps = st.dictionaries(hostile_text, attribute_values, max_size=4)


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A span or log document the importer must accept."""
    values = draw(attribute_maps)
    if draw(st.booleans()):
        item = span(
            name=draw(hostile_text),
            start_ns=START_NS,
            span_id=draw(st.binary(min_size=8, max_size=8).filter(any)).hex(),
            parent_span_id=draw(st.sampled_from(("", "00f067aa0ba902b7"))),
            kind=draw(st.integers(min_value=0, max_value=5)),
            status_code=draw(st.integers(min_value=0, max_value=2)),
            values=values,
            events=[exception_event(START_NS + 1)] if draw(st.booleans()) else [],
        )
        return spans_document([item], resource=draw(attribute_maps) | {"service.name": "svc"})
    record = log_record(draw(attribute_values), time_ns=START_NS, values=values, severity_number=17)
    return logs_document([record])


def paths_in(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path to a value inside a JSON document, the document itself excluded."""
    found: list[tuple[str | int, ...]] = []
    children: list[tuple[str | int, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    for key, child in children:
        found.append((*prefix, key))
        found.extend(paths_in(child, (*prefix, key)))
    return found


def replaced(document: Any, path: tuple[str | int, ...], new: Any) -> Any:
    """A copy of `document` with the value at `path` replaced by `new`."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {k: replaced(v, rest, new) if k == head else v for k, v in document.items()}
    return [replaced(v, rest, new) if i == head else v for i, v in enumerate(document)]


BASE_DOCUMENTS = (
    checkout_trace(START_NS),
    spans_document(
        [
            span(
                name="linked",
                start_ns=START_NS,
                span_id="1" * 16,
                parent_span_id="2" * 16,
                values={"nested": {"list": [1, 2.5, "x", b"\x00"], "map": {"k": True}}},
                events=[event("retry", START_NS + 5, {"attempt": 2})],
                links=[{"traceId": "3" * 32, "spanId": "4" * 16}],
                flags=0x300,
            )
        ]
    ),
    logs_document(
        [
            log_record("text", time_ns=START_NS, values=STRIPE_CALL_VALUES),
            log_record({"k": [1, "two"]}, time_ns=None, observed_ns=START_NS, flags=1),
            log_record(b"\xff", time_ns=None, trace_id="3" * 32, span_id="4" * 16),
        ],
        scope_version="1.0",
    ),
)
BASE_PATHS = tuple((document, tuple(paths_in(document))) for document in BASE_DOCUMENTS)


@st.composite
def mutated_documents(draw: st.DrawFn) -> str:
    """The text of a valid document with one inner value replaced by something arbitrary."""
    document, paths = draw(st.sampled_from(BASE_PATHS))
    path = draw(st.sampled_from(paths))
    if draw(st.booleans()):
        literal = draw(st.sampled_from(HOSTILE_LITERALS))
    else:
        literal = json.dumps(draw(otlp_like_values | st.builds(any_value, attribute_values)))
    text = json.dumps(replaced(document, path, PLACEHOLDER))
    return text.replace(json.dumps(PLACEHOLDER), literal)
