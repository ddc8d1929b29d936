"""The five kinds of incident, which parts of a topology each can hit, and the plan for one.

Targets are chosen among the parts user traffic actually reaches: `reach` follows the entry
service's request mix down the synchronous calls (Kafka consumers run outside the request and
are never blamed for a user-facing error).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from aisher.demo.systems.topology import DependencyKind, Operation, Protocol, Service, Topology
from aisher.errors import InputError

# A target must sit under at least this share of entry requests, counting only calls whose
# failure the caller does not absorb: an incident is something users notice.
MIN_REACH = 0.1
MIN_AFFECTED = 0.06
_POOL_TIMEOUTS_MS = (30000, 10000, 5000, 3000, 2000, 1000)


class FaultKind(StrEnum):
    FAILING_DEPENDENCY = "failing_dependency"
    EXTERNAL_OUTAGE = "external_outage"
    DB_POOL_EXHAUSTION = "db_pool_exhaustion"
    TIMEOUT_CASCADE = "timeout_cascade"
    BAD_DEPLOY = "bad_deploy"


def fault_kind(name: str) -> FaultKind:
    """The kind called `name` (`bad_deploy`, `bad-deploy` …); an `InputError` listing them else."""
    try:
        return FaultKind(name.strip().lower().replace("-", "_"))
    except ValueError:
        known = ", ".join(kind.value for kind in FaultKind)
        raise InputError(f"unknown fault kind {name!r}: choose one of {known}") from None


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What breaks, where, from when and how often.

    `service` is whose code, pool, latency or release is at fault; for an external outage it is
    the caller and `dependency` the API that fails. `operation` is the affected endpoint (a slow
    service is slow on every endpoint; this is then its busiest one).
    """

    kind: FaultKind
    service: str
    operation: str
    dependency: str
    start_ns: int
    rate: float
    step: int = 0
    variant: int = 0
    new_version: str = ""
    slow_ms: float = 0.0
    pool_timeout_ms: int = 0


def _service_of(topology: Topology, name: str) -> Service | None:
    for service in topology.services:
        if service.name == name:
            return service
    return None


def reach(
    topology: Topology,
    *,
    propagating: bool = False,
    mix: tuple[tuple[str, float], ...] | None = None,
) -> dict[tuple[str, str], float]:
    """Share of entry requests that reach each (service, operation), synchronously.

    With `propagating`, only calls whose failure fails the caller count (optional calls, which
    the caller survives, are not followed). `mix` replaces the topology's request mix.
    """
    shares: dict[tuple[str, str], float] = defaultdict(float)

    def visit(service: Service, operation: Operation, share: float) -> None:
        shares[(service.name, operation.name)] += share
        for call in operation.calls:
            callee = _service_of(topology, call.target)
            if callee is not None and not (propagating and call.optional):
                visit(callee, callee.operation(call.operation), share * call.probability)

    entry = topology.service(topology.entry)
    for name, share in mix if mix is not None else topology.mix:
        visit(entry, entry.operation(name), share)
    return dict(shares)


def paths_to(topology: Topology, service: str, operation: str) -> list[tuple[str, float]]:
    """Entry operations and how often each one's requests depend on (service, operation)."""
    out = []
    for name, _ in topology.mix:
        felt = reach(topology, propagating=True, mix=((name, 1.0),))
        share = felt.get((service, operation), 0.0)
        if share > 0:
            out.append((name, share))
    return out


def _database_share(operation: Operation, topology: Topology) -> float:
    """How often the operation needs a database connection (0 when it never does)."""
    shares = [
        call.probability
        for call in operation.calls
        if call.repository
        and (dependency := topology.dependency(call.target)) is not None
        and dependency.kind is DependencyKind.DATABASE
    ]
    return max(shares, default=0.0)


@dataclass(frozen=True, slots=True)
class Target:
    """Something a fault kind can hit, through the operation where users feel it most.

    `reach` is the share of entry requests whose outcome depends on it (optional calls, whose
    failure the caller absorbs, do not count).
    """

    name: str
    service: str
    operation: str
    reach: float


