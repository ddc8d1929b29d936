"""`aisher serve` stopped mid-analysis: it drains, posts the answer, and exits 0.

A real `serve` process reads the incident from the ClickHouse HTTP emulator, which is made slow
once the process is ready; SIGTERM arrives while an analysis waits on it. The process must stop
being ready at once, refuse new alerts with 503, finish and post the analysis, and exit 0,
logging JSON lines that carry the request id and writing the audit line.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.testing.slack_emulator import GENERAL, USER_ID, SlackEmulator
from tests.slack.app_harness import alert_payload
from tests.support.clickhouse_http import ClickHouseHttpEmulator
from tests.support.databases import seed_recent_incident
from tests.support.serve_process import WEBHOOK_TOKEN, ServeProcess

WAIT_S = 60.0
# Every ClickHouse answer is held back this long once the analysis starts: it takes a few
# rounds of queries, so SIGTERM surely arrives while it runs.
SLOW_QUERY_S = 1.0
GRACE_S = 25
ID_FIELDS = ("request_id", "alert_id")
# Loggers whose lines belong to an analysis, and so must carry its id.
ANALYSIS_LOGGERS = ("aisher.analysis", "aisher.signoz.repository", "aisher.slack.conversation")


class SlowStoreServe(ServeProcess):
    """`serve` reading the test's databases through the ClickHouse HTTP emulator."""

    def __init__(
        self, directory: Path, slack: SlackEmulator, clickhouse: ClickHouseSettings, dsn: str
    ) -> None:
        super().__init__(directory, slack)
        self._clickhouse = clickhouse
        self._dsn = dsn
        self.audit_path = directory / "audit.jsonl"

    def environment(self) -> dict[str, str]:
        return super().environment() | {
            "AISHER_CLICKHOUSE_DSN": self._dsn,
            "AISHER_TRACES_DATABASE": self._clickhouse.traces_database,
            "AISHER_LOGS_DATABASE": self._clickhouse.logs_database,
            "AISHER_CLICKHOUSE_RETRIES": "0",
            "AISHER_AUDIT_LOG": str(self.audit_path),
            "AISHER_SHUTDOWN_GRACE_S": str(GRACE_S),
            "AISHER_LOG_FORMAT": "json",
            "AISHER_LOG_LEVEL": "INFO",
        }


async def until(predicate: Callable[[], Any], what: str) -> Any:
    """The first truthy `predicate()`, polled; fails after WAIT_S."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not (found := predicate()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return found


async def readyz(url: str) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.get(url) as response,
    ):
        return response.status, await response.json()


async def draining(url: str) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while True:
        status, body = await readyz(url)
        if status == 503 and body["status"] == "draining":
            return body
        if loop.time() > deadline:
            raise AssertionError(f"/readyz never said draining: {status} {body}")
        await asyncio.sleep(0.05)


def json_lines(stderr: str) -> list[dict[str, Any]]:
    """The log lines (the `aisher serve: …` banner lines are plain text by design)."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


class TestServeShutdown:
    async def test_sigterm_mid_analysis_drains_posts_and_exits_zero(
        self,
        tmp_path: Path,
        store: EmbeddedExecutor,
        clickhouse_settings: ClickHouseSettings,
        clickhouse_http: ClickHouseHttpEmulator,
    ) -> None:
        """Readiness fails, webhooks get 503, the running analysis is posted, exit code 0."""
        await seed_recent_incident(store, clickhouse_settings)
        with SlackEmulator() as slack:
            bot = SlowStoreServe(tmp_path, slack, clickhouse_settings, clickhouse_http.dsn)
            await asyncio.to_thread(bot.start)
            ready_url = f"http://127.0.0.1:{bot.port}/readyz"
            try:
                assert (await readyz(ready_url))[0] == 200
                clickhouse_http.delay_s = SLOW_QUERY_S
                before = clickhouse_http.requests
                slack.push_slash_command("why frontend 30m", channel_id=GENERAL.id)
                await until(lambda: clickhouse_http.requests > before, "the analysis to query")
                assert slack.posts(GENERAL.id) == []
                stopping = asyncio.ensure_future(asyncio.to_thread(bot.stop))
                await draining(ready_url)
                async with (
                    aiohttp.ClientSession() as session,
                    session.post(
                        bot.webhook_url,
                        json=alert_payload(),
                        headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
                    ) as response,
                ):
                    assert response.status == 503
                    assert response.headers["Retry-After"]
                code = await stopping
            finally:
                clickhouse_http.delay_s = 0.0
                bot.kill()
            posts = slack.posts(GENERAL.id)

        assert code == 0, bot.stderr
        assert "Traceback" not in bot.stderr
        assert [post for post in posts if "payment" in f"{post.text}{post.blocks!r}"]

        logs = json_lines(bot.stderr)
        [analysed] = [line for line in logs if line["message"].startswith("analysed frontend")]
        request_id = analysed["request_id"]
        analysis_lines = [line for line in logs if line["logger"].startswith(ANALYSIS_LOGGERS)]
        assert analysis_lines
        assert all(any(field in line for field in ID_FIELDS) for line in analysis_lines)
        assert any(line["message"].startswith("work in flight finished") for line in logs)
        for secret in (slack.bot_token, slack.app_token, WEBHOOK_TOKEN, clickhouse_http.password):
            assert secret not in bot.stderr

        audit = [json.loads(line) for line in bot.audit_path.read_text().splitlines()]
        [analysis] = [line for line in audit if line["event"] == "analysis"]
        assert (analysis["trigger"], analysis["who"], analysis["outcome"]) == (
            "slash",
            USER_ID,
            "answered",
        )
        assert analysis["id"] == request_id
        [refused] = [line for line in audit if line["event"] == "refused"]
        assert (refused["trigger"], refused["reason"]) == ("alert", "shutting_down")
