"""`GET /healthz` (the process is alive) and `GET /readyz` (it can do its work), and the
refusal of new work while the process shuts down.

Readiness asks, each bounded by `timeout_s` and all at once: does ClickHouse answer a query,
does Redis answer PING (when configured), is the Slack socket connected (when Slack is on)? The
body names each check and what is wrong with it:

    200 {"status": "ready", "checks": {"clickhouse": {"ok": true}, "redis": {"ok": true}, …}}
    503 {"status": "not_ready", "checks": {"redis": {"ok": false, "error": "…"}, …}}
    503 {"status": "draining", "checks": {}}          after SIGTERM, before the process exits

Once `Readiness.start_draining()` is called, readiness fails first (so a load balancer stops
sending traffic) and requests that would start new work (POST under /webhooks/ and /api/) get
503 with Retry-After, which Alertmanager and well-behaved clients retry elsewhere or later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler

from aisher.ops.audit import AuditLog
from aisher.web.errors import ErrorCode, error_response

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
CHECK_TIMEOUT_S = 2.0
# Long enough for a replacement replica to start; Alertmanager retries on its own schedule.
DRAINING_RETRY_AFTER_S = 30
WORK_PREFIXES = ("/webhooks/", "/api/")
WORK_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Probe = Callable[[], Awaitable[bool]]
"""A dependency check: True when it answers, False (or an exception) when it does not."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    ok: bool
    error: str = ""

    def to_json(self) -> dict[str, object]:
        return {"ok": True} if self.ok else {"ok": False, "error": self.error}


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    status: str  # ready | not_ready | draining
    checks: Mapping[str, CheckResult]

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "checks": {name: check.to_json() for name, check in self.checks.items()},
        }


class Readiness:
    """The named probes of one process, and whether it is shutting down."""

    def __init__(self, probes: Mapping[str, Probe], *, timeout_s: float = CHECK_TIMEOUT_S) -> None:
        self._probes = dict(probes)
        self._timeout_s = timeout_s
        self._draining = False

    @property
    def draining(self) -> bool:
        return self._draining

    def start_draining(self) -> None:
        """From now on the process is not ready and refuses new work; there is no way back."""
        self._draining = True

    async def check(self) -> ReadinessReport:
        """Run every probe at once; any failure makes the process not ready."""
        if self._draining:
            return ReadinessReport("draining", {})
        names = list(self._probes)
        results = await asyncio.gather(*(self._run(self._probes[name]) for name in names))
        checks = dict(zip(names, results, strict=True))
        ready = all(result.ok for result in checks.values())
        return ReadinessReport("ready" if ready else "not_ready", checks)

    async def _run(self, probe: Probe) -> CheckResult:
        try:
            ok = await asyncio.wait_for(probe(), self._timeout_s)
        except TimeoutError:
            return CheckResult(False, f"no answer within {self._timeout_s:g}s")
        except Exception as exc:  # noqa: BLE001 - any failure of a probe means: not ready
            return CheckResult(False, f"{type(exc).__name__}: {exc}"[:200])
        return CheckResult(True) if ok else CheckResult(False, "not reachable")


@dataclass(frozen=True, slots=True)
class Health:
    readiness: Readiness
    audit: AuditLog


HEALTH: web.AppKey[Health] = web.AppKey("health", Health)


def install_health(
    app: web.Application, readiness: Readiness, audit: AuditLog | None = None
) -> None:
    """Add /healthz, /readyz and the refusal of new work while draining (before the app
    starts); refused work is recorded in `audit`."""
    app[HEALTH] = Health(readiness, audit or AuditLog(None))
    app.router.add_get(HEALTH_PATH, handle_healthz)
    app.router.add_get(READY_PATH, handle_readyz)
    app.middlewares.append(refuse_work_while_draining)


async def handle_healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def handle_readyz(request: web.Request) -> web.Response:
    report = await request.app[HEALTH].readiness.check()
    return web.json_response(report.to_json(), status=200 if report.ready else 503)


@web.middleware
async def refuse_work_while_draining(request: web.Request, handler: Handler) -> web.StreamResponse:
    health = request.app[HEALTH]
    if (
        health.readiness.draining
        and request.method in WORK_METHODS
        and request.path.startswith(WORK_PREFIXES)
    ):
        trigger = "alert" if request.path.startswith("/webhooks/") else "api"
        health.audit.record_refusal(
            trigger=trigger, reason=ErrorCode.SHUTTING_DOWN.value, remote=request.remote
        )
        return error_response(
            503,
            ErrorCode.SHUTTING_DOWN,
            "this replica is shutting down; retry later",
            headers={"Retry-After": str(DRAINING_RETRY_AFTER_S)},
        )
    return await handler(request)
