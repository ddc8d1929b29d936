"""The token-benchmark corpus: many realistic error spans, skewed like a real error window."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest

from aisher.demo import error_span_corpus
from aisher.telemetry import SpanRecord


@pytest.fixture(scope="module")
def corpus() -> list[SpanRecord]:
    return error_span_corpus()


class TestErrorSpanCorpus:
    def test_count_and_determinism(self, corpus: list[SpanRecord]) -> None:
        """A thousand spans by default, the same ones for the same seed, others for another."""
        assert len(corpus) == 1000
        assert error_span_corpus(count=200, seed=3) == error_span_corpus(count=200, seed=3)
        assert error_span_corpus(count=200, seed=3) != error_span_corpus(count=200, seed=4)
        assert len({span.span_id for span in corpus}) == 1000

    def test_every_span_is_an_error_with_an_exception(self, corpus: list[SpanRecord]) -> None:
        """Each span has status Error and an exception record with a stack trace."""
        for span in corpus:
            assert span.has_error
            assert span.exceptions
            assert span.exceptions[0].stacktrace
            assert len(span.exceptions[0].group_id) == 32

    def test_variety(self, corpus: list[SpanRecord]) -> None:
        """Roughly ten services, twenty-five operations and fifteen exception types."""
        assert len({span.service for span in corpus}) >= 8
        assert len({(span.service, span.operation) for span in corpus}) >= 15
        assert len({span.exceptions[0].type for span in corpus}) >= 12
        assert len({span.service for span in corpus}) <= 25
        traces = [span.exceptions[0].stacktrace for span in corpus]
        assert any(trace.startswith("Traceback (most recent call last):") for trace in traces)
        assert any("\n\tat " in trace for trace in traces)  # Java
        assert any("goroutine " in trace for trace in traces)  # Go
        assert any("\n    at " in trace for trace in traces)  # Node.js

    def test_zipf_like_mix(self, corpus: list[SpanRecord]) -> None:
        """A few failure shapes dominate and many are rare."""
        shapes = Counter((s.service, s.operation, s.exceptions[0].type) for s in corpus)
        counts = sorted(shapes.values(), reverse=True)
        assert counts[0] >= 5 * statistics.median(counts)
        assert counts[-1] <= 5

    def test_long_realistic_stack_traces(self, corpus: list[SpanRecord]) -> None:
        """Stack traces average thousands of characters; Java ones run to 50+ frames."""
        traces = [span.exceptions[0].stacktrace for span in corpus]
        assert statistics.mean(len(trace) for trace in traces) > 2500
        java = [t for t in traces if "\tat org.springframework" in t]
        assert java
        assert all(t.count("\n\tat ") >= 40 for t in java)

    def test_parent_ids_as_in_traces(self, corpus: list[SpanRecord]) -> None:
        """Spans keep their parent ids, and cascades put parents and children in the corpus."""
        ids = {span.span_id for span in corpus}
        assert all(len(span.parent_span_id) in (0, 16) for span in corpus)
        assert sum(1 for span in corpus if span.parent_span_id in ids) >= 20
