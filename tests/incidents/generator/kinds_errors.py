"""Fault classes about errors: new exceptions, old ones, outages, one bad pod, quiet failures."""

from __future__ import annotations

from tests.incidents.generator.effects import (
    GRPC_ATTR,
    HTTP_ATTR,
    LOG,
    Deploy,
    Effects,
    Fault,
    Outage,
)
from tests.incidents.generator.errors import failure
from tests.incidents.generator.model import ErrorDetail
from tests.incidents.generator.plan import Frame, Plan
from tests.incidents.generator.topology import (
    CHARGE,
    CREATE_SHIPMENT,
    ESTIMATE_DISTANCE,
    ESTIMATE_ETA,
    GET_SHIPMENT,
    GET_VEHICLE,
    INTROSPECT,
    NEARBY_VEHICLES,
    NOTIFY,
    PICKUP,
    PINGS,
    PLAN_ROUTE,
    QUOTE,
    TRACK,
)

# New failures a service's own code raises: (service, operation, exception type, message, frames).
_BUGS = {
    "warehouse-svc": (
        PICKUP,
        "runtime.Error",
        "runtime error: invalid memory address or nil pointer dereference",
        ["slots.(*Allocator).Reserve", "server.handlePickup"],
    ),
    "billing-service": (
        CHARGE,
        "*currency.ParseError",
        'currency: invalid ISO 4217 code "EUR "',
        ["money.Parse", "charges.Create"],
    ),
    "pricing-engine": (
        QUOTE,
        "java.lang.ArithmeticException",
        "/ by zero",
        ["quotes.DistanceTariff.perKm", "quotes.QuoteController.quote"],
    ),
    "route-planner": (
        ESTIMATE_ETA,
        "runtime.Error",
        "runtime error: index out of range [3] with length 3",
        ["eta.(*Model).Predict", "server.(*Routing).EstimateEta"],
    ),
    "fleet-tracker": (
        GET_VEHICLE,
        "java.lang.NullPointerException",
        'Cannot invoke "com.logistics.fleet.Vehicle.getPosition()" because "vehicle" is null',
        ["grpc.FleetService.getVehicle", "grpc.FleetService$1.invoke"],
    ),
    "dispatch-api": (
        GET_SHIPMENT,
        "KeyError",
        "'eta_minutes'",
        ["serializers.shipment.to_view", "routes.shipments.get_shipment"],
    ),
    "auth-service": (
        INTROSPECT,
        "Error",
        "secretOrPublicKey must be provided",
        ["verify.verifyToken", "routes.introspect"],
    ),
    "tracking-web": (
        TRACK,
        "TypeError",
        "Cannot read properties of undefined (reading 'vehicleId')",
        ["views.track.render", "routes.track"],
    ),
}


def bug(
    service: str,
    frame: Frame,
    share: float,
    *,
    onset: int | None = None,
    operation: str | None = None,
) -> Fault:
    """`service`'s usual new bug, in its usual operation unless told which."""
    usual, exception_type, message, frames = _BUGS[service]
    operation = operation or usual
    grpc = 13 if service in ("route-planner", "fleet-tracker") else None
    error = failure(service, exception_type, message, frames, grpc_code=grpc)
    return Fault(service, operation, error, frame.from_onset(share, onset=onset))


def describe_bug(service: str, operation: str | None = None) -> str:
    usual, exception_type, message, _ = _BUGS[service]
    return f"{service} {operation or usual} raises {exception_type}: {message}"


