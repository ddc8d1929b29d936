"""What each runtime's OpenTelemetry instrumentation calls its spans and which attributes it sets.

Scope names are those of the real instrumentation libraries; attributes follow the stable HTTP,
RPC, database and messaging semantic conventions.
"""

from __future__ import annotations

import random

from aisher.demo.stacks.throw_site import Language
from aisher.demo.systems.topology import Dependency, DependencyKind, Operation, Protocol, Service
from aisher.demo.traffic.drafts import AttrValue
from aisher.demo.volatile import volatile

# (language, role) → instrumentation scope name
_SCOPES: dict[tuple[Language, str], str] = {
    (Language.JAVA, "http_server"): "io.opentelemetry.tomcat-10.0",
    (Language.JAVA, "grpc_server"): "io.opentelemetry.grpc-1.6",
    (Language.JAVA, "consumer"): "io.opentelemetry.spring-kafka-2.7",
    (Language.JAVA, "http_client"): "io.opentelemetry.http-url-connection",
    (Language.JAVA, "grpc_client"): "io.opentelemetry.grpc-1.6",
    (Language.JAVA, "database"): "io.opentelemetry.jdbc",
    (Language.JAVA, "cache"): "io.opentelemetry.lettuce-5.1",
    (Language.JAVA, "producer"): "io.opentelemetry.kafka-clients-0.11",
    (Language.JAVA, "internal"): "io.opentelemetry.spring-data-1.8",
    (Language.PYTHON, "http_server"): "opentelemetry.instrumentation.fastapi",
    (Language.PYTHON, "grpc_server"): "opentelemetry.instrumentation.grpc",
    (Language.PYTHON, "consumer"): "opentelemetry.instrumentation.aiokafka",
    (Language.PYTHON, "http_client"): "opentelemetry.instrumentation.httpx",
    (Language.PYTHON, "grpc_client"): "opentelemetry.instrumentation.grpc",
    (Language.PYTHON, "database"): "opentelemetry.instrumentation.sqlalchemy",
    (Language.PYTHON, "cache"): "opentelemetry.instrumentation.redis",
    (Language.PYTHON, "producer"): "opentelemetry.instrumentation.aiokafka",
    (Language.GO, "http_server"): "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",
    (Language.GO, "grpc_server"): (
        "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
    ),
    (Language.GO, "consumer"): "github.com/twmb/franz-go/plugin/kotel",
    (Language.GO, "http_client"): "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",
    (Language.GO, "grpc_client"): (
        "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
    ),
    (Language.GO, "database"): "github.com/exaring/otelpgx",
    (Language.GO, "cache"): "github.com/redis/go-redis/extra/redisotel",
    (Language.GO, "producer"): "github.com/twmb/franz-go/plugin/kotel",
    (Language.NODEJS, "http_server"): "@opentelemetry/instrumentation-http",
    (Language.NODEJS, "grpc_server"): "@opentelemetry/instrumentation-grpc",
    (Language.NODEJS, "consumer"): "@opentelemetry/instrumentation-kafkajs",
    (Language.NODEJS, "http_client"): "@opentelemetry/instrumentation-http",
    (Language.NODEJS, "grpc_client"): "@opentelemetry/instrumentation-grpc",
    (Language.NODEJS, "database"): "@opentelemetry/instrumentation-knex",
    (Language.NODEJS, "cache"): "@opentelemetry/instrumentation-ioredis",
    (Language.NODEJS, "producer"): "@opentelemetry/instrumentation-kafkajs",
}
_SERVER_ROLE = {
    Protocol.HTTP: "http_server",
    Protocol.GRPC: "grpc_server",
    Protocol.MESSAGING: "consumer",
}
_USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Mobile/15E148",
    "okhttp/4.12.0",
)
GRPC_CODES = {
    "OK": 0,
    "CANCELLED": 1,
    "UNKNOWN": 2,
    "INVALID_ARGUMENT": 3,
    "DEADLINE_EXCEEDED": 4,
    "NOT_FOUND": 5,
    "INTERNAL": 13,
    "UNAVAILABLE": 14,
}


