"""Structured logging: JSON or text lines, the request id through contextvars, no secrets."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from aisher.config import CacheSettings, ClickHouseSettings, HttpSettings, OpsSettings, Settings
from aisher.ops.logging import (
    QUIET_LOGGERS,
    SecretRedactor,
    configure_logging,
    log_context,
    settings_secrets,
    use_json,
)

log = logging.getLogger("aisher.tests.logging")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_root() -> Iterator[None]:
    """configure_logging replaces the root handlers; put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, quiet_level in quiet.items():
            logging.getLogger(name).setLevel(quiet_level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


class TestConfigureLogging:
    def test_json_lines_carry_the_bound_context(self, restore_root: None) -> None:
        """Each line is one JSON object with level, logger, message and the bound ids."""
        stream = io.StringIO()
        configure_logging(OpsSettings(log_format="json"), stream=stream)
        with log_context(request_id="r1", trigger="slash"):
            log.info("analysing %s", "checkout")
            with log_context(alert_id="a1"):
                log.warning("inner")
        log.info("outside")
        first, inner, outside = lines(stream)
        assert first["message"] == "analysing checkout"
        assert first["level"] == "info"
        assert first["logger"] == "aisher.tests.logging"
        assert (first["request_id"], first["trigger"]) == ("r1", "slash")
        assert (inner["request_id"], inner["alert_id"]) == ("r1", "a1")
        assert "request_id" not in outside

    async def test_the_context_follows_tasks_and_threads(self, restore_root: None) -> None:
        """Lines logged by tasks and worker threads started inside the block carry its id."""
        stream = io.StringIO()
        configure_logging(OpsSettings(log_format="json"), stream=stream)

        async def step() -> None:
            log.info("in a task")

        with log_context(request_id="r2"):
            await asyncio.gather(step(), asyncio.to_thread(log.info, "in a thread"))
        assert [line["request_id"] for line in lines(stream)] == ["r2", "r2"]

    def test_exceptions_are_one_json_field(self, restore_root: None) -> None:
        """A logged exception stays on the line, as an `exception` field."""
        stream = io.StringIO()
        configure_logging(OpsSettings(log_format="json"), stream=stream)
        try:
            int("broken")
        except ValueError:
            log.exception("failed")
        [line] = lines(stream)
        assert "ValueError: invalid literal" in str(line["exception"])

    def test_text_for_a_terminal_and_the_level(self, restore_root: None) -> None:
        """`auto` writes text to a terminal; lines below AISHER_LOG_LEVEL are dropped."""
        stream = Terminal()
        configure_logging(OpsSettings(log_format="auto", log_level="WARNING"), stream=stream)
        with log_context(request_id="r3"):
            log.info("hidden")
            log.warning("shown")
        text = stream.getvalue()
        assert "hidden" not in text
        assert "WARNING aisher.tests.logging [request_id=r3]: shown" in text
        assert use_json("auto", io.StringIO())

    def test_configuring_twice_does_not_duplicate_lines(self, restore_root: None) -> None:
        """A second call replaces the handler instead of adding one."""
        stream = io.StringIO()
        configure_logging(OpsSettings(log_format="json"), stream=io.StringIO())
        configure_logging(OpsSettings(log_format="json"), stream=stream)
        log.info("once")
        assert len(lines(stream)) == 1


class TestSecretRedactor:
    def test_configured_secrets_never_reach_a_line(self, restore_root: None) -> None:
        """Tokens, API keys and DSN and Redis passwords from the settings are replaced by ***."""
        settings = Settings(
            http=HttpSettings(
                webhook_token=SecretStr("hook-9f8e7d6c"), api_keys=(SecretStr("key-a1b2c3d4"),)
            ),
            cache=CacheSettings(redis_url="redis://:redis-pw-5566@cache:6379/0"),
            clickhouse=ClickHouseSettings(dsn="http://reader:ch-pw-7788@ch:8123/"),
        )
        stream = io.StringIO()
        configure_logging(
            OpsSettings(log_format="json"), secrets=settings_secrets(settings), stream=stream
        )
        log.warning(
            "token %s key %s redis %s dsn %s",
            "hook-9f8e7d6c",
            "key-a1b2c3d4",
            settings.cache.redis_url,
            settings.clickhouse.dsn,
        )
        text = stream.getvalue()
        for secret in ("hook-9f8e7d6c", "key-a1b2c3d4", "redis-pw-5566", "ch-pw-7788"):
            assert secret not in text
        assert "http://reader:***@ch:8123/" in text

    def test_credential_shapes_are_redacted_without_configuration(self) -> None:
        """Bearer tokens, Slack tokens, sk- keys and URL passwords are redacted by shape."""
        redact = SecretRedactor()
        text = redact(
            "Authorization: Bearer abcdefgh12345 xoxb-1111-2222-abcdefgh "
            "sk-proj0123456789abcdef postgres://app:hunter22@db/x"
        )
        assert text == ("Authorization: Bearer *** *** *** postgres://app:***@db/x")
