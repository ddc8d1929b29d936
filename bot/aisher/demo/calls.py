"""The client side of a request: calls to services, databases, caches, APIs and topics.

`CallRunner` knows how each kind of call looks: a client span per attempt, retries with
backoff, timeouts at the caller's deadline, the Spring Data repository span around a query,
the producer span that starts a consumer's work.
"""

from __future__ import annotations

import dataclasses
import zlib
from abc import ABC, abstractmethod

from aisher.demo import applogs
from aisher.demo.faults import FaultKind
from aisher.demo.instrumentation import (
    database_attributes,
    external_attributes,
    producer_attributes,
    service_call_attributes,
)
from aisher.demo.propagation import VENDOR_503, Failure, Mode, finish_client
from aisher.demo.recorder import NS_PER_MS, Caller, TraceRecorder
from aisher.demo.spans import STATUS_ERROR, AttrValue, SpanDraft, SpanKind
from aisher.demo.stacktraces import CallSite, ErrorKind, Language, status_line
from aisher.demo.topology import (
    Call,
    Dependency,
    DependencyKind,
    NoiseKind,
    Operation,
    Protocol,
    Service,
    caller_frame,
    statement_parts,
)
from aisher.demo.world import Effect, Step

_CACHE_TIMEOUT_MS = {
    Language.JAVA: 1000,
    Language.PYTHON: 500,
    Language.GO: 300,
    Language.NODEJS: 500,
}
_DB_MS = {"SELECT": 1.4, "INSERT": 2.6, "UPDATE": 2.9, "find": 2.0, "search": 14.0}


def _failed(site: CallSite, failure: Failure) -> CallSite:
    """The call site with what came back, for the caller's exception."""
    return dataclasses.replace(
        site,
        status=failure.status,
        grpc_code=failure.grpc,
        body=failure.body,
        detail=failure.detail,
    )


class CallRunner(TraceRecorder, ABC):
    """The calls an operation makes, each as the spans and logs it leaves.

    A call to another service recurses into that service's server side, which the trace
    builder (traffic.py) provides as `serve`.
    """

    @abstractmethod
    def serve(self, service: Service, operation: Operation, parent: str, start_ns: int) -> Step:
        """Run `operation` on a pod of `service` for a caller; the answer the caller gets."""

    def call(self, caller: Caller, call: Call, t: int, effect: Effect | None) -> Step:
        """Make one call step of the caller's operation; its end time and failure, if any."""
        topology = self.world.topology
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
        attempt = 0
        while True:
            role = "grpc_client" if grpc else "http_client"
            client = self.open(
                caller.pod,
                role,
                name,
                SpanKind.CLIENT,
                at=t,
                parent=caller.span.span_id,
                attributes=dict(attributes),
            )
            answer = self.serve(callee, target, client.span_id, t + self.ms(0.4))
            deadline = t + call.timeout_ms * NS_PER_MS
            received = answer.end_ns + self.ms(0.4)
            failure: Failure | None
            if received > deadline:
                client.end_ns = deadline + self.ms(0.2)
                failure = self._timed_out(caller, client, site)
            else:
                client.end_ns, failure = received, answer.failure
                finish_client(client, grpc, failure)
            t = client.end_ns
            if failure is None:
                return Step(t)
            if failure.mode is Mode.REJECTED or attempt >= call.retries:
                return Step(t, failure, _failed(site, failure))
            t += self._retry(caller, callee.name, attempt, failure.detail or "timeout", t)
            attempt += 1

    def _call_database(
        self, caller: Caller, call: Call, dependency: Dependency, t: int, effect: Effect | None
    ) -> Step:
        """A query, inside the repository span when the code has one; the pool may be dry."""
        pod = caller.pod
        name, verb, table = statement_parts(dependency, call.operation)
        parent_id, repository = caller.span.span_id, None
        plan = self.world.plan
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
        plan = self.world.plan
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
        span = self.open(
            pod,
            "cache",
            name,
            SpanKind.CLIENT,
            at=t,
            parent=caller.span.span_id,
            attributes=attributes,
        )
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

    def _external_ms(self, dependency: Dependency) -> float:
        """A stable typical latency per third-party API, between 60 and 400 ms."""
        return 60 + zlib.crc32(dependency.name.encode()) % 340

    def _call_external(self, caller: Caller, call: Call, dependency: Dependency, t: int) -> Step:
        """A third-party API call, with retries; during an outage it answers 503 or hangs."""
        plan = self.world.plan
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
        attempt = 0
        while True:
            client = self.open(
                caller.pod,
                "http_client",
                name,
                SpanKind.CLIENT,
                at=t,
                parent=caller.span.span_id,
                attributes=dict(attributes),
            )
            failure: Failure | None = None
            if down and plan is not None and self.rng.random() < plan.rate:
                self.fault_hit = True
                if self.rng.random() < 0.7:
                    client.end_ns = t + self.ms(45.0)
                    body = VENDOR_503.get(dependency.name, VENDOR_503[""])
                    failure = Failure(Mode.UNAVAILABLE, 503, "UNAVAILABLE", status_line(503), body)
                    finish_client(client, False, failure)
                else:
                    client.end_ns = t + call.timeout_ms * NS_PER_MS + self.ms(0.3)
                    failure = self._timed_out(caller, client, site)
            else:
                client.end_ns = t + self.ms(self._external_ms(dependency), 0.35)
                finish_client(client, False, None)
            t = client.end_ns
            if failure is None:
                return Step(t)
            if attempt >= call.retries:
                return Step(t, failure, _failed(site, failure))
            t += self._retry(caller, dependency.name, attempt, failure.detail, t)
            attempt += 1

    def _publish(self, caller: Caller, call: Call, dependency: Dependency, t: int) -> Step:
        """Publish to a topic; each consumer picks the message up a little later, same trace."""
        name = f"{call.operation} publish"
        attributes = producer_attributes(dependency, call.operation)
        span = self.open(
            caller.pod,
            "producer",
            name,
            SpanKind.PRODUCER,
            at=t,
            parent=caller.span.span_id,
            attributes=attributes,
        )
        span.end_ns = t + self.ms(1.5)
        for service, operation in self.world.topology.consumers(call.operation):
            self.serve(service, operation, span.span_id, span.end_ns + self.ms(40.0, 0.8))
        return Step(span.end_ns)
