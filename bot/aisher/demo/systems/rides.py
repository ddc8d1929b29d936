"""Ride-hailing: Java rider-api → pricing (→ eta → Google Maps), payments (→ Adyen) and
dispatch (→ driver locations in Redis GEO), with a rider-notification consumer (→ Twilio)."""

from __future__ import annotations

from aisher.demo.systems.topology import (
    BROKER,
    CACHE,
    DB,
    EXT,
    Call,
    G,
    J,
    Noise,
    NoiseKind,
    P,
    Service,
    Topology,
    cluster,
    dep,
    op,
)


def build() -> Topology:
    """The ride-hailing topology."""
    ns = "rides"
    deps = (
        dep("rides-db", DB, "postgresql", cluster(ns, "rides-db"), 5432, database="rides"),
        dep(
            "ridepay-db",
            DB,
            "postgresql",
            cluster(ns, "ridepay-db"),
            5432,
            database="ride_payments",
        ),
        dep("geo-redis", CACHE, "redis", cluster(ns, "geo-redis"), 6379),
        dep("google-maps", EXT, "", "maps.googleapis.com", 443),
        dep("adyen", EXT, "", "checkout-live.adyen.com", 443),
        dep("twilio", EXT, "", "api.twilio.com", 443),
        dep("kafka", BROKER, "kafka", cluster(ns, "kafka-0.kafka-headless"), 9092),
    )
    dispatch = "rides.dispatch.v1.Dispatch"
    services = (
        Service(
            "rider-api",
            J,
            "6.4.1",
            "com.acme.rider",
            (
                op(
                    "POST /v1/rides",
                    "web.RideController.request > service.RideRequestService.request",
                    Call("pricing-svc", "POST /quote", timeout_ms=4000),
                    Call("payments-svc", "POST /payments/authorize", timeout_ms=15000),
                    Call("dispatch-svc", f"{dispatch}/AssignDriver", timeout_ms=5000),
                    Call(
                        "rides-db",
                        "INSERT INTO rides (id, rider_id, pickup, dropoff, status) "
                        "VALUES (?, ?, ?, ?, ?)",
                        repository="RideRepository.save",
                    ),
                    log="ride {ride} requested by rider {user} in {city}",
                ),
                op(
                    "GET /v1/rides/{id}",
                    "web.RideController.get > service.RideQueryService.find",
                    Call(
                        "rides-db",
                        "SELECT * FROM rides WHERE id = ?",
                        repository="RideRepository.findById",
                    ),
                    Call("eta-svc", "GET /eta", timeout_ms=1000, optional=True, probability=0.6),
                ),
                op(
                    "GET /v1/quotes",
                    "web.QuoteController.quote > service.QuoteService.quote",
                    Call("pricing-svc", "POST /quote", timeout_ms=4000),
                ),
                op(
                    "POST /v1/rides/{id}/cancel",
                    "web.RideController.cancel > service.RideCommandService.cancel",
                    Call(
                        "rides-db",
                        "UPDATE rides SET status = ? WHERE id = ?",
                        repository="RideRepository.updateStatus",
                    ),
                    Call("dispatch-svc", f"{dispatch}/Release", timeout_ms=2000),
                ),
            ),
            pods=3,
        ),
        Service(
            "pricing-svc",
            P,
            "3.2.0",
            "pricing",
            (
                op(
                    "POST /quote",
                    "api.routes.quote > surge.SurgeModel.multiplier",
                    Call("geo-redis", "GET surge:?"),
                    Call("eta-svc", "GET /eta", timeout_ms=2500),
                    log="quote {uuid}: {amount} {currency} (surge x1.{count})",
                ),
            ),
            port=8000,
        ),
        Service(
            "eta-svc",
            J,
            "1.9.0",
            "com.acme.eta",
            (
                op(
                    "GET /eta",
                    "web.EtaController.estimate > service.EtaService.estimate",
                    Call("geo-redis", "GET eta:?"),
                    Call(
                        "google-maps",
                        "GET /maps/api/distancematrix/json",
                        probability=0.45,
                        timeout_ms=1800,
                    ),
                ),
            ),
        ),
        Service(
            "dispatch-svc",
            G,
            "2.8.0",
            "github.com/acme-rides/dispatch",
            (
                op(
                    f"{dispatch}/AssignDriver",
                    "grpc.Server.AssignDriver > assign.Matcher.Match",
                    Call(
                        "driver-location-svc",
                        "rides.location.v1.Locations/Nearby",
                        timeout_ms=800,
                        retries=1,
                    ),
                    Call(
                        "rides-db",
                        "UPDATE rides SET driver_id = $1, status = 'ASSIGNED' WHERE id = $2",
                        repository="RideStore.AssignDriver",
                    ),
                    Call("kafka", "ride.assigned"),
                    log="assigned driver {driver} to ride {ride} (eta {count}s)",
                ),
                op(
                    f"{dispatch}/Release",
                    "grpc.Server.Release > assign.Matcher.Release",
                    Call(
                        "rides-db",
                        "UPDATE rides SET status = 'CANCELLED' WHERE id = $1",
                        repository="RideStore.Release",
                    ),
                ),
            ),
            port=50051,
        ),
        Service(
            "driver-location-svc",
            G,
            "1.4.4",
            "github.com/acme-rides/location",
            (
                op(
                    "rides.location.v1.Locations/Nearby",
                    "grpc.Server.Nearby > geo.Index.Search",
                    Call("geo-redis", "GEOSEARCH drivers:? FROMLONLAT ? ? BYRADIUS ? km"),
                ),
            ),
            port=50051,
            pods=3,
        ),
        Service(
            "payments-svc",
            J,
            "3.0.2",
            "com.acme.ridepay",
            (
                op(
                    "POST /payments/authorize",
                    "web.AuthorizationController.authorize"
                    " > service.AuthorizationService.authorize",
                    Call(
                        "ridepay-db",
                        "SELECT * FROM payment_methods WHERE rider_id = ? AND is_default",
                        repository="PaymentMethodRepository.findDefault",
                    ),
                    Call("adyen", "POST /v71/payments", timeout_ms=6000, retries=1),
                    Call(
                        "ridepay-db",
                        "INSERT INTO authorizations (id, ride_id, amount, psp_reference) "
                        "VALUES (?, ?, ?, ?)",
                        repository="AuthorizationRepository.save",
                    ),
                ),
            ),
        ),
        Service(
            "rider-notify-svc",
            P,
            "1.1.0",
            "notify",
            (
                op(
                    "ride.assigned process",
                    "consumer.handlers.on_ride_assigned",
                    Call(
                        "twilio", "POST /2010-04-01/Accounts/{sid}/Messages.json", timeout_ms=4000
                    ),
                ),
            ),
            port=8000,
        ),
    )
    noise = (
        Noise(NoiseKind.NOT_FOUND, "dispatch-svc", f"{dispatch}/Release", 0.06),
        Noise(NoiseKind.VALIDATION, "pricing-svc", "POST /quote", 0.03),
        Noise(NoiseKind.CACHE_TIMEOUT, "eta-svc", "GET /eta", 0.02, "geo-redis"),
        Noise(NoiseKind.CLIENT_ABORT, "rider-api", "GET /v1/quotes", 0.008),
    )
    mix = (
        ("POST /v1/rides", 0.24),
        ("GET /v1/rides/{id}", 0.34),
        ("GET /v1/quotes", 0.32),
        ("POST /v1/rides/{id}/cancel", 0.10),
    )
    return Topology("rides", ns, "rider-api", mix, services, deps, noise)
