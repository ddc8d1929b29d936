"""The real Alertmanager notifying the real `aisher serve`: card, analysis, update, resolution.

Debian's `prometheus-alertmanager` runs on loopback with a webhook receiver pointing at the bot
(bearer token in `http_config.authorization`) and short group timers; the test posts alerts to
its API v2 and watches the Slack emulator. Skipped with the reason when the binary is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from aisher.testing.slack_emulator import ALERTS, Message, SlackEmulator
from tests.support.serve_process import WEBHOOK_TOKEN, ServeProcess, free_port

BINARY_NAMES = ("prometheus-alertmanager", "alertmanager")
START_TIMEOUT_S = 30.0
WAIT_S = 90.0

CONFIG = """\
route:
  receiver: aisher
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: aisher
    webhook_configs:
      - url: {url}
        send_resolved: true
        http_config:
          authorization:
            credentials: {token}
"""


def find_alertmanager() -> str:
    for name in BINARY_NAMES:
        path = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/local/bin")
        if path:
            return path
    pytest.skip(
        "Alertmanager is not installed; on Debian/Ubuntu: apt-get install prometheus-alertmanager"
    )


class Alertmanager:
    """One Alertmanager process on 127.0.0.1 without clustering."""

    def __init__(self, binary: str, directory: Path, webhook_url: str) -> None:
        self.port = free_port()
        config = directory / "alertmanager.yml"
        config.write_text(CONFIG.format(url=webhook_url, token=WEBHOOK_TOKEN))
        self._log = (directory / "alertmanager.log").open("w")
        self._process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.path={directory / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
                "--log.level=debug",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._log_path = directory / "alertmanager.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise AssertionError(f"Alertmanager exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"Alertmanager did not get ready:\n{self.log()}")

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.url}/api/v2/alerts",
            data=json.dumps(alerts).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200

    def log(self) -> str:
        self._log.flush()
        return self._log_path.read_text()[-4000:]

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(10)
        self._log.close()


def alert(instance: str, *, ends_at: datetime | None = None) -> dict[str, Any]:
    """An alert about frontend, firing since the incident began (or ended at `ends_at`)."""
    body: dict[str, Any] = {
        "labels": {
            "alertname": "HighErrorRate",
            "service": "frontend",
            "severity": "page",
            "instance": instance,
        },
        "annotations": {"summary": "frontend 5xx ratio > 5%"},
        "startsAt": (datetime.now(UTC) - timedelta(minutes=25)).isoformat(),
        "generatorURL": "http://prometheus.example:9090/graph",
    }
    if ends_at is not None:
        body["endsAt"] = ends_at.isoformat()
    return body


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


def everything(messages: list[Message]) -> str:
    return "\n".join(f"{m.text}\n{m.blocks!r}" for m in messages)


class TestAlertmanagerBinary:
    def test_alertmanager_notifications_become_a_card_thread_and_resolution(
        self, tmp_path: Path, slack: SlackEmulator
    ) -> None:
        """Alerts posted to Alertmanager reach Slack as one card with the analysis in its
        thread; a second alert updates the card; resolving marks it resolved."""
        binary = find_alertmanager()
        bot = ServeProcess(tmp_path, slack)
        bot.seed()
        bot.start()
        manager = Alertmanager(binary, tmp_path, bot.webhook_url)
        try:
            manager.wait_ready()
            manager.post_alerts([alert("web-1")])
            [card] = slack.wait_for_sync(
                lambda: slack.posts(ALERTS.id)[:1], timeout=WAIT_S, what="the alert card"
            )
            assert "FIRING" in everything([card])
            replies = slack.wait_for_sync(
                lambda: r if len(r := slack.thread(ALERTS.id, card.ts)[1:]) >= 2 else None,
                timeout=WAIT_S,
                what="the analysis in the card's thread",
            )
            assert "payment" in everything(replies)

            manager.post_alerts([alert("web-1"), alert("web-2")])
            slack.wait_for_sync(
                lambda: any("fired 2 times" in repr(u.blocks) for u in slack.updates()),
                timeout=WAIT_S,
                what="the card updated for the second alert",
            )

            ended = datetime.now(UTC)
            manager.post_alerts([alert("web-1", ends_at=ended), alert("web-2", ends_at=ended)])
            slack.wait_for_sync(
                lambda: "RESOLVED" in everything([slack.message(ALERTS.id, card.ts) or card]),
                timeout=WAIT_S,
                what="the card marked resolved",
            )
            slack.wait_for_sync(
                lambda: any("Resolved" in m.text for m in slack.thread(ALERTS.id, card.ts)),
                timeout=WAIT_S,
                what="the resolution note in the thread",
            )
            top_level = [m for m in slack.posts(ALERTS.id) if m.thread_ts is None]
            assert [m.ts for m in top_level] == [card.ts]
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- alertmanager ---\n{manager.log()}") from exc
        finally:
            manager.stop()
            code = bot.stop()
        assert code == 0, bot.stderr
        assert "Traceback" not in bot.stderr
