"""Spans and log lines while a scenario is being generated, before they become OTLP/JSON.

These drafts are mutable on purpose: a server span is opened before its children exist and
closed once the last of them has answered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import IntEnum

from aisher.demo.stacks.throw_site import Thrown
from aisher.demo.systems.topology import Service

AttrValue = str | int | float | bool


class SpanKind(IntEnum):
    """OTLP's span kinds, as the integers the protocol sends."""

    INTERNAL = 1
    SERVER = 2
    CLIENT = 3
    PRODUCER = 4
    CONSUMER = 5


KIND_NAMES = {
    SpanKind.INTERNAL: "Internal",
    SpanKind.SERVER: "Server",
    SpanKind.CLIENT: "Client",
    SpanKind.PRODUCER: "Producer",
    SpanKind.CONSUMER: "Consumer",
}
STATUS_UNSET, STATUS_OK, STATUS_ERROR = 0, 1, 2
SEVERITY_NUMBERS = {"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}


@dataclass(slots=True)
class Pod:
    """One running instance of a service, with the resource attributes it reports."""

    service: Service
    name: str
    version: str
    accessors: tuple[int, int]
    resource: dict[str, AttrValue]


@dataclass(slots=True)
class ExceptionEvent:
    time_ns: int
    thrown: Thrown
    escaped: bool = True


@dataclass(slots=True)
class SpanDraft:
    trace_id: str
    span_id: str
    parent_span_id: str
    pod: Pod
    scope: str
    name: str
    kind: SpanKind
    start_ns: int
    end_ns: int = 0
    status: int = STATUS_UNSET
    status_message: str = ""
    attributes: dict[str, AttrValue] = field(default_factory=dict)
    events: list[ExceptionEvent] = field(default_factory=list)


@dataclass(slots=True)
class LogDraft:
    time_ns: int
    pod: Pod
    severity: str
    body: str
    logger: str
    trace_id: str = ""
    span_id: str = ""
    attributes: dict[str, AttrValue] = field(default_factory=dict)


def new_trace_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128) or 1:032x}"


def new_span_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64) or 1:016x}"
