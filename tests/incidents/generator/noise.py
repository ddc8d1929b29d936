"""The ordinary errors of a healthy day, at the same rate in the baseline and in the window."""

from __future__ import annotations

from tests.incidents.generator.effects import Effects, Fault, When
from tests.incidents.generator.errors import failure
from tests.incidents.generator.model import ErrorDetail
from tests.incidents.generator.topology import CHARGE, INTROSPECT, PINGS, PLAN_ROUTE


def ordinary_noise(start_ns: int, end_ns: int) -> Effects:
    """Expired tokens, unroutable addresses, declined cards, SMS rate limits, stale pings."""

    def always(share: float) -> When:
        return When(start_ns, end_ns, share)

    return Effects(
        faults=(
            Fault(
                "auth-service",
                INTROSPECT,
                failure(
                    "auth-service",
                    "TokenExpiredError",
                    "jwt expired",
                    ["verify.verifyToken", "routes.introspect"],
                    http_status=401,
                ),
                always(0.05),
            ),
            Fault(
                "route-planner",
                PLAN_ROUTE,
                failure(
                    "route-planner",
                    "*routing.NoRouteError",
                    "no drivable route between pickup and drop-off",
                    ["graph.ShortestPath", "server.PlanRoute"],
                    http_status=422,
                    grpc_code=5,
                ),
                always(0.04),
            ),
            Fault(
                "payflow",
                "POST /v2/payments",
                ErrorDetail(
                    "payflow.CardError",
                    "card_declined: Your card was declined.",
                    "",
                    http_status=402,
                ),
                always(0.05),
            ),
            Fault(
                "textbridge",
                "POST /v1/messages",
                ErrorDetail(
                    "httpx.HTTPStatusError",
                    "Client error '429 Too Many Requests' for url "
                    "'https://api.textbridge.net/v1/messages'",
                    "",
                    http_status=429,
                ),
                always(0.08),
            ),
            Fault(
                "fleet-tracker",
                PINGS,
                failure(
                    "fleet-tracker",
                    "com.logistics.fleet.StalePingException",
                    "ping for vehicle is older than the last known position; dropped",
                    ["ingest.PingHandler.accept", "ingest.PingConsumer.onMessage"],
                ),
                always(0.04),
            ),
            Fault(
                "billing-service",
                CHARGE,
                failure(
                    "billing-service",
                    "*errors.errorString",
                    "charge: idempotency key reused with different amount",
                    ["charges.Create", "server.handleCharge"],
                    http_status=409,
                ),
                always(0.02),
            ),
        )
    )