# (asked service, chronic faults as (service, operation, exception, message, share), new bug's
# service, share and operation when not its usual one: a less used one than the chronic ones)
_CHRONIC = (
    (
        "dispatch-api",
        (
            (
                "dispatch-api",
                CREATE_SHIPMENT,
                "sqlalchemy.exc.IntegrityError",
                "(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint "
                '"shipments_external_ref_key"',
                0.45,
            ),
        ),
        "warehouse-svc",
        0.3,
        None,
    ),
    (
        "tracking-web",
        (
            (
                "tracking-web",
                TRACK,
                "TypeError",
                "Cannot read properties of null (reading 'stops')",
                0.3,
            ),
            (
                "fleet-tracker",
                PINGS,
                "com.logistics.fleet.PingDecodeException",
                "invalid protobuf payload: truncated message",
                0.35,
            ),
        ),
        "dispatch-api",
        0.12,
        None,
    ),
    (
        "dispatch-api",
        (
            (
                "pricing-engine",
                QUOTE,
                "com.logistics.pricing.RateCardNotFoundException",
                "no rate card for lane DE-PL",
                0.4,
            ),
        ),
        "billing-service",
        0.35,
        None,
    ),
    (
        "route-planner",
        (
            (
                "route-planner",
                ESTIMATE_ETA,
                "*geo.TopologyError",
                "geo: polygon ring is not closed",
                0.3,
            ),
        ),
        "fleet-tracker",
        0.25,
        NEARBY_VEHICLES,
    ),
    (
        "dispatch-api",
        (("dispatch-api", GET_SHIPMENT, "KeyError", "'legacy_ref'", 0.3),),
        "pricing-engine",
        0.35,
        None,
    ),
    (
        "pricing-engine",
        (
            (
                "pricing-engine",
                QUOTE,
                "com.logistics.pricing.RateCardNotFoundException",
                "no rate card for lane DE-PL",
                0.55,
            ),
        ),
        "route-planner",
        0.2,
        ESTIMATE_DISTANCE,
    ),
)


def chronic_errors(frame: Frame, variant: int) -> Plan:
    """Errors that were there all along, more of them than of the new failure that matters."""
    asked, chronic, new_service, new_share, operation = _CHRONIC[variant % len(_CHRONIC)]
    faults = [
        Fault(
            service,
            operation,
            failure(
                service,
                kind,
                message,
                ["handlers.handle", "app.dispatch"],
                grpc_code=13 if service in ("route-planner", "fleet-tracker") else None,
            ),
            frame.throughout(share),
        )
        for service, operation, kind, message, share in chronic
    ]
    faults.append(bug(new_service, frame, new_share, operation=operation))
    chronic_names = ", ".join(sorted({service for service, *_ in chronic}))
    notes = (
        f"Chronic errors in {chronic_names} at the same rate in the baseline and the window, "
        f"more numerous and in more traces than the new failure: "
        f"{describe_bug(new_service, operation)} "
        f"for {new_share:.0%} of calls from the onset."
    )
    return Plan(
        f"chronic-{new_service}", asked, (new_service,), notes, Effects(faults=tuple(faults))
    )


# (failing target, asked service); a target that is not in _BUGS is a SaaS dependency.
_SHORT = (
    ("route-planner", "dispatch-api"),
    ("payflow", "dispatch-api"),
    ("fleet-tracker", "tracking-web"),
    ("auth-service", "dispatch-api"),
    ("pricing-engine", "dispatch-api"),
    ("mapgrid", "dispatch-api"),
)


def short_window(frame: Frame, variant: int) -> Plan:
    """A failure asked about over 2–5 minutes, with an equally short baseline before it."""
    target, asked = _SHORT[variant % len(_SHORT)]
    onset = frame.onset(0.0, 0.25)
    if target in _BUGS:
        fault = bug(target, frame, frame.pick(0.5, 0.9), onset=onset)
        what = describe_bug(target)
    else:
        fault = _saas_failure(target, frame, onset)
        what = f"{target} answers 503"
    notes = (
        f"{what}, from early in a {frame.window_minutes}-minute window; the baseline is as short."
    )
    return Plan(f"short-{target}", asked, (target,), notes, Effects(faults=(fault,)))


_SAAS_CALLS = {
    "payflow": "POST /v2/payments",
    "mapgrid": "GET /v1/directions",
    "textbridge": "POST /v1/messages",
}


