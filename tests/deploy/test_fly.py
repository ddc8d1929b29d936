"""fly.toml: a worker that keeps running, checked on /healthz, scraped on /metrics."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from aisher.config import OpsSettings

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "fly.toml").read_text(encoding="utf-8")
FLY: dict[str, Any] = tomllib.loads(TEXT)


class TestFlyConfig:
    def test_stops_gracefully_within_the_drain(self) -> None:
        """SIGTERM starts the drain, and Fly waits at least the shutdown grace before SIGKILL."""
        grace = OpsSettings().shutdown_grace_s
        assert FLY["kill_signal"] == "SIGTERM"
        assert FLY["kill_timeout"] >= grace
        assert float(FLY["env"]["AISHER_SHUTDOWN_GRACE_S"]) < FLY["kill_timeout"]

    def test_checks_healthz_on_the_http_port(self) -> None:
        """Every top-level check is an HTTP GET of /healthz on the server's port."""
        port = int(FLY["env"]["AISHER_HTTP_PORT"])
        checks = FLY["checks"]
        assert checks
        for check in checks.values():
            assert check["type"] == "http"
            assert check["path"] == "/healthz"
            assert check["port"] == port

    def test_exposes_metrics_for_scraping(self) -> None:
        """Fly's Prometheus scrapes /metrics on the server's port."""
        assert FLY["metrics"] == {"port": int(FLY["env"]["AISHER_HTTP_PORT"]), "path": "/metrics"}

    def test_never_stops_the_socket_mode_worker(self) -> None:
        """The private service keeps one machine running: idle HTTP must not stop the bot."""
        for service in FLY.get("services", []):
            assert service["internal_port"] == int(FLY["env"]["AISHER_HTTP_PORT"])
            assert service["auto_stop_machines"] in ("off", False)
            assert service["min_machines_running"] >= 1
        assert "--no-public-ips" in TEXT
        assert "allocate-v6 --private" in TEXT

    def test_restarts_and_keeps_data_under_data(self) -> None:
        """A restart policy is set, and the data directory (and any mount) is /data."""
        assert FLY["restart"][0]["policy"] in ("always", "on-failure")
        assert FLY["env"]["AISHER_DATA_DIR"] == "/data"
        mounts = FLY.get("mounts", {})
        assert mounts.get("destination", "/data") == "/data"
        assert 'destination = "/data"' in TEXT  # documented even while commented out
