"""Properties of the OTLP/JSON line parser: whatever a line holds, it either converts or is
refused with `OtlpFormatError`; no other exception escapes to cost the lines around it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aisher.errors import OtlpFormatError
from aisher.signoz.document_rows import SigNozBatch, parse_line
from aisher.signoz.document_source import read_documents
from aisher.signoz.import_limits import DEFAULT_LIMITS, ImportLimits
from tests.properties.strategies import (
    json_values,
    mutated_documents,
    otlp_like_values,
    valid_documents,
)

PURE = settings(
    max_examples=1_500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SMALL = ImportLimits(
    max_line_bytes=4096, max_document_bytes=8192, max_values=20, max_value_bytes=64
)


def parses_or_refuses(text: str, limits: ImportLimits = DEFAULT_LIMITS) -> SigNozBatch | None:
    """The batch of a line, or None when it was refused the one allowed way."""
    refusal: OtlpFormatError | None = None
    try:
        return parse_line(text, 1, received_ns=1, limits=limits)
    except OtlpFormatError as exc:
        refusal = exc
    assert refusal.line == 1
    assert "\n" not in refusal.detail
    return None


class TestParseLineProperties:
    @settings(PURE, max_examples=1_000)
    @given(json_values | otlp_like_values)
    def test_any_json_value_converts_or_is_refused(self, value: object) -> None:
        """Arbitrary JSON, as a line or under resourceSpans/resourceLogs, raises only per line."""
        for wrapped in (value, {"resourceSpans": value}, {"resourceLogs": value}):
            parses_or_refuses(json.dumps(wrapped))
            parses_or_refuses(json.dumps(wrapped), SMALL)

    @PURE
    @given(st.binary(max_size=300))
    def test_any_bytes_convert_or_are_refused(self, raw: bytes) -> None:
        """Arbitrary bytes, decoded as the file reader decodes them, raise only per line."""
        parses_or_refuses(raw.decode("utf-8", "replace"))

    @PURE
    @given(st.text(st.characters(exclude_categories=()), max_size=300))
    def test_any_text_converts_or_is_refused(self, text: str) -> None:
        """Arbitrary text handed over in memory, lone surrogates included, raises only per line."""
        parses_or_refuses(text)

    @PURE
    @given(mutated_documents())
    def test_a_valid_document_made_wrong_anywhere_is_refused_per_line(self, text: str) -> None:
        """One value replaced anywhere in a valid document, by anything, raises only per line."""
        parses_or_refuses(text)
        parses_or_refuses(text, SMALL)

    @settings(max_examples=300, deadline=None, database=None)
    @given(valid_documents())
    def test_valid_documents_convert(self, document: dict[str, object]) -> None:
        """A well-formed span or log document converts to at least one row."""
        batch = parses_or_refuses(json.dumps(document))
        assert batch is not None
        assert len(batch.spans) + len(batch.logs) == 1


class TestReadDocumentsProperties:
    @settings(max_examples=300, deadline=None, database=None)
    @given(st.lists(st.binary(max_size=200) | st.sampled_from((b"", b"{", b"\xef\xbb\xbf{"))))
    def test_any_file_yields_documents_or_problems(self, chunks: list[bytes]) -> None:
        """Any bytes in a file come out as numbered documents or problems, never an exception."""
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "any.jsonl"
            path.write_bytes(b"\n".join(chunks))
            numbers = []
            for number, text in read_documents(path, ImportLimits(max_line_bytes=64)):
                numbers.append(number)
                if not isinstance(text, OtlpFormatError):
                    parses_or_refuses(text)
        assert numbers == sorted(set(numbers))
