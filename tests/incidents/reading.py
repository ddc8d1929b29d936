"""Reading a written incident back as flat spans and logs, to check its ground truth."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class FlatSpan:
    service: str
    version: str
    pod: str
    name: str
    kind: int
    status: int
    start_ns: int
    end_ns: int
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]
    exception_message: str


@dataclass(frozen=True, slots=True)
class FlatLog:
    service: str
    severity: str
    body: str
    time_ns: int
    trace_id: str
    span_id: str


@dataclass(frozen=True, slots=True)
class WrittenIncident:
    card: dict[str, Any]
    spans: list[FlatSpan]
    logs: list[FlatLog]

    @property
    def window_ns(self) -> tuple[int, int]:
        until = datetime.fromisoformat(self.card["until"].replace("Z", "+00:00"))
        text = self.card["window"]
        minutes = int(text[:-1]) * (60 if text.endswith("h") else 1)
        end = int(until.timestamp()) * 1_000_000_000
        return end - minutes * 60_000_000_000, end

    def in_window(self, start_ns: int) -> bool:
        low, high = self.window_ns
        return low <= start_ns < high

    def in_baseline(self, start_ns: int) -> bool:
        low, high = self.window_ns
        return low - (high - low) <= start_ns < low


def read_incident(folder: Path) -> WrittenIncident:
    card = yaml.safe_load((folder / "incident.yaml").read_text(encoding="utf-8"))
    with (folder / "telemetry.jsonl").open(encoding="utf-8") as handle:
        return parse_incident(card, handle)


def parse_incident(card: dict[str, Any], lines: Iterable[str]) -> WrittenIncident:
    """An incident from its card and its OTLP/JSON lines, as they are (or would be) written."""
    spans: list[FlatSpan] = []
    logs: list[FlatLog] = []
    for line in lines:
        document = json.loads(line)
        for resource in document.get("resourceSpans", []):
            attrs = _attributes(resource["resource"].get("attributes", []))
            for scope in resource["scopeSpans"]:
                spans.extend(_span(attrs, raw) for raw in scope["spans"])
        for resource in document.get("resourceLogs", []):
            attrs = _attributes(resource["resource"].get("attributes", []))
            for scope in resource["scopeLogs"]:
                logs.extend(_log(attrs, raw) for raw in scope["logRecords"])
    return WrittenIncident(card, spans, logs)


def _span(resource: dict[str, Any], raw: dict[str, Any]) -> FlatSpan:
    messages = [
        _attributes(event.get("attributes", [])).get("exception.message", "")
        for event in raw.get("events", [])
    ]
    return FlatSpan(
        service=resource["service.name"],
        version=resource["service.version"],
        pod=resource["k8s.pod.name"],
        name=raw["name"],
        kind=raw["kind"],
        status=raw["status"].get("code", 0),
        start_ns=int(raw["startTimeUnixNano"]),
        end_ns=int(raw["endTimeUnixNano"]),
        trace_id=raw["traceId"],
        span_id=raw["spanId"],
        parent_id=raw.get("parentSpanId", ""),
        attributes=_attributes(raw.get("attributes", [])),
        exception_message=" ".join(messages),
    )


def _log(resource: dict[str, Any], raw: dict[str, Any]) -> FlatLog:
    return FlatLog(
        service=resource["service.name"],
        severity=raw["severityText"],
        body=raw["body"]["stringValue"],
        time_ns=int(raw["timeUnixNano"]),
        trace_id=raw.get("traceId", ""),
        span_id=raw.get("spanId", ""),
    )


def _attributes(items: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in items:
        ((variant, value),) = item["value"].items()
        result[item["key"]] = int(value) if variant == "intValue" else value
    return result