def _options(
    topology: Topology, kind: FaultKind, service: Service, operation: Operation
) -> list[tuple[str, float]]:
    """(target, share of this operation's requests it is involved in)."""
    if kind is FaultKind.EXTERNAL_OUTAGE:
        return [
            (call.target, call.probability)
            for call in operation.calls
            if (dependency := topology.dependency(call.target)) is not None
            and dependency.kind is DependencyKind.EXTERNAL
        ]
    if service.name == topology.entry:
        return []
    if kind is FaultKind.DB_POOL_EXHAUSTION:
        share = _database_share(operation, topology)
        return [(service.name, share)] if share else []
    return [(service.name, 1.0)]


def candidates(topology: Topology, kind: FaultKind) -> list[Target]:
    """Every target `kind` can hit in `topology`, the one users feel most first.

    A target is a service name, or the dependency name for an external outage.
    """
    felt = reach(topology, propagating=True)
    found: dict[str, Target] = {}
    for (service_name, op_name), share in felt.items():
        service = topology.service(service_name)
        operation = service.operation(op_name)
        if operation.protocol is Protocol.MESSAGING:
            continue
        for name, involved in _options(topology, kind, service, operation):
            weight = share * involved
            best = found.get(name)
            if weight >= MIN_REACH - 1e-9 and (best is None or weight > best.reach):
                found[name] = Target(name, service_name, op_name, weight)
    return sorted(found.values(), key=lambda target: (-target.reach, target.name))


def fault_targets(topology: Topology, kind: FaultKind) -> list[str]:
    """Names that `kind` can hit in `topology`, the one users feel most first."""
    return [target.name for target in candidates(topology, kind)]


def _default_rate(kind: FaultKind, target: Target, rng: random.Random) -> float:
    """20–60% of affected requests fail (an API that is down fails 50–90% of calls), and
    never so few that under `MIN_AFFECTED` of user requests feel it."""
    low, high = (0.5, 0.9) if kind is FaultKind.EXTERNAL_OUTAGE else (0.2, 0.6)
    return max(rng.uniform(low, high), min(high, MIN_AFFECTED / target.reach))


def _inbound_timeouts(topology: Topology, service: str) -> list[int]:
    return [call.timeout_ms for _, _, call in topology.walk() if call.target == service]


def _next_minor(version: str) -> str:
    major, minor, *_ = [*version.split("."), "0", "0"]
    return f"{major}.{int(minor) + 1}.0"


def plan_fault(
    topology: Topology,
    kind: FaultKind,
    target: str,
    *,
    start_ns: int,
    rate: float | None,
    rng: random.Random,
) -> FaultPlan:
    """The plan for breaking `target` in `topology` in the `kind` way, from `start_ns`.

    Without a `rate`, 20–60% of the affected requests fail, and never so few that under
    `MIN_AFFECTED` of all user requests feel it (an incident nobody notices is no incident).
    """
    found = {item.name: item for item in candidates(topology, kind)}
    if target not in found:
        valid = ", ".join(found) or "none"
        raise InputError(
            f"{kind.value} cannot hit {target!r} in topology {topology.name!r}: choose one of "
            f"{valid}"
        )
    chosen = found[target]
    service_name, op_name = chosen.service, chosen.operation
    service = topology.service(service_name)
    operation = service.operation(op_name)
    timeouts = _inbound_timeouts(topology, service_name) or [3000]
    pool_limit = 0.6 * min(timeouts)
    return FaultPlan(
        kind=kind,
        service=service_name,
        operation=op_name,
        dependency=target if kind is FaultKind.EXTERNAL_OUTAGE else "",
        start_ns=start_ns,
        rate=rate if rate is not None else _default_rate(kind, chosen, rng),
        step=rng.randint(0, len(operation.calls)),
        variant=rng.randint(0, 5),
        new_version=_next_minor(service.version),
        slow_ms=max(timeouts) * rng.uniform(1.2, 1.8),
        pool_timeout_ms=next((t for t in _POOL_TIMEOUTS_MS if t <= pool_limit), 500),
    )
