"""Everything the REST API's handlers need, in one object the application holds under `REST_API`.

`rest_api_for(settings, runtime, link)` builds it the way `serve` runs it: the process's
analysis engine, reports kept in the same Redis keys the Slack bot uses (so an id from either
front end works in the other), the keys from `AISHER_API_KEYS`, hashed at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from aiohttp import web
from pydantic import TypeAdapter

from aisher.analysis.report import Report
from aisher.analysis.request import AnalysisRequest
from aisher.config import Settings
from aisher.ops.audit import AuditLog
from aisher.redis_link import RedisLink
from aisher.runtime import Runtime
from aisher.state.reports import ReportCodec, ReportStore
from aisher.web.api.directory import ServiceDirectory, SignozServiceDirectory
from aisher.web.api.keys import ApiKeys
from aisher.web.api.models import StoredReport
from aisher.web.api.rate_limit import RateLimiter

log = logging.getLogger(__name__)

# An analysis request is a service name and two short strings; 16 KiB is generous.
DEFAULT_MAX_BODY_BYTES = 16 * 1024
_STORED = TypeAdapter[StoredReport](StoredReport)


class RefusalAudit(Protocol):
    """Where refused requests are recorded (`aisher.ops.audit.AuditLog`); analyses are
    recorded by the engine itself, from the request's `trigger` and `requester`."""

    def record_refusal(
        self,
        *,
        trigger: str,
        reason: str,
        who: str | None = None,
        channel: str | None = None,
        service: str | None = None,
        remote: str | None = None,
    ) -> None: ...


class Analyst(Protocol):
    async def analyze(self, request: AnalysisRequest) -> Report:
        """The report for one question (`AnalysisEngine.analyze`)."""
        ...


@dataclass(frozen=True, slots=True)
class RestApi:
    """The REST API's dependencies and limits."""

    keys: ApiKeys
    limiter: RateLimiter
    engine: Analyst
    reports: ReportStore[StoredReport]
    directory: ServiceDirectory
    retention_days: int = 15
    tenant: str = "default"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    audit: RefusalAudit = field(default_factory=lambda: AuditLog(None))
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


REST_API: web.AppKey[RestApi] = web.AppKey("rest_api", RestApi)


def stored_report_codec() -> ReportCodec[StoredReport]:
    """Reports and trace reports as JSON; the same text the Slack bot's store writes."""

    def load(raw: str | bytes) -> StoredReport:
        return _STORED.validate_json(raw)

    return ReportCodec(dump=lambda report: report.model_dump_json(), load=load)


def rest_api_for(
    settings: Settings,
    runtime: Runtime,
    link: RedisLink,
    *,
    audit: RefusalAudit | None = None,
) -> RestApi:
    """The REST API of a `serve` process; `link` is shared and closed by the caller, `audit`
    should be the one the runtime's engine records analyses in."""
    keys = ApiKeys.from_secrets(settings.http.api_keys)
    if keys.configured:
        log.info("REST API on /api/v1 with keys %s", ", ".join(keys.ids))
    else:
        log.warning("REST API refuses every request: AISHER_API_KEYS is not set")
    return RestApi(
        keys=keys,
        limiter=RateLimiter(link, limit=settings.http.api_rate_per_minute),
        engine=runtime.engine,
        reports=ReportStore(link, stored_report_codec()),
        directory=SignozServiceDirectory(
            runtime.clickhouse, settings.clickhouse, settings.limits, metrics=runtime.metrics
        ),
        retention_days=settings.limits.retention_days,
        tenant=settings.default_tenant,
        max_body_bytes=min(DEFAULT_MAX_BODY_BYTES, settings.http.max_body_bytes),
        audit=audit if audit is not None else AuditLog(None),
    )
