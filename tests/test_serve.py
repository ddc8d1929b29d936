"""`aisher serve` as a user runs it: a real process on the Slack emulator, stopped by SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aisher.testing.slack_emulator import ALERTS, GENERAL, Message, SlackEmulator
from tests.support.serve_process import WEBHOOK_TOKEN, ServeProcess

WAIT_S = 60.0


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def post_json(url: str, payload: dict[str, Any], token: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - a loopback URL the test built
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        status: int = response.status
        return status


def notification(status: str = "firing") -> dict[str, Any]:
    now = datetime.now(UTC)
    labels = {"alertname": "HighErrorRate", "service": "frontend", "severity": "page"}
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "status": status,
        "receiver": "aisher",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [
            {
                "status": status,
                "labels": labels,
                "annotations": {"summary": "frontend fails"},
                "startsAt": (now - timedelta(minutes=25)).isoformat(),
                "endsAt": now.isoformat() if status == "resolved" else "0001-01-01T00:00:00Z",
                "fingerprint": "1a30ba71cca2921f",
            }
        ],
    }


def thread_replies(slack: SlackEmulator, channel: str, ts: str, count: int) -> list[Message]:
    def found() -> list[Message] | None:
        replies = slack.thread(channel, ts)[1:]
        return replies if len(replies) >= count else None

    return slack.wait_for_sync(found, timeout=WAIT_S, what=f"{count} thread replies")


def everything(messages: list[Message]) -> str:
    return "\n".join(f"{m.text}\n{m.blocks!r}" for m in messages)


class TestServeProcess:
    def test_serves_slack_and_the_webhook_then_stops_on_sigterm(
        self, tmp_path: Path, slack: SlackEmulator
    ) -> None:
        """The real process answers /aisher and an Alertmanager webhook, and exits 0 on SIGTERM."""
        bot = ServeProcess(tmp_path, slack)
        bot.seed()
        bot.start()
        try:
            assert "Slack: connected" in bot.stderr
            envelope = slack.push_slash_command("why frontend 30m", channel_id=GENERAL.id)
            ack = slack.wait_for_sync(
                lambda: next(iter(slack.acks(envelope)), None), timeout=WAIT_S, what="the ack"
            )
            assert ack.latency_s < 3.0
            [summary] = slack.wait_for_sync(
                lambda: slack.posts(GENERAL.id)[:1], timeout=WAIT_S, what="the summary"
            )
            assert "payment" in everything([summary])
            assert "payment" in everything(thread_replies(slack, GENERAL.id, summary.ts, 1))

            assert post_json(bot.webhook_url, notification(), WEBHOOK_TOKEN) == 202
            [card] = slack.wait_for_sync(
                lambda: slack.posts(ALERTS.id)[:1], timeout=WAIT_S, what="the alert card"
            )
            assert "FIRING" in everything([card])
            assert "payment" in everything(thread_replies(slack, ALERTS.id, card.ts, 2))
        finally:
            code = bot.stop()
        assert code == 0, bot.stderr
        assert "Traceback" not in bot.stderr
        assert "aisher serve: stopping" in bot.stderr

    def test_without_slack_tokens_runs_the_http_side_alone(self, tmp_path: Path) -> None:
        """No Slack tokens: serve says so at start, still takes webhooks, and stops cleanly."""
        bot = ServeProcess(tmp_path, slack=None)
        bot.start()
        try:
            assert "Slack: off" in bot.stderr
            assert post_json(bot.webhook_url, notification(), WEBHOOK_TOKEN) == 202
        finally:
            code = bot.stop()
        assert code == 0, bot.stderr
        assert "Traceback" not in bot.stderr

    def test_no_slack_flag_keeps_slack_off(self, tmp_path: Path, slack: SlackEmulator) -> None:
        """`--no-slack` keeps Slack off even with tokens set; SIGINT ends it with 0 as well."""
        bot = ServeProcess(tmp_path, slack)
        bot.start("--no-slack")
        try:
            assert "Slack: off (--no-slack)" in bot.stderr
            assert slack.connections() == []
        finally:
            code = bot.stop(signal.SIGINT)
        assert code == 0, bot.stderr
        assert "Traceback" not in bot.stderr

    def test_a_refused_app_token_is_one_line_and_exit_code_4(
        self, tmp_path: Path, slack: SlackEmulator
    ) -> None:
        """A token Slack refuses stops start-up with one line naming the variable."""
        env = ServeProcess(tmp_path, slack).environment() | {"SLACK_APP_TOKEN": "xoxb-not-an-app"}
        result = subprocess.run(
            [sys.executable, "-m", "aisher", "serve"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 4, result.stderr
        assert "Traceback" not in result.stderr
        [line] = [line for line in result.stderr.splitlines() if line.startswith("aisher: ")]
        assert "SLACK_APP_TOKEN" in line