def _saas_failure(target: str, frame: Frame, onset: int | None = None) -> Fault:
    operation = _SAAS_CALLS[target]
    error = ErrorDetail(
        "HTTPError",
        f"{target} responded 503 Service Unavailable: upstream connect error",
        "",
        http_status=503,
    )
    return Fault(
        target,
        operation,
        error,
        frame.from_onset(frame.pick(0.6, 0.95), onset=onset),
        after_ms=frame.pick(5.0, 40.0),
    )


def named_in_message(frame: Frame, variant: int) -> Plan:
    """A callee vanishes; only the callers' error messages name it."""
    variants = (
        (
            "warehouse-svc",
            "dispatch-api",
            {
                "dispatch-api": (
                    "requests.exceptions.ConnectionError",
                    "HTTPConnectionPool(host='warehouse-svc', port=8080): Max retries exceeded "
                    "with url: /v1/pickups (Caused by NewConnectionError('<urllib3.connection."
                    "HTTPConnection object at 0x7f3a2c1e5b50>: Failed to establish a new "
                    "connection: [Errno 111] Connection refused'))",
                )
            },
            3.0,
        ),
        (
            "route-planner",
            "dispatch-api",
            {
                "pricing-engine": (
                    "java.lang.IllegalStateException",
                    "No instances available for route-planner",
                ),
                "dispatch-api": (
                    "grpc.aio.AioRpcError",
                    "<AioRpcError of RPC that terminated with: status = StatusCode.UNAVAILABLE "
                    'details = "DNS resolution failed for route-planner:50051: '
                    'Domain name not found">',
                ),
            },
            2.0,
        ),
        (
            "fleet-db",
            "route-planner",
            {
                "fleet-tracker": (
                    "org.postgresql.util.PSQLException",
                    "Connection to fleet-db:5432 refused. Check that the hostname and port are "
                    "correct and that the postmaster is accepting TCP/IP connections.",
                )
            },
            2.0,
        ),
        (
            "inventory-db",
            "dispatch-api",
            {
                "warehouse-svc": (
                    "*mysql.MySQLError",
                    "failed to connect to inventory-db:3306: dial tcp 10.43.7.31:3306: connect: "
                    "connection refused",
                )
            },
            1.0,
        ),
        (
            "dispatch-api",
            "tracking-web",
            {"tracking-web": ("Error", "timeout calling dispatch-api after 3000ms")},
            3000.0,
        ),
        (
            "auth-service",
            "dispatch-api",
            {
                "dispatch-api": (
                    "requests.exceptions.ConnectionError",
                    "HTTPConnectionPool(host='auth-service', port=3000): Max retries exceeded "
                    "with url: /oauth/introspect (Caused by NewConnectionError('Failed to "
                    "establish a new connection: [Errno 111] Connection refused'))",
                )
            },
            2.0,
        ),
    )
    target, asked, wording, wait = variants[variant % len(variants)]
    caller_errors = {
        caller: failure(
            caller,
            kind,
            message,
            ["clients.connect", "handlers.handle"],
            http_status=503,
            grpc_code=14,
        )
        for caller, (kind, message) in wording.items()
    }
    # Gone since just before the window: the window holds none of its spans or logs.
    gone = frame.window_start_ns - int(frame.rng.uniform(0, 90) * 1e9)
    outage = Outage(target, frame.from_onset(onset=gone), caller_errors, wait_ms=wait)
    quoted = "; ".join(
        f"{caller}: '{error.message[:70]}…'" for caller, error in caller_errors.items()
    )
    notes = (
        f"{target} goes away just before the window and emits nothing in it; the callers' client "
        f"spans carry no address for it, only their messages name it ({quoted})."
    )
    return Plan(f"gone-{target}", asked, (target,), notes, Effects(outages=(outage,)))


_PAIRS = (
    ("warehouse-svc", "billing-service"),
    ("pricing-engine", "warehouse-svc"),
    ("billing-service", "route-planner"),
    ("payflow", "fleet-tracker"),
    ("mapgrid", "warehouse-svc"),
    ("route-planner", "payflow"),
)


