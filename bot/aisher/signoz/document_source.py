"""The documents of an OTLP/JSON file: its lines, or the whole file as one document.

The collector's file exporter writes JSON lines; a file whose first line opens a document
without being one, and that has no line that is a document on its own, is one pretty-printed
document instead. Lines are read with `readline(limit)`, so a line longer than
`ImportLimits.max_line_bytes` is never held whole: it is skipped in bounded reads and reported,
and the lines after it still load. A pretty-printed document is read whole only within
`ImportLimits.max_document_bytes`.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aisher.errors import OtlpFormatError
from aisher.signoz.import_limits import DEFAULT_LIMITS, ImportLimits
from aisher.signoz.otlp_json import parse_json_int

# A document with its line number, or the problem that stood in its place.
Document = tuple[int, str | OtlpFormatError]
SKIP_CHUNK_BYTES = 1024 * 1024  # the most an over-long line costs while it is skipped


@dataclass(frozen=True, slots=True)
class Overlong:
    """A line longer than the limit, skipped unread; `size` counts its bytes."""

    size: int


def read_documents(
    path: Path, limits: ImportLimits = DEFAULT_LIMITS
) -> Generator[Document, None, None]:
    """The documents of a file with their line numbers, and problems for lines over the limit.

    Blank lines are skipped. Invalid UTF-8 becomes U+FFFD, as the collector's Go decoder does.
    """
    with path.open("rb") as handle:
        lines = bounded_lines(handle, limits.max_line_bytes)
        first = _first_content_line(lines)
        if first is None:
            return
        line_no, raw = first
        if isinstance(raw, bytes) and _opens_a_document(raw):
            # JSON lines whose first line is broken still have whole documents on other
            # lines; a pretty-printed document has none.
            handle.seek(0)
            rescan = bounded_lines(handle, limits.max_line_bytes)
            if not any(_is_trace_or_log_document(line) for _, line in rescan):
                yield line_no, _whole_file(handle, limits)
                return
            handle.seek(0)
            lines = bounded_lines(handle, limits.max_line_bytes)
            _first_content_line(lines)
        yield line_no, _document(raw, limits)
        for number, line in lines:
            if not isinstance(line, bytes) or line.strip():
                yield number, _document(line, limits)


def bounded_lines(handle: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | Overlong]]:
    """Each line with its number (from 1); a line over `limit` bytes comes as its `Overlong` size.

    No more than `limit + 1` bytes of one line are ever held at once.
    """
    number = 0
    while raw := handle.readline(limit + 1):
        number += 1
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield number, raw
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = handle.readline(min(limit, SKIP_CHUNK_BYTES))
            if not raw:
                break
            size += len(raw)
        yield number, Overlong(size - 1 if raw.endswith(b"\n") else size)


def check_text_size(text: str, limits: ImportLimits) -> OtlpFormatError | None:
    """A problem for an in-memory document longer than a line may be, else None."""
    limit = limits.max_line_bytes
    if len(text) * 4 <= limit:
        return None
    size = len(text.encode("utf-8", "surrogatepass"))
    return _too_long(size, limit) if size > limit else None


def _document(line: bytes | Overlong, limits: ImportLimits) -> str | OtlpFormatError:
    if isinstance(line, Overlong):
        return _too_long(line.size, limits.max_line_bytes)
    return _decode(line)


def _too_long(size: int, limit: int) -> OtlpFormatError:
    return OtlpFormatError(
        f"a line of {size:,} bytes is longer than the limit of {limit:,} bytes; "
        "it was skipped without being read whole"
    )


def _whole_file(handle: BinaryIO, limits: ImportLimits) -> str | OtlpFormatError:
    limit = limits.max_document_bytes
    handle.seek(0)
    text = handle.read(limit + 1)
    if len(text) > limit:
        return OtlpFormatError(
            f"a single JSON document larger than the limit of {limit:,} bytes; "
            "write it as JSON lines, one document per line"
        )
    return _decode(text)


def _first_content_line(
    lines: Iterator[tuple[int, bytes | Overlong]],
) -> tuple[int, bytes | Overlong] | None:
    for line_no, line in lines:
        if not isinstance(line, bytes) or line.strip():
            return line_no, line
    return None


def _decode(raw: bytes) -> str:
    return raw.removeprefix(codecs.BOM_UTF8).decode("utf-8", "replace")


def _opens_a_document(first_line: bytes) -> bool:
    """A first line that opens an object without being one starts a multi-line document."""
    text = _decode(first_line).strip()
    if not text.startswith("{"):
        return False
    try:
        json.loads(text, parse_int=parse_json_int)
    except (ValueError, RecursionError):
        return True
    return False


def _is_trace_or_log_document(line: bytes | Overlong) -> bool:
    if not isinstance(line, bytes):
        return False
    text = _decode(line).strip()
    if not text.startswith("{"):
        return False
    try:
        document = json.loads(text, parse_int=parse_json_int)
    except (ValueError, RecursionError):
        return False
    return isinstance(document, dict) and (
        "resourceSpans" in document or "resourceLogs" in document
    )
