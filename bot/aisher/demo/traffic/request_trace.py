"""One user request through a running system, as the trace and log lines it leaves.

`RequestTrace.request` walks the entry operation's calls depth first, the way the services
would execute them: each server span opens, its calls run in order (with retries and timeouts),
then it closes with the status its runtime would set. A call to another service recurses into
that service's server side, a published message into each consumer's. The fault plan and the
background noise decide, per request, what goes wrong.
"""

from __future__ import annotations

import dataclasses
import math
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from aisher.demo.faults import FaultKind, FaultPlan
from aisher.demo.stacks.runtimes import throw
from aisher.demo.stacks.throw_site import (
    CallSite,
    ErrorKind,
    Language,
    Thrown,
    ThrowSite,
    status_line,
)
from aisher.demo.systems.topology import (
    Call,
    Dependency,
    DependencyKind,
    Noise,
    NoiseKind,
    Operation,
    Protocol,
    Service,
    Topology,
    caller_frame,
    statement_parts,
)
from aisher.demo.traffic import applogs
from aisher.demo.traffic.drafts import (
    STATUS_ERROR,
    AttrValue,
    ExceptionEvent,
    LogDraft,
    Pod,
    SpanDraft,
    SpanKind,
    new_span_id,
    new_trace_id,
)
from aisher.demo.traffic.fleet import Fleet
from aisher.demo.traffic.instrumentation import (
    GRPC_CODES,
    database_attributes,
    external_attributes,
    producer_attributes,
    scope,
    server_attributes,
    server_role,
    service_call_attributes,
)
from aisher.demo.traffic.propagation import (
    VENDOR_503,
    Failure,
    Mode,
    answer,
    finish_client,
    wrapper_kind,
)
from aisher.window import TimeWindow

NS_PER_MS = 1_000_000
_CACHE_TIMEOUT_MS = {
    Language.JAVA: 1000,
    Language.PYTHON: 500,
    Language.GO: 300,
    Language.NODEJS: 500,
}
_DB_MS = {"SELECT": 1.4, "INSERT": 2.6, "UPDATE": 2.9, "find": 2.0, "search": 14.0}


