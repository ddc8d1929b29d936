"""`aisher check` against real parts: a seeded chDB store (also over ClickHouse's HTTP
interface), a real redis-server, the Slack emulator and litellm with the provider's HTTP mocked.
A good setup is all green; a broken one names each problem with its fix; `serve` logs the same
checks at start-up."""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Iterable
from pathlib import Path

import pytest
from pydantic import SecretStr

from aisher.cli import main
from aisher.commands.check import run_check
from aisher.config import (
    AlertSettings,
    CacheSettings,
    ClickHouseSettings,
    HttpSettings,
    LlmSettings,
    Settings,
    SlackSettings,
)
from aisher.ops.slack_probe import default_manifest, read_manifest_scopes
from aisher.serve import open_service
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.testing.slack_emulator import ALERTS, DEFAULT_SCOPES, SlackEmulator
from tests.support.databases import seed_recent_incident as seed
from tests.support.fake_llm import FAKE_KEY, error_reply, fake_llm_settings, fake_provider, reply
from tests.support.redis_server import RedisServer

WEBHOOK_TOKEN = "webhook-token-2f9a7c1e5b3d8f0a4c6e"
API_KEY = "api-key-7d3b1f9e5a2c4e6081b3c5d7"
DB_PASSWORD = "pw-not-for-output"


def manifest_scopes() -> frozenset[str]:
    scopes = read_manifest_scopes(default_manifest())
    assert scopes is not None
    return scopes


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def deployment(
    clickhouse: ClickHouseSettings,
    data_dir: Path,
    slack: SlackEmulator,
    *,
    redis_url: str | None,
    llm: LlmSettings,
    webhook_token: str | None = WEBHOOK_TOKEN,
    bot_token: str | None = None,
    app_token: str | None = None,
) -> Settings:
    return Settings(
        data_dir=data_dir,
        clickhouse=clickhouse,
        cache=CacheSettings(redis_url=redis_url),
        llm=llm,
        slack=SlackSettings(
            bot_token=SecretStr(bot_token or slack.bot_token),
            app_token=SecretStr(app_token or slack.app_token),
            api_url=slack.api_url,
        ),
        http=HttpSettings(
            host="127.0.0.1",
            port=0,
            webhook_token=SecretStr(webhook_token) if webhook_token else None,
            api_keys=(SecretStr(API_KEY),),
        ),
        alerts=AlertSettings(channel=ALERTS.id),
    )


async def check(settings: Settings, *, llm_call: bool = False) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = await run_check(settings, llm_call=llm_call, out=out)
    return code, out.getvalue().splitlines()


def line_of(lines: Iterable[str], name: str) -> str:
    [line] = [line for line in lines if line.split(" ", 1)[1].startswith(f"{name}:")]
    return line


class TestGoodSetup:
    async def test_every_check_passes(
        self,
        store: EmbeddedExecutor,
        clickhouse_settings: ClickHouseSettings,
        tmp_path: Path,
        redis_server: RedisServer,
    ) -> None:
        """Seeded store, live Redis, known model with a key that answers, a Slack app with
        the manifest's scopes, webhook token and API key: every line ✓, exit code 0."""
        await seed(store, clickhouse_settings)
        async with SlackEmulator(scopes=DEFAULT_SCOPES | manifest_scopes()) as slack:
            settings = deployment(
                clickhouse_settings,
                tmp_path,
                slack,
                redis_url=redis_server.url,
                llm=fake_llm_settings(),
            )
            with fake_provider() as provider:
                provider.queue(reply("OK", prompt_tokens=9, completion_tokens=1))
                code, lines = await check(settings, llm_call=True)
                [body] = provider.bodies
        assert code == 0, "\n".join(lines)
        assert body["max_tokens"] == 1
        checks = lines[:-1]
        assert [line.split(":", 1)[0] for line in checks] == [
            "✓ ClickHouse",
            "✓ Redis",
            "✓ LLM model",
            "✓ LLM key",
            "✓ LLM call",
            "✓ Slack tokens",
            "✓ Slack auth",
            "✓ Slack scopes",
            "✓ Slack app token",
            "✓ Alert webhook",
            "✓ REST API keys",
        ]
        assert "traces v3" in line_of(lines, "ClickHouse")
        assert "5 services" in line_of(lines, "ClickHouse")
        assert "@aisher" in line_of(lines, "Slack auth")
        assert lines[-1] == "aisher check: all 11 checks passed"

    async def test_clickhouse_over_http_passes(
        self, store: EmbeddedExecutor, http_clickhouse_settings: ClickHouseSettings, tmp_path: Path
    ) -> None:
        """A SigNoz ClickHouse reached over HTTP: found, without its password in the output."""
        await seed(store, http_clickhouse_settings)
        async with SlackEmulator(scopes=DEFAULT_SCOPES | manifest_scopes()) as slack:
            settings = deployment(
                http_clickhouse_settings, tmp_path, slack, redis_url=None, llm=LlmSettings()
            )
            code, lines = await check(settings)
        assert code == 0, "\n".join(lines)
        clickhouse = line_of(lines, "ClickHouse")
        assert clickhouse.startswith("✓")
        assert "http://" in clickhouse
        assert "secret" not in "\n".join(lines)