def two_failures(frame: Frame, variant: int) -> Plan:
    """Two unrelated failures start in the same window; naming either is right."""
    first, second = _PAIRS[variant % len(_PAIRS)]
    faults = tuple(
        bug(service, frame, frame.pick(0.35, 0.7))
        if service in _BUGS
        else _saas_failure(service, frame)
        for service in (first, second)
    )
    notes = f"Two independent new failures: {first} and {second}; both count as the root cause."
    return Plan(
        f"{first}-and-{second}", "dispatch-api", (first, second), notes, Effects(faults=faults)
    )


_BAD_PODS = (
    (
        "route-planner",
        PLAN_ROUTE,
        "*fs.PathError",
        "open /var/cache/tiles/eu-west.idx: no space left on device",
        "dispatch-api",
    ),
    (
        "fleet-tracker",
        None,
        "java.lang.OutOfMemoryError",
        "Java heap space",
        "tracking-web",
    ),
    ("dispatch-api", GET_SHIPMENT, "OSError", "[Errno 24] Too many open files", "tracking-web"),
    (
        "auth-service",
        INTROSPECT,
        "Error",
        "ENOENT: no such file or directory, open '/etc/auth/jwks.json'",
        "dispatch-api",
    ),
    ("pricing-engine", None, "java.io.IOException", "No space left on device", "dispatch-api"),
    (
        "billing-service",
        CHARGE,
        "*tls.CertificateVerificationError",
        "tls: failed to verify certificate: x509: certificate signed by unknown authority",
        "dispatch-api",
    ),
)


def bad_instance(frame: Frame, variant: int) -> Plan:
    """One replica of a replicated service fails; the others are healthy."""
    service, operation, kind, message, asked = _BAD_PODS[variant % len(_BAD_PODS)]
    replica = frame.rng.randrange(2)
    grpc = 13 if service in ("route-planner", "fleet-tracker") else None
    fault = Fault(
        service,
        operation,
        failure(service, kind, message, ["handlers.handle"], grpc_code=grpc),
        frame.from_onset(frame.pick(0.8, 1.0), replica=replica),
    )
    what = operation or "every operation"
    notes = f"Only one pod of {service} (replica {replica}) fails {what}: {kind}: {message}."
    return Plan(f"bad-pod-{service}", asked, (service,), notes, Effects(faults=(fault,)))


def logs_only(frame: Frame, variant: int) -> Plan:
    """Failures no span is marked with: only logs, or status codes in attributes, show them."""
    variants = (
        (
            "route-planner",
            PLAN_ROUTE,
            "*routing.GraphError",
            "road graph shard 7 failed to load",
            GRPC_ATTR,
            "dispatch-api",
            "rpc.grpc.status_code 13 with span status unset",
        ),
        (
            "warehouse-svc",
            PICKUP,
            "*slots.AllocatorError",
            "dock slot allocator not initialised",
            HTTP_ATTR,
            "dispatch-api",
            "HTTP 503 with span status unset",
        ),
        (
            "notification-worker",
            NOTIFY,
            "KeyError",
            "'eta' (template shipment_created.sms.j2)",
            LOG,
            "notification-worker",
            "an ERROR log attached to an unset span",
        ),
        (
            "pricing-engine",
            QUOTE,
            "com.logistics.pricing.TariffLoadException",
            "tariff table tariffs_2025q3 is empty",
            HTTP_ATTR,
            "dispatch-api",
            "HTTP 500 with span status unset",
        ),
        (
            "billing-service",
            CHARGE,
            "*ledger.ExportError",
            "ledger export queue is closed",
            LOG,
            "billing-service",
            "an ERROR log attached to an unset span",
        ),
        (
            "fleet-tracker",
            GET_VEHICLE,
            "com.logistics.fleet.SnapshotUnavailableException",
            "position snapshot for shard eu-2 is not loaded",
            GRPC_ATTR,
            "tracking-web",
            "rpc.grpc.status_code 13 with span status unset",
        ),
    )
    service, operation, kind, message, report, asked, how = variants[variant % len(variants)]
    grpc = 13 if report == GRPC_ATTR else None
    status = 503 if "503" in how else 500
    error = failure(service, kind, message, ["handlers.handle"], http_status=status, grpc_code=grpc)
    fault = Fault(service, operation, error, frame.from_onset(frame.pick(0.5, 0.9)), report=report)
    notes = f"{service} {operation} fails with {kind}: {message}, recorded only as {how}."
    return Plan(f"quiet-{service}", asked, (service,), notes, Effects(faults=(fault,)))


