"""Walks the platform's operations request by request, writing the spans and logs they leave.

A call to a service makes a client span in the caller and a server span in the callee; a call to
a dependency makes only the client span. A client that gives up at its timeout ends its span
there while the callee carries on, so the callee's spans end after their parent. Effects decide
where time is lost and what fails; `_finish_server` and `_finish_client` decide how that shows
(status, status codes, exception events, logs) the way OpenTelemetry instrumentation records it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.incidents.generator import errors
from tests.incidents.generator.effects import GRPC_ATTR, HTTP_ATTR, LOG, STATUS, Effects
from tests.incidents.generator.fleet import Fleet
from tests.incidents.generator.logs import LogWriter
from tests.incidents.generator.model import (
    CLIENT,
    ERROR,
    NS_PER_MS,
    PRODUCER,
    ErrorDetail,
    Instance,
    Span,
)
from tests.incidents.generator.topology import (
    CONSUMERS,
    DEPENDENCIES,
    DEPENDENCY_CALLS,
    OPERATIONS,
    SERVICES,
    Operation,
    Step,
    is_service,
)

_GRPC_SERVER_ERRORS = {2, 4, 12, 13, 14, 15}  # codes a gRPC server span marks as an error
_CLIENT_SCOPES = {
    "python": "opentelemetry.instrumentation.httpx",
    "nodejs": "@opentelemetry/instrumentation-undici",
    "java": "io.opentelemetry.okhttp-3.0",
    "go": "go.opentelemetry.io/contrib/otelhttp",
}
_DB_SCOPES = {
    "python": "opentelemetry.instrumentation.sqlalchemy",
    "nodejs": "@opentelemetry/instrumentation-pg",
    "java": "io.opentelemetry.jdbc",
    "go": "github.com/XSAM/otelsql",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a call ended, as its caller sees it."""

    end_ns: int
    error: ErrorDetail | None = None
    quiet: bool = False  # the error shows only in status-code attributes and logs

    @property
    def rejected(self) -> bool:
        """A client error (4xx, NOT_FOUND): the caller answers in kind instead of failing."""
        if self.error is None:
            return False
        status = self.error.http_status
        return (status is not None and 400 <= status < 500) or self.error.grpc_code in {3, 5, 6}


