"""Reading a suite: a folder of labelled incidents, one sub-folder each.

An incident folder holds `incident.yaml` and the telemetry as OTLP/JSON files (`*.jsonl` or
`*.json`, the collector's file-exporter format). `incident.yaml` says what to ask and what
counts as the answer:

    name: chronic-errors-01            # optional, defaults to the folder's name
    kind: chronic-errors               # optional, groups the results
    service: dispatch-api              # the service the question is about
    until: "2025-06-02T09:37:00Z"      # end of the window, ISO 8601 with a time zone
    window: 30m                        # its length: 90s, 30m, 2h, 1d
    root_cause: [warehouse-svc]        # every service that counts as the right answer
    notes: "…"                         # optional, for people

Every malformed incident is reported at once, each with its path, in one `SuiteError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from aisher.errors import InputError, WindowError
from aisher.window import TimeWindow, parse_duration

CARD_NAME = "incident.yaml"
TELEMETRY_SUFFIXES = (".jsonl", ".json")
MAX_LISTED_PROBLEMS = 5  # a message names the first few malformed incidents, then counts


class SuiteError(InputError):
    """A suite folder that cannot be evaluated: missing, empty, or with malformed incidents."""


@dataclass(frozen=True, slots=True)
class LabelledIncident:
    """One incident of a suite: the question, the labelled answer, and where its data is."""

    name: str
    kind: str
    service: str
    window: TimeWindow  # as labelled; the runner moves it, and the data, to recent times
    window_text: str
    root_cause: tuple[str, ...]
    notes: str
    folder: Path
    telemetry: tuple[Path, ...]


def read_suite(path: Path) -> tuple[LabelledIncident, ...]:
    """Every incident under `path` (found by its `incident.yaml`), in folder-name order."""
    if not path.is_dir():
        raise SuiteError(f"suite {path} is not a folder")
    cards = sorted(path.rglob(CARD_NAME))
    if not cards:
        raise SuiteError(f"suite {path} holds no incident (no {CARD_NAME} under it)")
    incidents: list[LabelledIncident] = []
    problems: list[str] = []
    for card in cards:
        try:
            incidents.append(read_incident(card.parent))
        except SuiteError as exc:
            problems.append(str(exc))
    names = [incident.name for incident in incidents]
    problems.extend(
        f"two incidents are named {name!r}"
        for name in sorted({n for n in names if names.count(n) > 1})
    )
    if problems:
        shown = "; ".join(problems[:MAX_LISTED_PROBLEMS])
        more = len(problems) - MAX_LISTED_PROBLEMS
        tail = f"; and {more} more" if more > 0 else ""
        raise SuiteError(f"suite {path} is malformed: {shown}{tail}")
    return tuple(incidents)


def read_incident(folder: Path) -> LabelledIncident:
    """The incident in `folder`; `SuiteError` naming the file and the field if malformed."""
    card_path = folder / CARD_NAME
    try:
        card = yaml.safe_load(card_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SuiteError(f"{card_path}: cannot read it: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SuiteError(f"{card_path}: not YAML: {reason}") from exc
    telemetry = tuple(
        sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in TELEMETRY_SUFFIXES)
    )
    if not telemetry:
        raise SuiteError(f"{folder}: no telemetry (*.jsonl or *.json OTLP/JSON files)")
    try:
        return parse_card(card, folder=folder, telemetry=telemetry)
    except SuiteError as exc:
        raise SuiteError(f"{card_path}: {exc}") from None


def parse_card(card: object, *, folder: Path, telemetry: tuple[Path, ...]) -> LabelledIncident:
    """An `incident.yaml` mapping as a `LabelledIncident`; `SuiteError` names the bad field."""
    if not isinstance(card, Mapping):
        raise SuiteError(f"expected a mapping of fields, got {type(card).__name__}")
    service = _text(card, "service")
    window_text = _text(card, "window")
    try:
        length = parse_duration(window_text)
    except WindowError as exc:
        raise SuiteError(f"window: {exc}") from None
    until = _moment(card.get("until"))
    return LabelledIncident(
        name=_text(card, "name", default=folder.name),
        kind=_text(card, "kind", default="unlabelled"),
        service=service,
        window=TimeWindow.ending_at(until, length),
        window_text=window_text,
        root_cause=_names(card.get("root_cause")),
        notes=_text(card, "notes", default=""),
        folder=folder,
        telemetry=telemetry,
    )


def _text(card: Mapping[object, object], key: str, *, default: str | None = None) -> str:
    value = card.get(key)
    if value is None:
        if default is None:
            raise SuiteError(f"{key}: missing")
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SuiteError(f"{key}: expected text, got {type(value).__name__}")
    text = str(value).strip()
    if not text and default is None:
        raise SuiteError(f"{key}: empty")
    return text


def _moment(value: object) -> datetime:
    """`until` as YAML gives it: a timestamp (YAML parses unquoted ones) or ISO 8601 text."""
    if value is None:
        raise SuiteError("until: missing")
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise SuiteError(
                f"until: {value!r} is not ISO 8601, e.g. 2025-06-02T09:30:00Z"
            ) from None
        if moment.tzinfo is None:
            raise SuiteError(f"until: {value!r} has no time zone; add Z or +00:00")
    else:
        raise SuiteError(f"until: expected an ISO 8601 time, got {type(value).__name__}")
    # YAML reads an unquoted timestamp without an offset as UTC, and returns it naive.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise SuiteError("root_cause: expected a non-empty list of service names")
    names = tuple(str(item).strip() for item in value if isinstance(item, str) and item.strip())
    if len(names) != len(value):
        raise SuiteError("root_cause: every entry must be a service name")
    return names
