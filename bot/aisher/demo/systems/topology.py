"""The shape of a system: services, their operations and calls, and what they depend on.

A `Topology` is plain data. Operations name what a span will be called (`POST /api/v1/charges`,
`shop.inventory.v1.InventoryService/Reserve`, `orders.placed process`); calls name another
service's operation, a SQL statement, a cache command, an external API route or a topic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from aisher.demo.stacks.throw_site import Language
from aisher.errors import InputError

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class Protocol(StrEnum):
    HTTP = "http"
    GRPC = "grpc"
    MESSAGING = "messaging"


class DependencyKind(StrEnum):
    DATABASE = "database"
    CACHE = "cache"
    EXTERNAL = "external"  # a third-party API nobody here instruments
    BROKER = "broker"


# Short names that keep the system tables (aisher.demo.systems) readable, one row per line.
J, P, G, N = Language.JAVA, Language.PYTHON, Language.GO, Language.NODEJS
DB, CACHE, EXT, BROKER = (
    DependencyKind.DATABASE,
    DependencyKind.CACHE,
    DependencyKind.EXTERNAL,
    DependencyKind.BROKER,
)


class NoiseKind(StrEnum):
    """Everyday errors that are not the incident."""

    NOT_FOUND = "not_found"  # the service answers 404 for an unknown id
    VALIDATION = "validation"  # the service rejects a malformed request
    CACHE_TIMEOUT = "cache_timeout"  # the service's cache read times out; it falls back
    CLIENT_ABORT = "client_abort"  # the user goes away before the response is written


@dataclass(frozen=True, slots=True)
class Dependency:
    """Something services call that sends no spans of its own."""

    name: str
    kind: DependencyKind
    system: str
    host: str
    port: int
    database: str = ""


@dataclass(frozen=True, slots=True)
class Call:
    """One step of an operation: `operation` is the callee's operation name, a statement, a
    cache command, an external route or a topic, depending on what `target` is."""

    target: str
    operation: str
    probability: float = 1.0
    retries: int = 0
    timeout_ms: int = 3000
    optional: bool = False
    via: str = ""
    repository: str = ""


def protocol_of(name: str) -> Protocol:
    """`orders.placed process` is a consumer, `GET /x` an HTTP route, anything else an RPC."""
    if name.endswith(" process"):
        return Protocol.MESSAGING
    if name.split(" ", maxsplit=1)[0] in HTTP_METHODS:
        return Protocol.HTTP
    return Protocol.GRPC


@dataclass(frozen=True, slots=True)
class Operation:
    """An endpoint, RPC method or topic consumer, and the calls it makes in order."""

    name: str
    code: tuple[str, ...]
    calls: tuple[Call, ...] = ()
    self_ms: float = 4.0
    log: str = ""
    protocol: Protocol = field(init=False)

    def __post_init__(self) -> None:
        # Derived once: the generator asks for it on every span.
        object.__setattr__(self, "protocol", protocol_of(self.name))

    @property
    def method(self) -> str:
        """The HTTP method, or the RPC method name."""
        if self.protocol is Protocol.GRPC:
            return self.name.rpartition("/")[2]
        return self.name.split(" ")[0]

    @property
    def route(self) -> str:
        """The HTTP route, the RPC service, or the topic."""
        if self.protocol is Protocol.GRPC:
            return self.name.partition("/")[0]
        return self.name.split(" ", 1)[-1] if self.protocol is Protocol.HTTP else self.topic

    @property
    def topic(self) -> str:
        return self.name.removesuffix(" process")


@dataclass(frozen=True, slots=True)
class Service:
    """An instrumented service: its runtime, release, code root and operations."""

    name: str
    language: Language
    version: str
    package: str
    operations: tuple[Operation, ...]
    port: int = 8080
    pods: int = 2

    def operation(self, name: str) -> Operation:
        for operation in self.operations:
            if operation.name == name:
                return operation
        raise KeyError(f"{self.name} has no operation {name!r}")

    @property
    def records_propagated(self) -> bool:
        """Whether a failure passed up from a callee gets an exception event here too.

        Spring and FastAPI record whatever escapes the handler; Go and Express handlers turn the
        error into a status code, so their server spans only carry the status.
        """
        return self.language in (Language.JAVA, Language.PYTHON)


@dataclass(frozen=True, slots=True)
class Noise:
    """An everyday error source: at `rate`, `service`'s `operation` fails in the `kind` way."""

    kind: NoiseKind
    service: str
    operation: str
    rate: float
    target: str = ""


