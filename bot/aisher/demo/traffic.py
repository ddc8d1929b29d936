"""One user request through a topology, as the trace and log lines it leaves.

`TraceBuilder.request` walks the entry operation's calls depth first, the way the services
would execute them: each server span opens, its calls run in order (with retries and timeouts),
then it closes with the status its runtime would set. The fault plan and the background noise
decide, per request, what goes wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from aisher.demo import applogs
from aisher.demo.calls import CallRunner
from aisher.demo.faults import FaultKind
from aisher.demo.instrumentation import GRPC_CODES, server_attributes, server_role
from aisher.demo.propagation import Failure, Mode, answer, wrapper_kind
from aisher.demo.recorder import NS_PER_MS, Caller
from aisher.demo.spans import STATUS_ERROR, Pod, SpanDraft, SpanKind
from aisher.demo.stacktraces import ErrorKind, Language, Thrown, status_line
from aisher.demo.topology import NoiseKind, Operation, Protocol, Service
from aisher.demo.world import Effect, Step


@dataclass(slots=True)
class Verdict:
    """How a server operation ended: `own` when the failure began in this service."""

    end_ns: int
    failure: Failure | None = None
    thrown: Thrown | None = None
    own: bool = False


class TraceBuilder(CallRunner):
    """Builds the spans and logs of one trace, from the entry service down."""

    def request(self, operation: str, start_ns: int) -> None:
        """Send one user request to the entry service's `operation` at `start_ns`."""
        entry = self.world.topology.service(self.world.topology.entry)
        self.serve(entry, entry.operation(operation), "", start_ns)

    def serve(self, service: Service, operation: Operation, parent: str, start_ns: int) -> Step:
        """Run `operation` on a pod of `service`; the answer its caller gets back."""
        pod = self.world.fleet.pick(service, start_ns)
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
        plan = self.world.plan
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
        plan = self.world.plan
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
        plan = self.world.plan
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