class TestBrokenSetup:
    async def test_each_problem_is_named_with_its_fix(
        self,
        clickhouse_settings: ClickHouseSettings,
        tmp_path: Path,
        redis_server: RedisServer,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Closed ClickHouse port, dead Redis, no LLM key, missing scopes and no webhook token:
        exit code 1 and one ✗ line for each, saying what to set."""
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        redis_server.kill()
        broken_clickhouse = clickhouse_settings.model_copy(
            update={"dsn": f"http://default:{DB_PASSWORD}@127.0.0.1:{closed_port()}/"}
        )
        async with SlackEmulator(scopes={"commands", "chat:write"}) as slack:
            settings = deployment(
                broken_clickhouse,
                tmp_path,
                slack,
                redis_url=redis_server.url,
                llm=LlmSettings(model="openai/gpt-4o-mini"),
                webhook_token=None,
            )
            code, lines = await check(settings)
        output = "\n".join(lines)
        assert code == 1, output
        expected = {
            "ClickHouse": "AISHER_CLICKHOUSE_DSN",
            "Redis": "AISHER_REDIS_URL",
            "LLM key": "OPENAI_API_KEY or AISHER_LLM_API_KEY",
            "Slack scopes": "app_mentions:read",
            "Alert webhook": "AISHER_WEBHOOK_TOKEN",
        }
        for name, named in expected.items():
            line = line_of(lines, name)
            assert line.startswith("✗"), line
            assert named in line, line
        assert line_of(lines, "Slack auth").startswith("✓")
        assert DB_PASSWORD not in output
        assert "aisher check: 5 of 10 checks failed" in lines[-1]

    async def test_rejected_slack_token_is_named(
        self, clickhouse_settings: ClickHouseSettings, tmp_path: Path
    ) -> None:
        """auth.test answering invalid_auth: ✗ Slack auth with the token to copy again."""
        async with SlackEmulator() as slack:
            slack.inject_error("auth.test", "invalid_auth")
            settings = deployment(
                clickhouse_settings, tmp_path, slack, redis_url=None, llm=LlmSettings()
            )
            code, lines = await check(settings)
        assert code == 1
        line = line_of(lines, "Slack auth")
        assert line.startswith("✗")
        assert "invalid_auth" in line
        assert "Bot User OAuth Token" in line

    async def test_swapped_slack_tokens_are_named(
        self, clickhouse_settings: ClickHouseSettings, tmp_path: Path
    ) -> None:
        """The app token in SLACK_BOT_TOKEN: ✗ Slack tokens, and Slack is not called."""
        async with SlackEmulator() as slack:
            settings = deployment(
                clickhouse_settings,
                tmp_path,
                slack,
                redis_url=None,
                llm=LlmSettings(),
                bot_token=slack.app_token,
                app_token=slack.bot_token,
            )
            code, lines = await check(settings)
            calls = slack.calls()
        assert code == 1
        assert "xoxb-" in line_of(lines, "Slack tokens")
        assert calls == []

    async def test_failed_llm_call_is_named_without_the_key(
        self, clickhouse_settings: ClickHouseSettings, tmp_path: Path
    ) -> None:
        """--llm-call with the provider refusing the key: ✗ LLM call, the key never shown."""
        async with SlackEmulator(scopes=DEFAULT_SCOPES | manifest_scopes()) as slack:
            settings = deployment(
                clickhouse_settings, tmp_path, slack, redis_url=None, llm=fake_llm_settings()
            )
            with fake_provider() as provider:
                provider.queue(error_reply(401, f"Incorrect API key provided: {FAKE_KEY}"))
                code, lines = await check(settings, llm_call=True)
        assert code == 1
        line = line_of(lines, "LLM call")
        assert line.startswith("✗")
        assert "401" in line
        assert FAKE_KEY not in "\n".join(lines)


class TestCommandLine:
    def test_check_subcommand_exits_non_zero_on_problems(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """`aisher check` reads the environment, prints ✗ for a closed ClickHouse port and a
        dead Redis, and exits 1."""
        for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "AISHER_LLM_MODEL", "AISHER_API_KEYS"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.chdir(tmp_path)  # no .env from the working directory
        monkeypatch.setenv("AISHER_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("AISHER_REDIS_URL", f"redis://127.0.0.1:{closed_port()}/0")
        monkeypatch.setenv("AISHER_CLICKHOUSE_DSN", f"http://127.0.0.1:{closed_port()}/")
        assert main(["check"]) == 1
        lines = capsys.readouterr().out.splitlines()
        assert line_of(lines, "ClickHouse").startswith("✗")
        assert line_of(lines, "Redis").startswith("✗")
        assert line_of(lines, "Slack tokens").startswith("-")


class TestServeStartup:
    async def test_serve_logs_the_checks_at_start(
        self,
        store: EmbeddedExecutor,
        clickhouse_settings: ClickHouseSettings,
        tmp_path: Path,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        """`serve` runs the checks before it starts and logs each; problems at error level."""
        await seed(store, clickhouse_settings)
        settings = Settings(
            data_dir=tmp_path,
            clickhouse=clickhouse_settings,
            cache=CacheSettings(redis_url=f"redis://127.0.0.1:{closed_port()}/0"),
            http=HttpSettings(host="127.0.0.1", port=0),
        )
        with caplog.at_level(logging.INFO, logger="aisher.ops.preflight"):
            async with open_service(settings, slack=False):
                pass
        logged = {
            record.getMessage().split(":", 1)[0]: record.levelno
            for record in caplog.records
            if record.name == "aisher.ops.preflight"
        }
        assert logged["check fail Redis"] == logging.ERROR
        assert logged["check ok ClickHouse"] == logging.INFO
        assert "check skip Slack" in logged