@dataclass(slots=True)
class RunningSystem:
    """What every request of a scenario shares: the topology, its pods, the fault, the noise
    and the scenario's random source."""

    topology: Topology
    fleet: Fleet
    plan: FaultPlan | None
    rng: random.Random
    noise: dict[tuple[str, str], list[Noise]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for item in self.topology.noise:
            self.noise.setdefault((item.service, item.operation), []).append(item)


class Effect(Enum):
    """What the fault does to one request at the faulty service."""

    THROW = "throw"
    POOL_TIMEOUT = "pool_timeout"
    POOL_WAIT = "pool_wait"
    SLOW = "slow"
    SLOWISH = "slowish"


@dataclass(slots=True)
class Step:
    """How a call ended; `site` and `thrown` let the caller raise the matching exception."""

    end_ns: int
    failure: Failure | None = None
    site: CallSite | None = None
    thrown: Thrown | None = None


@dataclass(slots=True)
class Verdict:
    """How a server operation ended: `own` when the failure began in this service."""

    end_ns: int
    failure: Failure | None = None
    thrown: Thrown | None = None
    own: bool = False


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes a call: the pod, the operation it is serving, and that operation's span."""

    pod: Pod
    operation: Operation
    span: SpanDraft


class RequestTrace:
    """The spans and log lines of one user request, and whether the fault touched it."""

    def __init__(self, system: RunningSystem) -> None:
        self.system = system
        self.rng: random.Random = system.rng
        self.trace_id = new_trace_id(system.rng)
        self.spans: list[SpanDraft] = []
        self.logs: list[LogDraft] = []
        self.fault_hit = False
        self.poisoned: bool | None = None

    def request(self, operation: str, start_ns: int) -> None:
        """Send one user request to the entry service's `operation` at `start_ns`."""
        entry = self.system.topology.service(self.system.topology.entry)
        self.serve(entry, entry.operation(operation), "", start_ns)

    def fit_into(self, window: TimeWindow) -> None:
        """Move the trace back inside `window` when it would run past the window's end."""
        ends = [span.end_ns for span in self.spans] + [line.time_ns for line in self.logs]
        last = max(ends)
        overflow = last - window.end_ns + 1_000_000
        if overflow <= 0:
            return
        for span in self.spans:
            span.start_ns -= overflow
            span.end_ns -= overflow
            for event in span.events:
                event.time_ns -= overflow
        for line in self.logs:
            line.time_ns -= overflow

    # -- the server side ---------------------------------------------------------------

    def serve(self, service: Service, operation: Operation, parent: str, start_ns: int) -> Step:
        """Run `operation` on a pod of `service`; the answer its caller gets back."""
        pod = self.system.fleet.pick(service, start_ns)
        entry = not parent
        kind = SpanKind.CONSUMER if operation.protocol is Protocol.MESSAGING else SpanKind.SERVER
        attributes = server_attributes(service, operation, self.rng, entry=entry)
        role = server_role(operation)
        span = self.open(
            pod, role, operation.name, kind, at=start_ns, parent=parent, attributes=attributes
        )
        effect = self._effect(service, operation, pod, start_ns)
        t = start_ns + self.ms(operation.self_ms * 0.5) + self._delay(effect)
        # Background noise strikes requests the fault spared, so each trace tells one story.
        quiet = effect is None
        if quiet and self.noisy(service.name, operation.name, NoiseKind.VALIDATION):
            thrown = self.throw(ErrorKind.VALIDATION, self.site(pod, operation))
            failure = Failure(Mode.REJECTED, 422, "INVALID_ARGUMENT", thrown.message)
            verdict = Verdict(t, failure, thrown, own=True)
        elif quiet and self.noisy(service.name, operation.name, NoiseKind.NOT_FOUND):
            failure = Failure(
                Mode.REJECTED, 404, "NOT_FOUND", "not found", '{"detail":"Not Found"}'
            )
            verdict = Verdict(t, failure)
        else:
            verdict = self._run(pod, operation, span, t, effect)
        abort = entry and self.noisy(service.name, operation.name, NoiseKind.CLIENT_ABORT)
        if verdict.failure is None and verdict.thrown is None and abort:
            thrown = self.throw(ErrorKind.CLIENT_ABORT, self.site(pod, operation))
            failure = Failure(Mode.CANCELLED, 0, "CANCELLED", thrown.message)
            verdict = Verdict(verdict.end_ns, failure, thrown, own=True)
        span.end_ns = verdict.end_ns + self.ms(operation.self_ms * 0.5)
        return Step(span.end_ns, self._close(span, operation, verdict))

    def _effect(
        self, service: Service, operation: Operation, pod: Pod, at_ns: int
    ) -> Effect | None:
        """What the fault does to this request, if it is at the faulty service at all."""
        plan = self.system.plan
        if plan is None or service.name != plan.service or plan.kind is FaultKind.EXTERNAL_OUTAGE:
            return None
        if plan.kind in (FaultKind.BAD_DEPLOY, FaultKind.FAILING_DEPENDENCY):
            hit = self._poisoned(plan.rate)
        else:
            hit = self.rng.random() < plan.rate
        if plan.kind is FaultKind.BAD_DEPLOY:
            new_code = operation.name == plan.operation and pod.version == plan.new_version
            return Effect.THROW if new_code and hit else None
        if at_ns < plan.start_ns:
            return None
        if plan.kind is FaultKind.TIMEOUT_CASCADE:
            return Effect.SLOW if hit else Effect.SLOWISH
        if operation.name != plan.operation:
            return None
        if plan.kind is FaultKind.DB_POOL_EXHAUSTION:
            return Effect.POOL_TIMEOUT if hit else Effect.POOL_WAIT
        return Effect.THROW if hit else None

    def _poisoned(self, rate: float) -> bool:
        """Whether this request's content trips the bug. Decided once per trace: a code bug
        fails the same request again on every retry, unlike a transient fault."""
        if self.poisoned is None:
            self.poisoned = self.rng.random() < rate
        return self.poisoned

    def _delay(self, effect: Effect | None) -> int:
        """Time a slow service loses before doing any work (GC pauses, CPU throttling)."""
        plan = self.system.plan
        if plan is None or effect not in (Effect.SLOW, Effect.SLOWISH):
            return 0
        if effect is Effect.SLOW:
            self.fault_hit = True
            return int(plan.slow_ms * self.rng.uniform(0.85, 1.25) * NS_PER_MS)
        return int(plan.slow_ms * self.rng.uniform(0.03, 0.25) * NS_PER_MS)

    def _run(
        self, pod: Pod, operation: Operation, span: SpanDraft, t: int, effect: Effect | None
    ) -> Verdict:
        """The operation's calls in order, until one fails in a way the code does not absorb."""
        plan = self.system.plan
        caller = Caller(pod, operation, span)
        for index, call in enumerate(operation.calls):
            if effect is Effect.THROW and plan is not None and index == plan.step:
                break
            if self.rng.random() >= call.probability:
                continue
            step = self.call(caller, call, t, effect)
            if call.repository and effect in (Effect.POOL_TIMEOUT, Effect.POOL_WAIT):
                effect = None  # the connection, once held, serves the rest of the request
            t = step.end_ns + self.ms(0.3)
            if step.failure is None:
                continue
            if call.optional:
                reason = step.failure.detail or status_line(step.failure.status)
                self.logs.append(applogs.fallback_log(span, operation, reason, at=t))
                continue
            if step.failure.mode is Mode.REJECTED:
                return Verdict(t, step.failure)
            if step.thrown is not None:
                return Verdict(t, step.failure, step.thrown, own=True)
            protocol = step.site.protocol if step.site else "http"
            thrown = self.throw(
                wrapper_kind(protocol, step.failure), self.site(pod, operation, step.site)
            )
            return Verdict(t, step.failure, thrown)
        if effect is Effect.THROW and plan is not None:
            self.fault_hit = True
            kind = (
                ErrorKind.DEPLOY_BUG if plan.kind is FaultKind.BAD_DEPLOY else ErrorKind.APP_FAULT
            )
            return Verdict(t, None, self.throw(kind, self.site(pod, operation)), own=True)
        return Verdict(t)

    def _close(self, span: SpanDraft, operation: Operation, verdict: Verdict) -> Failure | None:
        """Set the server span's status and attributes; the failure its caller receives."""
        service = span.pod.service
        failure, thrown = verdict.failure, verdict.thrown
        if failure is None and thrown is None:
            _respond(span, operation, 0, "OK")
            if span.end_ns - span.start_ns > applogs.SLOW_REQUEST_MS * NS_PER_MS:
                self.logs.append(applogs.slow_log(span, operation))
            elif self.rng.random() < applogs.INFO_SAMPLE:
                self.logs.append(applogs.request_log(span, operation, self.rng))
            return None
        if failure is not None and failure.mode in (Mode.REJECTED, Mode.CANCELLED):
            # 4xx answers leave a server span unset unless the code itself flagged the error.
            _respond(span, operation, failure.status, failure.grpc)
            if thrown is not None:
                span.status = STATUS_ERROR
                span.status_message = _status_message(service, thrown)
                self.record(span, thrown, escaped=failure.mode is Mode.CANCELLED)
            return failure
        path = str(span.attributes.get("url.path", operation.route))
        below = None if verdict.own else failure
        reply = answer(
            service.language, operation.protocol, below, thrown, path=path, time_ns=span.end_ns
        )
        _respond(span, operation, reply.status, reply.grpc)
        span.status = STATUS_ERROR
        span.status_message = _status_message(service, thrown)
        if thrown is not None and (verdict.own or service.records_propagated):
            self.record(span, thrown)
        reason = thrown.message if thrown else status_line(reply.status)
        self.logs.append(applogs.error_log(span, operation, thrown, reason))
        return reply

    # -- the client side: calls to services, databases, caches, APIs and topics ---------

    def call(self, caller: Caller, call: Call, t: int, effect: Effect | None) -> Step:
        """Make one call step of the caller's operation; its end time and failure, if any."""
        topology = self.system.topology
        dependency = topology.dependency(call.target)
        if dependency is None:
            return self._call_service(caller, call, topology.service(call.target), t)
        if dependency.kind is DependencyKind.DATABASE:
            return self._call_database(caller, call, dependency, t, effect)
        if dependency.kind is DependencyKind.CACHE:
            return self._call_cache(caller, call, dependency, t)
        if dependency.kind is DependencyKind.EXTERNAL:
            return self._call_external(caller, call, dependency, t)
        return self._publish(caller, call, dependency, t)

    def _call_service(self, caller: Caller, call: Call, callee: Service, t: int) -> Step:
        """A call to another service: its server side runs inside each attempt's client span."""
        target = callee.operation(call.operation)
        grpc = target.protocol is Protocol.GRPC
        name, attributes = service_call_attributes(callee, target, self.rng)
        site = CallSite(
            via=caller_frame(call, None),
            peer=callee.name,
            protocol="grpc" if grpc else "http",
            host=callee.name,
            port=callee.port,
            route=target.name if grpc else target.route,
            method=target.method,
            url=str(attributes.get("url.full", "")),
            timeout_ms=call.timeout_ms,
        )
        role = "grpc_client" if grpc else "http_client"

        def attempt(t: int) -> tuple[int, Failure | None]:
            client = self._open_for(
                caller, role, name, SpanKind.CLIENT, at=t, attributes=dict(attributes)
            )
            answer = self.serve(callee, target, client.span_id, t + self.ms(0.4))
            deadline = t + call.timeout_ms * NS_PER_MS
            received = answer.end_ns + self.ms(0.4)
            if received > deadline:
                client.end_ns = deadline + self.ms(0.2)
                return client.end_ns, self._timed_out(caller, client, site)
            client.end_ns = received
            finish_client(client, grpc, answer.failure)
            return client.end_ns, answer.failure

        return self._with_retries(caller, call, site, attempt, t)

    def _call_database(
        self, caller: Caller, call: Call, dependency: Dependency, t: int, effect: Effect | None
    ) -> Step:
        """A query, inside the repository span when the code has one; the pool may be dry."""
        pod = caller.pod
        name, verb, table = statement_parts(dependency, call.operation)
        parent_id, repository = caller.span.span_id, None
        plan = self.system.plan
        if call.repository:
            module, _, function = call.repository.rpartition(".")
            attributes: dict[str, AttrValue] = {
                "code.namespace": f"{pod.service.package}.repository.{module}".lstrip("."),
                "code.function": function,
            }
            repository = self.open(
                pod,
                "internal",
                call.repository,
                SpanKind.INTERNAL,
                at=t,
                parent=parent_id,
                attributes=attributes,
            )
            parent_id = repository.span_id
            t += self.ms(0.08)
            if plan is not None and effect is Effect.POOL_TIMEOUT:
                return self._pool_timeout(caller, call, dependency, repository)
            if plan is not None and effect is Effect.POOL_WAIT:
                t += int(plan.pool_timeout_ms * self.rng.uniform(0.02, 0.45) * NS_PER_MS)
        attributes = database_attributes(dependency, call.operation, verb, table)
        query = self.open(
            pod, "database", name, SpanKind.CLIENT, at=t, parent=parent_id, attributes=attributes
        )
        query.end_ns = t + self.ms(_DB_MS.get(verb, 3.0))
        t = query.end_ns
        if repository is not None:
            repository.end_ns = t + self.ms(0.05)
            t = repository.end_ns
        return Step(t)

    def _pool_timeout(
        self, caller: Caller, call: Call, dependency: Dependency, repository: SpanDraft
    ) -> Step:
        """No connection came back within the pool timeout: the repository span fails long."""
        pod, operation, t = caller.pod, caller.operation, repository.start_ns
        plan = self.system.plan
        timeout = plan.pool_timeout_ms if plan else 30000
        site = CallSite(
            via=caller_frame(call, dependency),
            peer=dependency.name,
            protocol="db",
            host=dependency.host,
            port=dependency.port,
            route=dependency.database,
            method=call.repository.rpartition(".")[2],
            timeout_ms=timeout,
        )
        repository.end_ns = t + timeout * NS_PER_MS + self.ms(2.0)
        thrown = self.throw(ErrorKind.POOL_EXHAUSTED, self.site(pod, operation, site))
        repository.status = STATUS_ERROR
        repository.status_message = thrown.message
        self.record(repository, thrown)
        self.fault_hit = True
        wrapper = self.throw(ErrorKind.POOL_WRAPPER, self.site(pod, operation, site))
        return Step(repository.end_ns, Failure(Mode.ERROR, 500), site, wrapper)

    def _call_cache(self, caller: Caller, call: Call, dependency: Dependency, t: int) -> Step:
        """A cache command; now and then it times out and the code falls back (noise)."""
        pod, operation = caller.pod, caller.operation
        name, verb, _ = statement_parts(dependency, call.operation)
        attributes = database_attributes(dependency, call.operation, verb, "")
        span = self._open_for(caller, "cache", name, SpanKind.CLIENT, at=t, attributes=attributes)
        service = pod.service
        if not self.noisy(service.name, operation.name, NoiseKind.CACHE_TIMEOUT, dependency.name):
            span.end_ns = t + self.ms(0.4)
            return Step(span.end_ns)
        # A flaky cache read: the span fails, the service falls back to its database.
        span.end_ns = t + _CACHE_TIMEOUT_MS[service.language] * NS_PER_MS + self.ms(0.5)
        site = CallSite(
            via=caller_frame(call, dependency),
            peer=dependency.name,
            protocol="cache",
            host=dependency.host,
            port=dependency.port,
            route=verb,
        )
        thrown = self.throw(ErrorKind.CACHE_TIMEOUT, self.site(pod, operation, site))
        span.status, span.status_message = STATUS_ERROR, thrown.message
        span.attributes["error.type"] = thrown.type
        self.record(span, thrown)
        fallback = applogs.fallback_log(caller.span, operation, thrown.message, at=span.end_ns)
        self.logs.append(fallback)
        return Step(span.end_ns + self.ms(3.0))

    def _call_external(self, caller: Caller, call: Call, dependency: Dependency, t: int) -> Step:
        """A third-party API call, with retries; during an outage it answers 503 or hangs."""
        plan = self.system.plan
        down = (
            plan is not None
            and plan.kind is FaultKind.EXTERNAL_OUTAGE
            and plan.dependency == dependency.name
            and t >= plan.start_ns
        )
        name, attributes = external_attributes(dependency, call.operation, self.rng)
        method, _, route = call.operation.partition(" ")
        site = CallSite(
            via=caller_frame(call, dependency),
            peer=dependency.name,
            protocol="http",
            host=dependency.host,
            port=dependency.port,
            route=route,
            method=method,
            url=str(attributes["url.full"]),
            timeout_ms=call.timeout_ms,
        )
        typical_ms = 60 + zlib.crc32(dependency.name.encode()) % 340  # stable per API

        def attempt(t: int) -> tuple[int, Failure | None]:
            client = self._open_for(
                caller, "http_client", name, SpanKind.CLIENT, at=t, attributes=dict(attributes)
            )
            if not (down and plan is not None and self.rng.random() < plan.rate):
                client.end_ns = t + self.ms(typical_ms, 0.35)
                finish_client(client, False, None)
                return client.end_ns, None
            self.fault_hit = True
            if self.rng.random() < 0.7:
                client.end_ns = t + self.ms(45.0)
                body = VENDOR_503.get(dependency.name, VENDOR_503[""])
                failure = Failure(Mode.UNAVAILABLE, 503, "UNAVAILABLE", status_line(503), body)
                finish_client(client, False, failure)
                return client.end_ns, failure
            client.end_ns = t + call.timeout_ms * NS_PER_MS + self.ms(0.3)
            return client.end_ns, self._timed_out(caller, client, site)

        return self._with_retries(caller, call, site, attempt, t)

    def _publish(self, caller: Caller, call: Call, dependency: Dependency, t: int) -> Step:
        """Publish to a topic; each consumer picks the message up a little later, same trace."""
        name = f"{call.operation} publish"
        attributes = producer_attributes(dependency, call.operation)
        span = self._open_for(
            caller, "producer", name, SpanKind.PRODUCER, at=t, attributes=attributes
        )
        span.end_ns = t + self.ms(1.5)
        for service, operation in self.system.topology.consumers(call.operation):
            self.serve(service, operation, span.span_id, span.end_ns + self.ms(40.0, 0.8))
        return Step(span.end_ns)

    def _with_retries(
        self,
        caller: Caller,
        call: Call,
        site: CallSite,
        attempt: Callable[[int], tuple[int, Failure | None]],
        t: int,
    ) -> Step:
        """Make `attempt`s (each one client span from a time: its end and failure) until one
        succeeds, the callee rejects the request, or `call.retries` are spent; each retry is
        logged and backs off."""
        tries = 0
        while True:
            t, failure = attempt(t)
            if failure is None:
                return Step(t)
            if failure.mode is Mode.REJECTED or tries >= call.retries:
                return Step(t, failure, _failed(site, failure))
            t += self._retry(caller, site.peer, tries, failure.detail or "timeout", t)
            tries += 1

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

    # -- building blocks -------------------------------------------------------------------

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
        """A new span of this trace, started at `at`, under the instrumentation scope of `role`."""
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

    def _open_for(
        self,
        caller: Caller,
        role: str,
        name: str,
        kind: SpanKind,
        *,
        at: int,
        attributes: dict[str, AttrValue],
    ) -> SpanDraft:
        """A span the caller's operation opens for one of its calls, under its own span."""
        parent = caller.span.span_id
        return self.open(caller.pod, role, name, kind, at=at, parent=parent, attributes=attributes)

    def site(self, pod: Pod, operation: Operation, call: CallSite | None = None) -> ThrowSite:
        """Where `pod` throws while serving `operation`, about `call` when one failed."""
        service, plan = pod.service, self.system.plan
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
        """The exception `site`'s runtime records for `kind`."""
        return throw(kind, site, self.rng)

    def noisy(self, service: str, operation: str, kind: NoiseKind, target: str = "") -> bool:
        """Whether background noise of `kind` strikes this request."""
        for item in self.system.noise.get((service, operation), ()):
            if item.kind is kind and item.target == target and self.rng.random() < item.rate:
                return True
        return False

    def record(self, span: SpanDraft, thrown: Thrown, *, escaped: bool = True) -> None:
        """Add `thrown` to `span` as an exception event just before the span ends."""
        span.events.append(ExceptionEvent(max(span.start_ns, span.end_ns - 1000), thrown, escaped))


def _failed(site: CallSite, failure: Failure) -> CallSite:
    """The call site with what came back, for the caller's exception."""
    return dataclasses.replace(
        site,
        status=failure.status,
        grpc_code=failure.grpc,
        body=failure.body,
        detail=failure.detail,
    )


def _status_message(service: Service, thrown: Thrown | None) -> str:
    """Java's agent leaves the description empty; FastAPI writes `Type: message`; Go and
    Express apps pass the error text to SetStatus."""
    if thrown is None or service.language is Language.JAVA:
        return ""
    if service.language is Language.PYTHON:
        return f"{thrown.type.rsplit('.', 1)[-1]}: {thrown.message}"
    return thrown.message


def _respond(span: SpanDraft, operation: Operation, status: int, grpc: str) -> None:
    """The response attribute of a server span: HTTP status or gRPC code."""
    if operation.protocol is Protocol.GRPC:
        span.attributes["rpc.grpc.status_code"] = GRPC_CODES.get(grpc, 2)
    elif operation.protocol is Protocol.HTTP:
        default = 201 if operation.method == "POST" else 200
        span.attributes["http.response.status_code"] = status or default