def scope(language: Language, role: str, service: Service) -> str:
    """The instrumentation scope of a span; hand-made spans use the service's own code root."""
    return _SCOPES.get((language, role), service.package or service.name)


def server_role(operation: Operation) -> str:
    return _SERVER_ROLE[operation.protocol]


def concrete_path(route: str, rng: random.Random) -> str:
    """A request path for a route template: `{id}` and `:id` become real-looking ids."""
    parts = []
    for part in route.split("/"):
        if part.startswith("{") or part.startswith(":"):
            parts.append(volatile("user", rng) if "id" in part else volatile("sku", rng))
        else:
            parts.append(part)
    return "/".join(parts)


def server_attributes(
    service: Service, operation: Operation, rng: random.Random, *, entry: bool
) -> dict[str, AttrValue]:
    protocol = operation.protocol
    if protocol is Protocol.GRPC:
        return {
            "rpc.system": "grpc",
            "rpc.service": operation.route,
            "rpc.method": operation.method,
            "server.address": service.name,
            "server.port": service.port,
        }
    if protocol is Protocol.MESSAGING:
        return {
            "messaging.system": "kafka",
            "messaging.operation": "process",
            "messaging.destination.name": operation.topic,
            "messaging.kafka.consumer.group": service.name,
            "messaging.kafka.destination.partition": rng.randint(0, 11),
            "messaging.kafka.message.offset": rng.randint(10_000, 9_000_000),
        }
    attributes: dict[str, AttrValue] = {
        "http.request.method": operation.method,
        "http.route": operation.route,
        "url.path": concrete_path(operation.route, rng),
        "url.scheme": "https" if entry else "http",
        "server.address": service.name,
        "server.port": service.port,
        "network.protocol.version": "1.1",
    }
    if entry:
        attributes["user_agent.original"] = rng.choice(_USER_AGENTS)
        attributes["client.address"] = f"203.0.113.{rng.randint(1, 254)}"
    return attributes


def service_call_attributes(
    callee: Service, operation: Operation, rng: random.Random
) -> tuple[str, dict[str, AttrValue]]:
    """Name and attributes of a client span calling another instrumented service."""
    if operation.protocol is Protocol.GRPC:
        return operation.name, {
            "rpc.system": "grpc",
            "rpc.service": operation.route,
            "rpc.method": operation.method,
            "server.address": callee.name,
            "server.port": callee.port,
        }
    path = concrete_path(operation.route, rng)
    return operation.name, {
        "http.request.method": operation.method,
        "url.full": f"http://{callee.name}:{callee.port}{path}",
        "server.address": callee.name,
        "server.port": callee.port,
    }


def external_attributes(
    dependency: Dependency, route: str, rng: random.Random
) -> tuple[str, dict[str, AttrValue]]:
    """A call to a third-party API: `peer.service` names it, as the SDK configuration would."""
    method, _, template = route.partition(" ")
    return route, {
        "http.request.method": method,
        "url.full": f"https://{dependency.host}{concrete_path(template, rng)}",
        "server.address": dependency.host,
        "server.port": dependency.port,
        "peer.service": dependency.name,
    }


def database_attributes(
    dependency: Dependency, statement: str, operation: str, table: str
) -> dict[str, AttrValue]:
    attributes: dict[str, AttrValue] = {
        "db.system": dependency.system,
        "db.statement": statement,
        "db.operation": operation,
        "server.address": dependency.host,
        "server.port": dependency.port,
    }
    if dependency.kind is DependencyKind.DATABASE:
        attributes["db.name"] = dependency.database
        if table:
            attributes["db.sql.table"] = table
    return attributes


def producer_attributes(dependency: Dependency, topic: str) -> dict[str, AttrValue]:
    return {
        "messaging.system": dependency.system,
        "messaging.operation": "publish",
        "messaging.destination.name": topic,
        "server.address": dependency.host,
        "server.port": dependency.port,
    }
