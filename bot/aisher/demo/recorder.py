"""What one trace is made of while it is built: its spans, its log lines, and the helpers
every part of a request uses to open spans, raise exceptions and retry."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from aisher.demo import applogs
from aisher.demo.catalogue import throw
from aisher.demo.instrumentation import scope
from aisher.demo.propagation import Failure, Mode, finish_client
from aisher.demo.spans import (
    AttrValue,
    ExceptionEvent,
    LogDraft,
    Pod,
    SpanDraft,
    SpanKind,
    new_span_id,
    new_trace_id,
)
from aisher.demo.stacktraces import CallSite, ErrorKind, Thrown, ThrowSite
from aisher.demo.topology import NoiseKind, Operation
from aisher.demo.world import World

NS_PER_MS = 1_000_000


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes a call: the pod, the operation it is serving, and that operation's span."""

    pod: Pod
    operation: Operation
    span: SpanDraft


class TraceRecorder:
    """Spans, logs and building blocks of one trace; `serve` is the server side."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.rng: random.Random = world.rng
        self.trace_id = new_trace_id(world.rng)
        self.spans: list[SpanDraft] = []
        self.logs: list[LogDraft] = []
        self.fault_hit = False
        self.poisoned: bool | None = None

    # -- building blocks ---------------------------------------------------------------

    def ms(self, median: float, spread: float = 0.45) -> int:
        """A log-normal duration around `median` milliseconds, in nanoseconds."""
        return max(1000, int(median * math.exp(self.rng.gauss(0.0, spread)) * NS_PER_MS))

    def open(
        self,
        pod: Pod,
        role: str,
        name: str,
        kind: SpanKind,
        *,
        at: int,
        parent: str,
        attributes: dict[str, AttrValue],
    ) -> SpanDraft:
        service = pod.service
        span = SpanDraft(
            self.trace_id,
            new_span_id(self.rng),
            parent,
            pod,
            scope(service.language, role, service),
            name,
            kind,
            at,
            attributes=attributes,
        )
        self.spans.append(span)
        return span

    def site(self, pod: Pod, operation: Operation, call: CallSite | None = None) -> ThrowSite:
        service, plan = pod.service, self.world.plan
        return ThrowSite(
            service=service.name,
            package=service.package,
            language=service.language,
            protocol=operation.protocol.value,
            operation=operation.name,
            code=operation.code,
            version=pod.version,
            accessors=pod.accessors,
            call=call,
            variant=plan.variant if plan else 0,
        )

    def throw(self, kind: ErrorKind, site: ThrowSite) -> Thrown:
        return throw(kind, site, self.rng)

    def noisy(self, service: str, operation: str, kind: NoiseKind, target: str = "") -> bool:
        """Whether background noise of `kind` strikes this request."""
        for item in self.world.noise.get((service, operation), ()):
            if item.kind is kind and item.target == target and self.rng.random() < item.rate:
                return True
        return False

    def record(self, span: SpanDraft, thrown: Thrown, *, escaped: bool = True) -> None:
        span.events.append(ExceptionEvent(max(span.start_ns, span.end_ns - 1000), thrown, escaped))

    def _retry(self, caller: Caller, peer: str, attempt: int, reason: str, at: int) -> int:
        """Log the retry at `at`; the backoff before the next attempt, in nanoseconds."""
        backoff = 0.1 * 2**attempt * self.rng.uniform(0.8, 1.3)
        line = applogs.retry_log(
            caller.span,
            caller.operation,
            at=at,
            peer=peer,
            attempt=attempt + 1,
            backoff_s=backoff,
            reason=reason,
        )
        self.logs.append(line)
        return int(backoff * 1e9)

    def _timed_out(self, caller: Caller, client: SpanDraft, site: CallSite) -> Failure:
        """The caller stopped waiting: the client span records the client library's error."""
        site_here = self.site(caller.pod, caller.operation, site)
        thrown = self.throw(ErrorKind.CLIENT_TIMEOUT, site_here)
        self.record(client, thrown)
        failure = Failure(Mode.TIMEOUT, 0, "DEADLINE_EXCEEDED", thrown.message)
        finish_client(client, site.protocol == "grpc", failure, thrown.type)
        return failure
