"""What goes wrong, where and when: slowdowns, faults, outages and deploys the simulator obeys.

Ordinary noise (expired tokens, declined cards, rate limits) is made of the same effects, active
over the whole baseline and window; an incident adds its own effects on top, active from the
fault's onset.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tests.incidents.generator.model import ErrorDetail

# How a fault shows in the telemetry.
STATUS = "status"  # error status and an exception event, the way instrumentation records them
LOG = "log"  # the handler swallows it: span status unset, only an ERROR log says it failed
HTTP_ATTR = "http-attr"  # 5xx in http.response.status_code, no span anywhere marked as an error
GRPC_ATTR = "grpc-attr"  # an error code in rpc.grpc.status_code, no span marked as an error


@dataclass(frozen=True, slots=True)
class When:
    """The part of the traffic an effect touches: a time range, a share of calls, one replica."""

    start_ns: int
    end_ns: int
    share: float = 1.0
    replica: int | None = None

    def covers(self, time_ns: int, replica: int | None, rng: random.Random) -> bool:
        if not self.start_ns <= time_ns < self.end_ns:
            return False
        if self.replica is not None and replica != self.replica:
            return False
        return self.share >= 1.0 or rng.random() < self.share


@dataclass(frozen=True, slots=True)
class Slowdown:
    """Calls to `target` (a service operation or a dependency call) take `extra_ms` longer."""

    target: str
    operation: str | None
    extra_ms: float
    when: When


@dataclass(frozen=True, slots=True)
class Fault:
    """Calls to `target` fail with `error`.

    A service fault is raised in the service's handler; a dependency fault is what the caller's
    client records when the dependency answers with an error. A `client_side` fault happens in
    `caller`'s own client before anything reaches the target (an exhausted pool, an open
    breaker), after waiting `after_ms`.
    """

    target: str
    operation: str | None
    error: ErrorDetail
    when: When
    caller: str | None = None
    client_side: bool = False
    after_ms: float = 0.0
    report: str = STATUS


@dataclass(frozen=True, slots=True)
class Outage:
    """`target` answers nothing; each caller's client records the error given for it."""

    target: str
    when: When
    errors: Mapping[str, ErrorDetail]  # by caller
    wait_ms: float = 2.0  # how long a caller waits before its client gives up
    hide_address: bool = True  # the client never resolved the target, so no address attributes


@dataclass(frozen=True, slots=True)
class Deploy:
    """`service` runs `version` from `start_ns` on, on the given replicas (all by default)."""

    service: str
    version: str
    start_ns: int
    replicas: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class Effects:
    slowdowns: Sequence[Slowdown] = ()
    faults: Sequence[Fault] = ()
    outages: Sequence[Outage] = ()
    deploys: Sequence[Deploy] = ()

    def __add__(self, other: Effects) -> Effects:
        return Effects(
            (*self.slowdowns, *other.slowdowns),
            (*self.faults, *other.faults),
            (*self.outages, *other.outages),
            (*self.deploys, *other.deploys),
        )

    def extra_ms(
        self, target: str, operation: str, time_ns: int, replica: int | None, rng: random.Random
    ) -> float:
        return sum(
            slow.extra_ms * rng.lognormvariate(0.0, 0.25)
            for slow in self.slowdowns
            if slow.target == target
            and slow.operation in (None, operation)
            and slow.when.covers(time_ns, replica, rng)
        )

    def fault(
        self,
        target: str,
        operation: str,
        time_ns: int,
        replica: int | None,
        rng: random.Random,
        *,
        caller: str | None = None,
        client_side: bool = False,
    ) -> Fault | None:
        for fault in self.faults:
            if (
                fault.target == target
                and fault.client_side == client_side
                and fault.operation in (None, operation)
                and fault.caller in (None, caller)
                and fault.when.covers(time_ns, replica, rng)
            ):
                return fault
        return None

    def outage(self, target: str, time_ns: int) -> Outage | None:
        for outage in self.outages:
            if outage.target == target and outage.when.start_ns <= time_ns < outage.when.end_ns:
                return outage
        return None

    def version(self, service: str, replica: int, time_ns: int) -> str | None:
        """The deployed version where a deploy replaced the usual one; None otherwise."""
        found = None
        for deploy in self.deploys:
            chosen = deploy.replicas is None or replica in deploy.replicas
            if deploy.service == service and chosen and deploy.start_ns <= time_ns:
                found = deploy.version
        return found