class Simulator:
    """Generates traces through the platform under a set of effects."""

    def __init__(self, rng: random.Random, effects: Effects) -> None:
        self.rng = rng
        self.effects = effects
        self.fleet = Fleet(rng)
        self.spans: list[Span] = []
        self.logs = LogWriter(rng)

    def run_trace(self, entry: str, start_ns: int) -> None:
        trace_id = f"{self.rng.getrandbits(128):032x}"
        operation = OPERATIONS[entry]
        if self.effects.outage(operation.service, start_ns) is None:
            self.serve(operation, start_ns, trace_id, parent_id="")

    def serve(self, op: Operation, start_ns: int, trace_id: str, parent_id: str) -> Outcome:
        """Run `op` on one replica of its service from `start_ns`."""
        rng, service = self.rng, op.service
        replica = rng.randrange(SERVICES[service].replicas)
        instance = self._instance(service, replica, start_ns)
        span = self._span(
            instance,
            SERVICES[service].scope,
            op.name,
            op.kind,
            trace_id=trace_id,
            parent_id=parent_id,
        )
        span.start_ns = start_ns
        fault = self.effects.fault(service, op.name, start_ns, replica, rng)
        fail_before = rng.randrange(len(op.steps) + 1) if fault else len(op.steps)
        extra = self.effects.extra_ms(service, op.name, start_ns, replica, rng)
        now = start_ns + self._ms(op.self_ms * 0.4 + extra)
        outcome_error: ErrorDetail | None = None
        quiet = False
        for index, step in enumerate(op.steps):
            if index == fail_before:
                break
            if step.probability < 1.0 and rng.random() >= step.probability:
                continue
            result = self.call(step, now, span, replica)
            now = result.end_ns
            if result.error is not None and not step.optional:
                if result.rejected:
                    outcome_error = _rejection(result.error)
                else:
                    outcome_error = errors.propagated(service, result.error, op.name)
                    quiet = result.quiet
                break
        now += self._ms(op.self_ms * 0.6)
        if fault is not None and outcome_error is None:
            now += int(fault.after_ms * NS_PER_MS)
            if fault.report == LOG:
                self.logs.failure(span, op.name, fault.error, now)
            else:
                outcome_error, quiet = fault.error, fault.report in (HTTP_ATTR, GRPC_ATTR)
        span.end_ns = now
        self._finish_server(span, op, outcome_error, quiet)
        return Outcome(now, outcome_error, quiet)

    def call(self, step: Step, start_ns: int, parent: Span, replica: int) -> Outcome:
        """Make one step's call, retrying as the step allows."""
        outcome = Outcome(start_ns)
        for attempt in range(step.attempts):
            outcome = self._attempt(step, start_ns, parent, replica)
            if attempt + 1 == step.attempts or not _retryable(outcome):
                break
            start_ns = outcome.end_ns + self._ms(50.0 * (attempt + 1))
            self.logs.retry(parent, step.target, outcome.error, start_ns)
        return outcome

    def _attempt(self, step: Step, start_ns: int, parent: Span, replica: int) -> Outcome:
        rng, caller, trace_id = self.rng, parent.instance, parent.trace_id
        client = self._client_span(step, parent)
        client.start_ns = start_ns
        client_fault = self.effects.fault(
            step.target,
            step.operation,
            start_ns,
            replica,
            rng,
            caller=caller.service,
            client_side=True,
        )
        if client_fault is not None:
            end = start_ns + self._ms(0.3) + int(client_fault.after_ms * NS_PER_MS)
            return self._end_client(client, Outcome(end, client_fault.error), client_fault.report)
        outage = self.effects.outage(step.target, start_ns)
        if outage is not None:
            if outage.hide_address:
                for key in ("server.address", "server.port", "peer.service", "url.full"):
                    client.attributes.pop(key, None)
            wait = (
                outage.wait_ms if step.timeout_ms is None else min(outage.wait_ms, step.timeout_ms)
            )
            end = start_ns + self._ms(wait)
            return self._end_client(client, Outcome(end, outage.errors[caller.service]), STATUS)
        network = self._ms(0.8)
        if is_service(step.target):
            callee = self.serve(
                OPERATIONS[step.operation], start_ns + network, trace_id, client.span_id
            )
            outcome = Outcome(callee.end_ns + network, callee.error, callee.quiet)
        else:
            outcome, report = self._dependency(step, start_ns, caller, replica)
            if report == LOG:
                report = STATUS
            if outcome.error is not None and report != STATUS:
                outcome = Outcome(outcome.end_ns, outcome.error, quiet=True)
        if step.timeout_ms is not None and outcome.end_ns - start_ns > step.timeout_ms * NS_PER_MS:
            end = start_ns + int(step.timeout_ms * NS_PER_MS)
            timeout = self._timeout(caller.service, step)
            return self._end_client(client, Outcome(end, timeout), STATUS)
        outcome = self._end_client(client, outcome, HTTP_ATTR if outcome.quiet else STATUS)
        call = DEPENDENCY_CALLS.get(step.operation)
        if call is not None and call.kind == PRODUCER and outcome.error is None:
            consumer = OPERATIONS[CONSUMERS[call.dependency]]
            delay = self._ms(rng.uniform(5.0, 250.0))
            if self.effects.outage(consumer.service, outcome.end_ns + delay) is None:
                self.serve(consumer, outcome.end_ns + delay, trace_id, client.span_id)
        return outcome

    def _dependency(
        self, step: Step, start_ns: int, caller: Instance, replica: int
    ) -> tuple[Outcome, str]:
        call = DEPENDENCY_CALLS[step.operation]
        rng = self.rng
        duration = call.median_ms * rng.lognormvariate(0.0, 0.35)
        duration += self.effects.extra_ms(call.dependency, step.operation, start_ns, None, rng)
        fault = self.effects.fault(
            call.dependency, step.operation, start_ns, None, rng, caller=caller.service
        )
        if fault is None:
            return Outcome(start_ns + self._ms(duration)), STATUS
        end = start_ns + self._ms(duration) + int(fault.after_ms * NS_PER_MS)
        return Outcome(end, fault.error), fault.report

    def _end_client(self, span: Span, outcome: Outcome, report: str) -> Outcome:
        span.end_ns = outcome.end_ns
        error = outcome.error
        quiet = report != STATUS or outcome.quiet
        http_status = (error.http_status if error else None) or 200
        if "rpc.system" in span.attributes:
            span.attributes["rpc.grpc.status_code"] = (error.grpc_code or 2) if error else 0
        elif "http.request.method" in span.attributes:
            span.attributes["http.response.status_code"] = http_status
        if error is not None and not quiet:
            span.status, span.status_message = ERROR, error.message[:200]
            span.exception, span.exception_ns = error, outcome.end_ns
        return Outcome(outcome.end_ns, error, quiet)

    def _finish_server(
        self, span: Span, op: Operation, error: ErrorDetail | None, quiet: bool
    ) -> None:
        if op.protocol == "grpc":
            code = (error.grpc_code or 2) if error else 0
            span.attributes.update(
                {
                    "rpc.system": "grpc",
                    "rpc.service": op.route,
                    "rpc.method": op.method,
                    "rpc.grpc.status_code": code,
                    "server.port": 50051,
                }
            )
            marks_error = code in _GRPC_SERVER_ERRORS
        elif op.protocol == "http":
            status = (error.http_status or 500) if error else (201 if op.method == "POST" else 200)
            span.attributes.update(
                {
                    "http.request.method": op.method,
                    "http.route": op.route,
                    "url.scheme": "http",
                    "url.path": op.route.replace("{id}", "shp_" + span.span_id[:8]).replace(
                        ":code", "LX" + span.span_id[8:14]
                    ),
                    "http.response.status_code": status,
                    "server.port": 8080,
                }
            )
            marks_error = status >= 500
        else:
            span.attributes.update(
                {
                    "messaging.system": "kafka",
                    "messaging.operation": "process",
                    "messaging.destination.name": op.route,
                    "messaging.kafka.consumer.group": span.instance.service,
                }
            )
            marks_error = error is not None
        if error is None:
            self.logs.access(span, op.name)
            return
        if marks_error and not quiet:
            span.status, span.status_message = ERROR, error.message[:200]
            span.exception, span.exception_ns = error, span.end_ns
        if marks_error or quiet:
            self.logs.failure(span, op.name, error, span.end_ns)
        else:
            self.logs.rejection(span, op.name, error, span.end_ns)

    def _client_span(self, step: Step, parent: Span) -> Span:
        caller, trace_id, parent_id = parent.instance, parent.trace_id, parent.span_id
        language = caller.language
        if is_service(step.target):
            target = OPERATIONS[step.operation]
            if target.protocol == "grpc":
                span = self._span(
                    caller,
                    "grpc-client",
                    target.name,
                    CLIENT,
                    trace_id=trace_id,
                    parent_id=parent_id,
                )
                span.attributes.update(
                    {
                        "rpc.system": "grpc",
                        "rpc.service": target.route,
                        "rpc.method": target.method,
                        "server.address": step.target,
                        "server.port": 50051,
                    }
                )
                return span
            scope = _CLIENT_SCOPES[language]
            span = self._span(
                caller, scope, target.method, CLIENT, trace_id=trace_id, parent_id=parent_id
            )
            span.attributes.update(
                {
                    "http.request.method": target.method,
                    "server.address": step.target,
                    "server.port": 8080,
                    "url.full": f"http://{step.target}:8080{target.route}",
                }
            )
            return span
        call = DEPENDENCY_CALLS[step.operation]
        spec = DEPENDENCIES[call.dependency]
        scope = _DB_SCOPES[language] if spec.database else _CLIENT_SCOPES[language]
        span = self._span(
            caller, scope, call.name, call.kind, trace_id=trace_id, parent_id=parent_id
        )
        span.attributes.update(call.attributes)
        span.attributes.update(
            {
                "server.address": spec.address,
                "server.port": spec.port,
                "peer.service": call.dependency,
            }
        )
        if spec.system in ("postgresql", "mysql", "redis"):
            span.attributes["db.system"] = spec.system
            if spec.database:
                span.attributes["db.name"] = spec.database
        return span

    def _timeout(self, caller: str, step: Step) -> ErrorDetail:
        assert step.timeout_ms is not None
        if is_service(step.target):
            target = OPERATIONS[step.operation]
            return errors.timeout_error(
                caller, step.target, target.protocol, step.timeout_ms, target.route
            )
        return errors.dependency_timeout(caller, step.target, step.timeout_ms)

    def _instance(self, service: str, replica: int, time_ns: int) -> Instance:
        return self.fleet.instance(
            service, replica, self.effects.version(service, replica, time_ns)
        )

    def _span(
        self, instance: Instance, scope: str, name: str, kind: int, *, trace_id: str, parent_id: str
    ) -> Span:
        span = Span(
            trace_id,
            f"{self.rng.getrandbits(64):016x}",
            parent_id,
            instance,
            scope,
            name,
            kind,
            0,
            0,
        )
        self.spans.append(span)
        return span

    def _ms(self, median_ms: float) -> int:
        """A duration around `median_ms`, in nanoseconds."""
        return int(median_ms * self.rng.lognormvariate(0.0, 0.3) * NS_PER_MS) + 1000


def _retryable(outcome: Outcome) -> bool:
    """Clients retry failures and rate limits, not other client errors."""
    if outcome.error is None:
        return False
    return not outcome.rejected or outcome.error.http_status == 429


def _rejection(error: ErrorDetail) -> ErrorDetail:
    """What a handler answers when a call it made was refused as a client error."""
    status = error.http_status if error.http_status and error.http_status < 500 else 422
    return ErrorDetail(
        error.exception_type,
        error.message,
        error.stacktrace,
        status,
        5 if error.grpc_code else None,
    )
