"""Look at every part a deployment needs and judge each with `aisher.ops.checks`.

    results = await run_checks(settings, CheckOptions(llm_call=True))   # `aisher check`
    await log_checks(settings, slack=True)                              # `serve` at start-up

Each probe is bounded in time and turns any failure into a result: a check never raises, so
one dead dependency cannot hide what is wrong with the others. The probes run concurrently.
ClickHouse is opened with its own short-lived executor and no retries; Redis gets one PING;
litellm is consulted for its cost map and provider table (and, with `llm_call`, one one-token
completion); Slack gets `auth.test` (its `x-oauth-scopes` header against manifest.yml) and
`apps.connections.open` for the app token.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis

from aisher.config import ClickHouseSettings, QueryLimits, Settings
from aisher.errors import DataSourceUnavailable
from aisher.ops.checks import (
    CheckResult,
    Status,
    api_keys_check,
    clickhouse_check,
    redis_check,
    webhook_check,
)
from aisher.ops.llm_probe import llm_checks
from aisher.ops.slack_probe import slack_checks
from aisher.redis_link import RedisLink
from aisher.signoz.executor import QueryExecutor, redact_dsn
from aisher.signoz.probe import SchemaInfo, probe_schema
from aisher.signoz.repository import SignozRepository
from aisher.signoz.store import open_store
from aisher.window import TimeWindow

log = logging.getLogger(__name__)

# Long enough for a ClickHouse across a region or a slow litellm import, short enough that a
# black-holed host does not stall a deployment pipeline.
DEFAULT_TIMEOUT_S = 10.0
RECENT = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class CheckOptions:
    slack: bool = True  # False: `serve --no-slack`, Slack is not looked at
    llm_call: bool = False  # also send the model a one-token request (costs a fraction of a cent)
    app_token: bool = True  # `serve` skips it: its own Socket Mode connection is the test
    manifest: Path | None = None  # default: the manifest.yml shipped with Aisher
    timeout_s: float = DEFAULT_TIMEOUT_S


async def run_checks(settings: Settings, options: CheckOptions | None = None) -> list[CheckResult]:
    """Every check, in a fixed order: ClickHouse, Redis, LLM, Slack, webhook, REST API."""
    options = options or CheckOptions()
    clickhouse, redis, llm, slack = await asyncio.gather(
        _clickhouse(settings.clickhouse, options.timeout_s),
        _redis(settings.cache.redis_url, options.timeout_s),
        llm_checks(settings.llm, call=options.llm_call, timeout_s=options.timeout_s),
        slack_checks(
            settings.slack,
            app_token=options.app_token,
            manifest=options.manifest,
            timeout_s=options.timeout_s,
        )
        if options.slack
        else _no_slack(),
    )
    webhook_token = settings.http.webhook_token
    slack_on = options.slack and any(r.status is Status.OK for r in slack)
    return [
        clickhouse,
        redis,
        *llm,
        *slack,
        webhook_check(
            settings.alerts.channel,
            webhook_token.get_secret_value() if webhook_token is not None else None,
            slack_on=slack_on,
        ),
        api_keys_check([len(key.get_secret_value()) for key in settings.http.api_keys]),
    ]


async def log_checks(settings: Settings, *, slack: bool = True) -> list[CheckResult]:
    """The checks `serve` runs at start-up, each logged: problems as warnings and errors."""
    try:
        results = await run_checks(settings, CheckOptions(slack=slack, app_token=False))
    except Exception:
        # The checks only inform; serving must not depend on them.
        log.exception("the start-up checks failed to run")
        return []
    for result in results:
        level = _LEVELS[result.status]
        fix = f"; fix: {result.fix}" if result.fix else ""
        log.log(level, "check %s %s: %s%s", result.status.value, result.name, result.detail, fix)
    return results


_LEVELS = {
    Status.OK: logging.INFO,
    Status.SKIP: logging.INFO,
    Status.WARN: logging.WARNING,
    Status.FAIL: logging.ERROR,
}


async def _no_slack() -> list[CheckResult]:
    return [CheckResult("Slack", Status.SKIP, "off (--no-slack)")]


async def _clickhouse(settings: ClickHouseSettings, timeout_s: float) -> CheckResult:
    # No retries and short deadlines: a check reports, it does not wait out an outage.
    quick = settings.model_copy(
        update={
            "retries": 0,
            "connect_timeout_s": min(settings.connect_timeout_s, timeout_s),
            "query_timeout_s": min(settings.query_timeout_s, timeout_s),
        }
    )
    where = redact_dsn(settings.dsn)
    try:
        async with asyncio.timeout(timeout_s):
            executor = await open_store(quick)
    except Exception as exc:  # noqa: BLE001 - any failure to open is the finding
        return clickhouse_check(where, error=_timeout_named(exc, timeout_s))
    where = executor.description
    try:
        async with asyncio.timeout(timeout_s):
            schema = await probe_schema(executor, settings.traces_database, settings.logs_database)
            recent = await _recent_services(executor, schema)
    except Exception as exc:  # noqa: BLE001 - any failure to answer is the finding
        return clickhouse_check(where, error=_timeout_named(exc, timeout_s))
    finally:
        await executor.close()
    return clickhouse_check(where, schema=schema, recent_services=recent)


async def _recent_services(executor: QueryExecutor, schema: SchemaInfo) -> int:
    repository = SignozRepository(executor, schema, QueryLimits())
    window = TimeWindow.ending_at(datetime.now(UTC), RECENT)
    return len(await repository.known_services(window))


def _timeout_named(error: BaseException, timeout_s: float) -> BaseException:
    if isinstance(error, TimeoutError):
        return DataSourceUnavailable(f"no answer within {timeout_s:g}s")
    return error


async def _redis(url: str | None, timeout_s: float) -> CheckResult:
    if url is None:
        return redis_check(None)
    address = RedisLink(url).address  # host:port without the password a URL may carry
    try:
        client = Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
    except ValueError as exc:
        return redis_check(address, exc)
    try:
        async with asyncio.timeout(timeout_s):
            await client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure to answer is the finding
        return redis_check(address, _timeout_named(exc, timeout_s))
    finally:
        await client.aclose()
    return redis_check(address)
