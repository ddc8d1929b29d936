"""Fault classes about time: slow callees, pure regressions, cascades, exhausted client pools."""

from __future__ import annotations

from dataclasses import dataclass

from tests.incidents.generator.effects import Effects, Fault, Slowdown
from tests.incidents.generator.errors import failure
from tests.incidents.generator.plan import Frame, Plan
from tests.incidents.generator.topology import (
    ESTIMATE_DISTANCE,
    ESTIMATE_ETA,
    GET_VEHICLE,
    INTROSPECT,
    NEARBY_VEHICLES,
    PICKUP,
    PLAN_ROUTE,
    QUOTE,
)

# (slow target, its operation, asked service, what times out)
_SLOW_CALLEES = (
    ("route-planner", PLAN_ROUTE, "dispatch-api", "dispatch-api's 2 s deadline on PlanRoute"),
    (
        "fleet-db",
        "SELECT fleet.vehicles",
        "route-planner",
        "route-planner's 1 s deadline on fleet-tracker, whose own query to fleet-db is slow",
    ),
    ("pricing-engine", QUOTE, "dispatch-api", "dispatch-api's 1.5 s timeout on POST /price/quote"),
    (
        "orders-db",
        "SELECT orders.shipments",
        "tracking-web",
        "tracking-web's 3 s timeout on dispatch-api, whose SELECT on orders-db is slow",
    ),
    ("warehouse-svc", PICKUP, "dispatch-api", "dispatch-api's 2 s timeout on POST /v1/pickups"),
    ("auth-service", INTROSPECT, "dispatch-api", "dispatch-api's 800 ms timeout on introspection"),
)


def latency_timeout(frame: Frame, variant: int) -> Plan:
    """A callee turns slow without failing; its caller's client gives up at its timeout."""
    target, operation, asked, what = _SLOW_CALLEES[variant % len(_SLOW_CALLEES)]
    extra = frame.pick(2500.0, 6000.0)
    share = frame.pick(0.5, 1.0)
    dependency = target.endswith("-db")
    notes = (
        f"{target} ({operation}) slows by ~{extra:.0f} ms for {share:.0%} of calls from the onset, "
        f"with no error of its own; {what} fires, and the callee's spans end after the caller "
        "gave up."
        + (
            " The database is uninstrumented: blame it; its calling service should be among the "
            "candidates."
            if dependency
            else ""
        )
    )
    effects = Effects(slowdowns=(Slowdown(target, operation, extra, frame.from_onset(share)),))
    return Plan(f"slow-{target}", asked, (target,), notes, effects)


# (slow target, operation, asked service, extra ms) kept well under every timeout on the path
_REGRESSIONS = (
    ("fleet-tracker", NEARBY_VEHICLES, "route-planner", 220.0),
    ("route-planner", ESTIMATE_DISTANCE, "pricing-engine", 260.0),
    ("fleet-db", "SELECT fleet.vehicles", "route-planner", 180.0),
    ("orders-db", "SELECT orders.contracts", "pricing-engine", 300.0),
    ("mapgrid", "GET /v1/directions", "route-planner", 600.0),
    ("geo-cache", "GET", "route-planner", 120.0),
)


def latency_regression(frame: Frame, variant: int) -> Plan:
    """A callee gets several times slower; nothing fails and the asked service has no errors."""
    target, operation, asked, extra_ms = _REGRESSIONS[variant % len(_REGRESSIONS)]
    extra = round(extra_ms * frame.rng.uniform(0.8, 1.2))
    notes = (
        f"{target} ({operation}) answers ~{extra} ms slower from the onset on every call; no "
        f"timeout fires and {asked} records no error span: the question is why it got slow."
    )
    effects = Effects(slowdowns=(Slowdown(target, operation, extra, frame.from_onset()),))
    return Plan(f"slower-{target}", asked, (target,), notes, effects)


# (slow target, operation, asked service)
_CASCADES = (
    ("fleet-tracker", GET_VEHICLE, "tracking-web"),
    ("fleet-db", "SELECT fleet.vehicles", "tracking-web"),
    ("route-planner", ESTIMATE_ETA, "tracking-web"),
    ("fleet-tracker", GET_VEHICLE, "dispatch-api"),
    ("fleet-db", "SELECT fleet.vehicles", "dispatch-api"),
    ("route-planner", ESTIMATE_ETA, "dispatch-api"),
)


