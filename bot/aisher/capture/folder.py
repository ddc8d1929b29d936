"""Writing a capture as an incident folder: `telemetry.jsonl` and `incident.yaml`.

The folder is what `aisher eval` reads as one incident of a suite. An existing card is never
overwritten: it may already carry someone's label. Each file is written beside its final name
and renamed into place, so an interrupted capture leaves no half-written file under that name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from aisher.capture.capturer import Capture
from aisher.capture.incident_card import IncidentCard, incident_name, render_card
from aisher.capture.otlp_documents import json_line, log_documents, span_documents
from aisher.errors import InputError

TELEMETRY_FILE = "telemetry.jsonl"
CARD_FILE = "incident.yaml"


def write_capture(folder: Path, capture: Capture, *, window_text: str) -> tuple[Path, Path]:
    """Write the capture into `folder` (created if missing); the two paths written.

    `InputError` when the folder already holds a capture, or cannot be written.
    """
    ensure_free(folder)
    telemetry, card = folder / TELEMETRY_FILE, folder / CARD_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lines = (
            json_line(document)
            for documents in (span_documents(capture.spans), log_documents(capture.logs))
            for document in documents
        )
        _write_lines(telemetry, lines)
        text = render_card(
            IncidentCard(
                name=incident_name(capture.service, capture.window),
                service=capture.service,
                window=capture.window,
                window_text=window_text,
                notes=capture.describe(),
            )
        )
        _write_lines(card, [text.rstrip("\n")])
    except OSError as exc:
        raise InputError(f"cannot write the capture to {folder}: {exc.strerror or exc}") from exc
    return telemetry, card


def ensure_free(folder: Path) -> None:
    """`InputError` unless `folder` is free for a capture (missing, or without its files)."""
    existing = [name for name in (TELEMETRY_FILE, CARD_FILE) if (folder / name).exists()]
    if existing:
        raise InputError(
            f"{folder} already holds {' and '.join(existing)}; choose another --out folder"
        )


def _write_lines(path: Path, lines: Iterable[str]) -> None:
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line)
            handle.write("\n")
    os.replace(partial, path)