@dataclass(frozen=True, slots=True)
class Topology:
    """A whole system: the entry service users hit, its request mix, services and dependencies."""

    name: str
    namespace: str
    entry: str
    mix: tuple[tuple[str, float], ...]
    services: tuple[Service, ...]
    dependencies: tuple[Dependency, ...]
    noise: tuple[Noise, ...]

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise InputError(f"topology {self.name!r} has no service {name!r}")

    def dependency(self, name: str) -> Dependency | None:
        for dependency in self.dependencies:
            if dependency.name == name:
                return dependency
        return None

    def consumers(self, topic: str) -> Iterator[tuple[Service, Operation]]:
        for service in self.services:
            for operation in service.operations:
                if operation.protocol is Protocol.MESSAGING and operation.topic == topic:
                    yield service, operation

    def walk(self) -> Iterator[tuple[Service, Operation, Call]]:
        """Every call of every operation, in topology order."""
        for service in self.services:
            for operation in service.operations:
                for call in operation.calls:
                    yield service, operation, call


_SQL_OPERATION = re.compile(r"^\s*(\w+)")
_SQL_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+([\w.]+)", re.IGNORECASE)
_MONGO = re.compile(r'^\{"(\w+)":\s*"(\w+)"')


def statement_parts(dependency: Dependency, statement: str) -> tuple[str, str, str]:
    """(span name, db.operation, table) of a statement, named the semantic-convention way."""
    if dependency.kind is DependencyKind.CACHE:
        command = statement.split(" ", maxsplit=1)[0]
        return command, command, ""
    mongo = _MONGO.match(statement)
    if mongo:
        operation, table = mongo.groups()
    elif dependency.system == "elasticsearch":
        table = statement.split("/")[1]
        operation = statement.rsplit("_", 1)[-1]
    else:
        op_match, table_match = _SQL_OPERATION.match(statement), _SQL_TABLE.search(statement)
        operation = op_match.group(1).upper() if op_match else "QUERY"
        table = table_match.group(1) if table_match else ""
    return f"{operation} {dependency.database}.{table}", operation, table


@cache
def caller_frame(call: Call, dependency: Dependency | None) -> str:
    """The application frame that makes a call: given, or named after the callee."""
    if call.via:
        return call.via
    if call.repository:
        return f"repository.{call.repository}"
    stem = call.target.removesuffix("-svc").removesuffix("-api").removesuffix("-db")
    noun = "".join(part.title() for part in re.split(r"[-_]", stem) if part)
    last = re.split(r"[/ ]", call.operation.rstrip("/"))[-1]
    verb = re.sub(r"[^A-Za-z]", "", last) or "call"
    verb = verb[:1].lower() + verb[1:]
    if dependency is not None and dependency.kind is DependencyKind.CACHE:
        return f"cache.{noun}Cache.{verb.lower()}"
    if dependency is not None and dependency.kind is DependencyKind.BROKER:
        return f"events.{noun}Publisher.publish"
    return f"client.{noun}Client.{verb}"


def op(name: str, code: str, *calls: Call, self_ms: float = 4.0, log: str = "") -> Operation:
    """An operation whose code path is written `outer.Frame.method > inner.Frame.method`."""
    return Operation(name, tuple(code.split(" > ")), calls, self_ms, log)


def dep(
    name: str, kind: DependencyKind, system: str, host: str, port: int, *, database: str = ""
) -> Dependency:
    return Dependency(name, kind, system, host, port, database)


def cluster(namespace: str, name: str) -> str:
    """The in-cluster DNS name of a Kubernetes service."""
    return f"{name}.{namespace}.svc.cluster.local"