def cascading_timeouts(frame: Frame, variant: int) -> Plan:
    """A deep callee stalls and every level above it times out, retries amplifying the wait."""
    target, operation, asked = _CASCADES[variant % len(_CASCADES)]
    extra = frame.pick(3000.0, 8000.0)
    notes = (
        f"{target} ({operation}) stalls ~{extra:.0f} ms. route-planner retries fleet-tracker "
        "twice with a 1 s deadline, dispatch-api retries route-planner twice with 2 s, and "
        "tracking-web gives up on dispatch-api after 3 s: timeouts at every level, the deepest "
        "slow span is the cause."
    )
    effects = Effects(slowdowns=(Slowdown(target, operation, extra, frame.from_onset(0.9)),))
    return Plan(f"stall-{target}", asked, (target,), notes, effects)


@dataclass(frozen=True, slots=True)
class _Exhaustion:
    """A caller whose own client gives up on a healthy dependency."""

    caller: str
    target: str
    operation: str | None
    asked: tuple[str, ...]  # services to ask about, one drawn per incident
    error_type: str
    message: str
    after_ms: float
    frames: tuple[str, ...]


_EXHAUSTIONS = (
    _Exhaustion(
        "dispatch-api", "orders-db", None, ("dispatch-api", "tracking-web"),
        "sqlalchemy.exc.TimeoutError",
        "QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00 "
        "(Background on this error at: https://sqlalche.me/e/20/3o7r)",
        30000.0, ("sqlalchemy.pool.impl._do_get", "repositories.shipments.fetch"),
    ),
    _Exhaustion(
        "pricing-engine", "orders-db", "SELECT orders.contracts", ("dispatch-api",),
        "java.sql.SQLTransientConnectionException",
        "HikariPool-1 - Connection is not available, request timed out after 30000ms.",
        30000.0, ("pool.HikariPool.getConnection", "contracts.ContractRepository.find"),
    ),
    _Exhaustion(
        "route-planner", "geo-cache", "GET", ("dispatch-api",),
        "*errors.errorString", "redis: connection pool timeout",
        4000.0, ("cache.(*GeoCache).Get", "server.(*Routing).PlanRoute"),
    ),
    _Exhaustion(
        "auth-service", "session-store", "HGETALL", ("dispatch-api",),
        "TimeoutError", "ResourceRequest timed out",
        600.0, ("sessions.acquireClient", "routes.introspect"),
    ),
    _Exhaustion(
        "billing-service", "payflow", None, ("dispatch-api",),
        "*errors.errorString", "gobreaker: circuit breaker 'payflow' is open",
        0.0, ("payflow.(*Client).CreatePayment", "charges.Create"),
    ),
    _Exhaustion(
        "fleet-tracker", "fleet-db", None, ("route-planner", "tracking-web"),
        "io.github.resilience4j.bulkhead.BulkheadFullException",
        "Bulkhead 'fleetDb' is full and does not permit further calls",
        5.0, ("bulkhead.SemaphoreBulkhead.acquirePermission", "vehicles.VehicleRepository.find"),
    ),
    _Exhaustion(
        "pricing-engine", "orders-db", "SELECT orders.contracts", ("dispatch-api",),
        "java.sql.SQLTransientConnectionException",
        "HikariPool-1 - Connection is not available, request timed out after 1000ms.",
        1000.0, ("pool.HikariPool.getConnection", "contracts.ContractRepository.find"),
    ),
)  # fmt: skip


def client_exhaustion(frame: Frame, variant: int) -> Plan:
    """A service's own client pool, breaker or bulkhead refuses calls to a healthy dependency."""
    case = _EXHAUSTIONS[variant % len(_EXHAUSTIONS)]
    share = frame.pick(0.4, 0.8)
    error = failure(
        case.caller, case.error_type, case.message, case.frames, http_status=503, grpc_code=14
    )
    fault = Fault(
        case.target,
        case.operation,
        error,
        frame.from_onset(share),
        caller=case.caller,
        client_side=True,
        after_ms=case.after_ms,
    )
    notes = (
        f"{case.caller}'s own client to {case.target} fails for {share:.0%} of calls after "
        f"{case.after_ms:.0f} ms: '{case.message}'. {case.target} is healthy (other callers "
        f"succeed): the calling service {case.caller} is the root cause."
    )
    asked = frame.rng.choice(case.asked)
    return Plan(f"{case.caller}-pool", asked, (case.caller,), notes, Effects(faults=(fault,)))
