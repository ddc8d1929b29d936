"""The logistics platform the incidents happen in: services, dependencies and who calls whom.

Nine instrumented services (Node, Python, Java and Go) and eight dependencies that emit nothing
of their own: two PostgreSQL databases and a MySQL one, two Redis instances, a Kafka topic, and
three SaaS APIs (payments, maps, SMS). Operations are trees of steps; `simulator.py` walks them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.incidents.generator.model import CLIENT, CONSUMER, PRODUCER, SERVER


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    language: str  # python, nodejs, java, go
    version: str
    replicas: int
    scope: str  # instrumentation scope of its server spans


@dataclass(frozen=True, slots=True)
class DependencySpec:
    """Something the platform calls that emits no telemetry: only client spans show it."""

    system: str  # postgresql, mysql, redis, kafka, https
    address: str  # server.address
    port: int
    database: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """One call an operation makes, in order."""

    target: str  # a service or a dependency
    operation: str  # an operation of the target service, or a dependency call name
    probability: float = 1.0
    timeout_ms: float | None = None
    attempts: int = 1
    optional: bool = False  # the caller carries on when this call fails (caches)


@dataclass(frozen=True, slots=True)
class Operation:
    """A server or consumer operation of a service."""

    service: str
    name: str  # the server span's name
    protocol: str  # http, grpc, messaging
    self_ms: float  # median time the handler spends on its own
    steps: tuple[Step, ...] = ()
    method: str = ""  # HTTP method, or gRPC method
    route: str = ""  # HTTP route, or gRPC service

    @property
    def kind(self) -> int:
        return CONSUMER if self.protocol == "messaging" else SERVER


@dataclass(frozen=True, slots=True)
class DependencyCall:
    """A client span to a dependency: its name, kind, usual latency and attributes."""

    dependency: str
    name: str
    median_ms: float
    attributes: Mapping[str, Any] = field(default_factory=dict)
    kind: int = CLIENT


SERVICES: Mapping[str, ServiceSpec] = {
    "tracking-web": ServiceSpec("nodejs", "3.8.2", 2, "@opentelemetry/instrumentation-http"),
    "dispatch-api": ServiceSpec("python", "4.21.0", 3, "opentelemetry.instrumentation.fastapi"),
    "auth-service": ServiceSpec("nodejs", "2.3.7", 2, "@opentelemetry/instrumentation-express"),
    "pricing-engine": ServiceSpec("java", "1.42.3", 2, "io.opentelemetry.spring-webmvc-6.0"),
    "route-planner": ServiceSpec("go", "5.6.1", 3, "go.opentelemetry.io/contrib/grpc"),
    "fleet-tracker": ServiceSpec("java", "7.0.4", 3, "io.opentelemetry.grpc-1.6"),
    "billing-service": ServiceSpec("go", "2.11.0", 2, "go.opentelemetry.io/contrib/otelhttp"),
    "warehouse-svc": ServiceSpec("go", "1.9.12", 2, "go.opentelemetry.io/contrib/otelhttp"),
    "notification-worker": ServiceSpec(
        "python", "0.33.1", 2, "opentelemetry.instrumentation.confluent_kafka"
    ),
}

DEPENDENCIES: Mapping[str, DependencySpec] = {
    "orders-db": DependencySpec("postgresql", "orders-db", 5432, "orders"),
    "fleet-db": DependencySpec("postgresql", "fleet-db", 5432, "fleet"),
    "inventory-db": DependencySpec("mysql", "inventory-db", 3306, "inventory"),
    "geo-cache": DependencySpec("redis", "geo-cache", 6379),
    "session-store": DependencySpec("redis", "session-store", 6379),
    "dispatch-events": DependencySpec("kafka", "kafka-0.kafka-headless", 9092),
    "payflow": DependencySpec("https", "api.payflow.com", 443),
    "mapgrid": DependencySpec("https", "api.mapgrid.io", 443),
    "textbridge": DependencySpec("https", "api.textbridge.net", 443),
}

GRPC_ROUTING = "logistics.routing.v1.RoutePlanner"
GRPC_FLEET = "logistics.fleet.v1.FleetTracker"


def _sql(dependency: str, statement: str, operation: str, table: str) -> DependencyCall:
    return DependencyCall(
        dependency,
        f"{operation} {DEPENDENCIES[dependency].database}.{table}",
        2.5,
        {"db.statement": statement, "db.operation": operation, "db.sql.table": table},
    )


DEPENDENCY_CALLS: Mapping[str, DependencyCall] = {
    call.name: call
    for call in (
        _sql("orders-db", "SELECT * FROM shipments WHERE id = $1", "SELECT", "shipments"),
        _sql(
            "orders-db", "INSERT INTO shipments (id, ...) VALUES ($1, ...)", "INSERT", "shipments"
        ),
        _sql("orders-db", "UPDATE shipments SET state = $1 WHERE id = $2", "UPDATE", "shipments"),
        _sql("orders-db", "SELECT * FROM contracts WHERE customer_id = ?", "SELECT", "contracts"),
        _sql("orders-db", "SELECT * FROM invoices WHERE shipment_id = $1", "SELECT", "invoices"),
        _sql("orders-db", "UPDATE invoices SET paid_at = $1 WHERE id = $2", "UPDATE", "invoices"),
        _sql(
            "orders-db", "SELECT phone, locale FROM customers WHERE id = %s", "SELECT", "customers"
        ),
        _sql(
            "fleet-db",
            "SELECT id, pos FROM vehicles WHERE ST_DWithin(pos, ?, ?)",
            "SELECT",
            "vehicles",
        ),
        _sql(
            "fleet-db",
            "INSERT INTO positions (vehicle_id, pos, at) VALUES (?, ?, ?)",
            "INSERT",
            "positions",
        ),
        _sql(
            "inventory-db",
            "SELECT * FROM dock_slots WHERE depot_id = ? FOR UPDATE",
            "SELECT",
            "dock_slots",
        ),
        _sql(
            "inventory-db",
            "INSERT INTO pickups (slot_id, shipment_id) VALUES (?, ?)",
            "INSERT",
            "pickups",
        ),
        DependencyCall(
            "geo-cache", "GET", 0.6, {"db.statement": "GET geo:{key}", "db.operation": "GET"}
        ),
        DependencyCall(
            "geo-cache",
            "SET",
            0.7,
            {"db.statement": "SET geo:{key} ? EX 600", "db.operation": "SET"},
        ),
        DependencyCall(
            "session-store",
            "HGETALL",
            0.5,
            {"db.statement": "HGETALL sess:{token}", "db.operation": "HGETALL"},
        ),
        DependencyCall(
            "dispatch-events",
            "dispatch-events publish",
            1.8,
            {
                "messaging.system": "kafka",
                "messaging.destination.name": "dispatch-events",
                "messaging.operation": "publish",
            },
            kind=PRODUCER,
        ),
        DependencyCall(
            "payflow",
            "POST /v2/payments",
            180.0,
            {"http.request.method": "POST", "url.full": "https://api.payflow.com/v2/payments"},
        ),
        DependencyCall(
            "mapgrid",
            "GET /v1/directions",
            90.0,
            {"http.request.method": "GET", "url.full": "https://api.mapgrid.io/v1/directions"},
        ),
        DependencyCall(
            "textbridge",
            "POST /v1/messages",
            120.0,
            {"http.request.method": "POST", "url.full": "https://api.textbridge.net/v1/messages"},
        ),
    )
}


def _http(service: str, method: str, route: str, self_ms: float, *steps: Step) -> Operation:
    return Operation(service, f"{method} {route}", "http", self_ms, steps, method, route)


def _grpc(service: str, grpc_service: str, method: str, self_ms: float, *steps: Step) -> Operation:
    return Operation(
        service, f"{grpc_service}/{method}", "grpc", self_ms, steps, method, grpc_service
    )


def _consumer(service: str, topic: str, self_ms: float, *steps: Step) -> Operation:
    return Operation(service, f"{topic} process", "messaging", self_ms, steps, route=topic)


PLAN_ROUTE = f"{GRPC_ROUTING}/PlanRoute"
ESTIMATE_ETA = f"{GRPC_ROUTING}/EstimateEta"
ESTIMATE_DISTANCE = f"{GRPC_ROUTING}/EstimateDistance"
NEARBY_VEHICLES = f"{GRPC_FLEET}/GetNearbyVehicles"
GET_VEHICLE = f"{GRPC_FLEET}/GetVehicle"
INTROSPECT = "POST /oauth/introspect"
QUOTE = "POST /price/quote"
CHARGE = "POST /v1/charges"
PICKUP = "POST /v1/pickups"
GET_SHIPMENT = "GET /v1/shipments/{id}"
CREATE_SHIPMENT = "POST /v1/shipments"
ASSIGN_SHIPMENT = "POST /v1/shipments/{id}/assign"
GET_QUOTES = "GET /v1/quotes"
TRACK = "GET /track/:code"
PINGS = "vehicle-pings process"
NOTIFY = "dispatch-events process"

OPERATIONS: Mapping[str, Operation] = {
    op.name: op
    for op in (
        _http(
            "tracking-web",
            "GET",
            "/track/:code",
            6.0,
            Step("dispatch-api", GET_SHIPMENT, timeout_ms=3000),
            Step("fleet-tracker", GET_VEHICLE, probability=0.6, timeout_ms=1500),
        ),
        _http(
            "dispatch-api",
            "GET",
            "/v1/shipments/{id}",
            5.0,
            Step("geo-cache", "GET", timeout_ms=300, optional=True),
            Step("orders-db", "SELECT orders.shipments"),
            Step("route-planner", ESTIMATE_ETA, probability=0.6, timeout_ms=2000, attempts=2),
        ),
        _http(
            "dispatch-api",
            "POST",
            "/v1/shipments",
            22.0,
            Step("auth-service", INTROSPECT, timeout_ms=800),
            Step("pricing-engine", QUOTE, timeout_ms=1500),
            Step("route-planner", PLAN_ROUTE, timeout_ms=2000),
            Step("orders-db", "INSERT orders.shipments"),
            Step("billing-service", CHARGE, timeout_ms=5000),
            Step("dispatch-events", "dispatch-events publish"),
        ),
        _http(
            "dispatch-api",
            "POST",
            "/v1/shipments/{id}/assign",
            12.0,
            Step("auth-service", INTROSPECT, timeout_ms=800),
            Step("orders-db", "SELECT orders.shipments"),
            Step("route-planner", ESTIMATE_ETA, timeout_ms=2000),
            Step("warehouse-svc", PICKUP, timeout_ms=2000),
            Step("orders-db", "UPDATE orders.shipments"),
            Step("dispatch-events", "dispatch-events publish"),
        ),
        _http(
            "dispatch-api",
            "GET",
            "/v1/quotes",
            8.0,
            Step("auth-service", INTROSPECT, timeout_ms=800),
            Step("pricing-engine", QUOTE, timeout_ms=1500),
        ),
        _http(
            "auth-service",
            "POST",
            "/oauth/introspect",
            2.5,
            Step("session-store", "HGETALL", timeout_ms=200),
        ),
        _http(
            "pricing-engine",
            "POST",
            "/price/quote",
            11.0,
            Step("orders-db", "SELECT orders.contracts"),
            Step("geo-cache", "GET", timeout_ms=300, optional=True),
            Step("route-planner", ESTIMATE_DISTANCE, timeout_ms=1200),
        ),
        _grpc(
            "route-planner",
            GRPC_ROUTING,
            "PlanRoute",
            30.0,
            Step("geo-cache", "GET", timeout_ms=500, optional=True),
            Step("mapgrid", "GET /v1/directions", probability=0.4, timeout_ms=2500),
            Step("fleet-tracker", NEARBY_VEHICLES, timeout_ms=1000),
            Step("geo-cache", "SET", probability=0.4, timeout_ms=500, optional=True),
        ),
        _grpc(
            "route-planner",
            GRPC_ROUTING,
            "EstimateEta",
            7.0,
            Step("geo-cache", "GET", timeout_ms=500, optional=True),
            Step("fleet-tracker", GET_VEHICLE, timeout_ms=1000, attempts=2),
        ),
        _grpc(
            "route-planner",
            GRPC_ROUTING,
            "EstimateDistance",
            4.0,
            Step("geo-cache", "GET", timeout_ms=500, optional=True),
            Step("mapgrid", "GET /v1/directions", probability=0.2, timeout_ms=2500),
        ),
        _grpc(
            "fleet-tracker",
            GRPC_FLEET,
            "GetNearbyVehicles",
            9.0,
            Step("fleet-db", "SELECT fleet.vehicles"),
        ),
        _grpc(
            "fleet-tracker",
            GRPC_FLEET,
            "GetVehicle",
            2.5,
            Step("fleet-db", "SELECT fleet.vehicles"),
        ),
        _consumer(
            "fleet-tracker", "vehicle-pings", 1.5, Step("fleet-db", "INSERT fleet.positions")
        ),
        _http(
            "billing-service",
            "POST",
            "/v1/charges",
            7.0,
            Step("orders-db", "SELECT orders.invoices"),
            Step("payflow", "POST /v2/payments", timeout_ms=8000),
            Step("orders-db", "UPDATE orders.invoices"),
        ),
        _http(
            "warehouse-svc",
            "POST",
            "/v1/pickups",
            5.0,
            Step("inventory-db", "SELECT inventory.dock_slots"),
            Step("inventory-db", "INSERT inventory.pickups"),
        ),
        _consumer(
            "notification-worker",
            "dispatch-events",
            4.0,
            Step("orders-db", "SELECT orders.customers"),
            Step("textbridge", "POST /v1/messages", timeout_ms=5000, attempts=2),
        ),
    )
}

# Where traffic enters the platform, with each entry's share of the traces. Shipment events
# published by dispatch-api reach notification-worker inside the same trace.
ENTRY_POINTS: tuple[tuple[str, float], ...] = (
    (TRACK, 0.34),
    (CREATE_SHIPMENT, 0.15),
    (ASSIGN_SHIPMENT, 0.10),
    (GET_SHIPMENT, 0.11),
    (GET_QUOTES, 0.10),
    (PINGS, 0.20),
)
CONSUMERS: Mapping[str, str] = {"dispatch-events": NOTIFY}


def operation(name: str) -> Operation:
    return OPERATIONS[name]


def is_service(name: str) -> bool:
    return name in SERVICES
