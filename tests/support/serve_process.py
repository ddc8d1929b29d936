"""`aisher serve` as a real subprocess: seeded embedded store, Slack emulator, free HTTP port.

`ServeProcess.start()` loads the hand-made incident into a private chDB store with `aisher load`
(the store is opened by one process at a time), starts `python -m aisher serve` with the
environment a deployment would set, and waits until it says it is ready. `stop()` sends SIGTERM
and returns the exit code; the process is killed if it does not stop in time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from aisher.testing.slack_emulator import ALERTS, SlackEmulator
from tests.support.incident import build_incident

WEBHOOK_TOKEN = "serve-process-webhook-token"
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0
READY_LINE = "aisher serve: ready"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServeProcess:
    """One `aisher serve` for a test; `stderr` collects what it printed."""

    def __init__(self, directory: Path, slack: SlackEmulator | None) -> None:
        self._directory = directory
        self.slack = slack
        self.port = free_port()
        self.stderr_lines: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/alertmanager"

    @property
    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    def environment(self) -> dict[str, str]:
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AISHER_", "SLACK_"))
        }
        env = {
            **inherited,
            "AISHER_DATA_DIR": str(self._directory / "data"),
            "AISHER_CLICKHOUSE_DSN": f"chdb://{self._directory / 'store'}",
            "AISHER_HTTP_HOST": "127.0.0.1",
            "AISHER_HTTP_PORT": str(self.port),
            "AISHER_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
            "AISHER_ALERT_CHANNEL": ALERTS.id,
        }
        if self.slack is not None:
            env |= {
                "SLACK_BOT_TOKEN": self.slack.bot_token,
                "SLACK_APP_TOKEN": self.slack.app_token,
                "AISHER_SLACK_API_URL": self.slack.api_url,
            }
        return env

    def seed(self) -> None:
        """Load the incident, ending now, with `aisher load`."""
        documents = self._directory / "incident.jsonl"
        documents.write_text("\n".join(build_incident(time.time_ns()).documents) + "\n")
        loaded = subprocess.run(
            [sys.executable, "-m", "aisher", "load", str(documents)],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
        if loaded.returncode != 0:
            raise AssertionError(f"aisher load failed: {loaded.stderr}")

    def start(self, *extra: str) -> None:
        """Start `aisher serve` and wait until it is ready (or fail with what it printed)."""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "aisher", "serve", *extra],
            env=self.environment(),
            cwd=self._directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        ready = self._ready.wait(START_TIMEOUT_S) and READY_LINE in self.stderr
        if not ready or self._process.poll() is not None:
            self.kill()
            raise AssertionError(f"aisher serve did not get ready:\n{self.stderr}")

    def stop(self, signal_number: int = signal.SIGTERM) -> int:
        """Send `signal_number`, then the exit code (killed after STOP_TIMEOUT_S, which fails
        the test)."""
        if self._process is None:
            raise RuntimeError("not started")
        self._process.send_signal(signal_number)
        try:
            code = self._process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"aisher serve ignored the signal:\n{self.stderr}") from None
        if self._reader is not None:
            self._reader.join(5)
        return code

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(STOP_TIMEOUT_S)

    def _read(self) -> None:
        assert self._process is not None
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self.stderr_lines.append(line.rstrip("\n"))
            if line.startswith(READY_LINE):
                self._ready.set()
        self._ready.set()  # the process ended: `start` stops waiting and reports it