_DEPLOYS = (
    (
        "pricing-engine",
        "1.43.0",
        QUOTE,
        "java.lang.NullPointerException",
        'Cannot invoke "com.logistics.pricing.RateCard.getZone()" because "card" is null',
        "dispatch-api",
        None,
    ),
    (
        "route-planner",
        "5.7.0",
        PLAN_ROUTE,
        "runtime.Error",
        "runtime error: invalid memory address or nil pointer dereference",
        "dispatch-api",
        None,
    ),
    (
        "tracking-web",
        "3.9.0",
        TRACK,
        "TypeError",
        "Cannot read properties of undefined (reading 'vehicleId')",
        "tracking-web",
        None,
    ),
    (
        "fleet-tracker",
        "7.1.0",
        GET_VEHICLE,
        "java.lang.NoSuchMethodError",
        "'void com.logistics.geo.Point.<init>(double, double)'",
        "tracking-web",
        (1,),
    ),
    (
        "auth-service",
        "2.4.0",
        INTROSPECT,
        "Error",
        "secretOrPublicKey must be provided",
        "dispatch-api",
        None,
    ),
    (
        "warehouse-svc",
        "1.10.0",
        PICKUP,
        "*json.UnmarshalTypeError",
        "json: cannot unmarshal string into Go struct field Pickup.slot_id of type int64",
        "dispatch-api",
        (0,),
    ),
)


def bad_deploy(frame: Frame, variant: int) -> Plan:
    """A new version goes out in the window and brings a new exception with it."""
    service, version, operation, kind, message, asked, replicas = _DEPLOYS[variant % len(_DEPLOYS)]
    onset = frame.onset()
    grpc = 13 if service in ("route-planner", "fleet-tracker") else None
    error = failure(service, kind, message, ["handlers.handle", "app.dispatch"], grpc_code=grpc)
    share = frame.pick(0.5, 0.9)
    faults = tuple(
        Fault(service, operation, error, frame.from_onset(share, onset=onset, replica=replica))
        for replica in (replicas or (None,))
    )
    deploy = Deploy(service, version, onset, replicas)
    scope = "a canary replica" if replicas else "every replica"
    notes = f"{service} {version} rolls out to {scope} at the onset; it raises {kind}: {message}."
    return Plan(
        f"deploy-{service}", asked, (service,), notes, Effects(faults=faults, deploys=(deploy,))
    )


def third_party(frame: Frame, variant: int) -> Plan:
    """A SaaS API the platform pays for fails or stalls."""
    variants = (
        ("payflow", "dispatch-api", False),
        ("payflow", "dispatch-api", True),
        ("mapgrid", "dispatch-api", False),
        ("textbridge", "notification-worker", False),
        ("mapgrid", "dispatch-api", True),
        ("textbridge", "notification-worker", True),
    )
    target, asked, stall = variants[variant % len(variants)]
    if stall:
        fault = Fault(
            target,
            _SAAS_CALLS[target],
            ErrorDetail("HTTPError", "unreachable", "", http_status=504),
            frame.from_onset(0.7),
            after_ms=12000.0,
        )
        notes = (
            f"{target} stops answering: its callers' client timeouts fire (and, upstream, "
            "their callers'); the SaaS is the cause."
        )
    else:
        fault = _saas_failure(target, frame)
        notes = f"{target} answers 503 to most calls; its callers fail in turn."
    return Plan(f"saas-{target}", asked, (target,), notes, Effects(faults=(fault,)))
