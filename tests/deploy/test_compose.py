"""docker-compose.yml: Aisher with its Redis, configured from .env."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))


class TestComposeFile:
    def test_aisher_reads_env_and_uses_the_stack_redis(self) -> None:
        """Aisher builds from the repository, reads .env and points its Redis URL at `redis`."""
        aisher = COMPOSE["services"]["aisher"]
        assert aisher["build"] == "."
        assert aisher["env_file"] in (".env", [".env"])
        assert aisher["environment"]["AISHER_REDIS_URL"].startswith("redis://redis:6379")
        assert aisher["depends_on"]["redis"]["condition"] == "service_healthy"

    def test_redis_has_a_health_check(self) -> None:
        """Redis answers PING before Aisher starts."""
        redis = COMPOSE["services"]["redis"]
        assert "redis-cli" in redis["healthcheck"]["test"]

    def test_aisher_runs_read_only_with_data_and_tmp(self) -> None:
        """Only /data (a volume) and /tmp (tmpfs) are writable, as in Kubernetes."""
        aisher = COMPOSE["services"]["aisher"]
        assert aisher["read_only"] is True
        assert aisher["tmpfs"] == ["/tmp"]  # noqa: S108  # the container's own /tmp
        assert any(volume.endswith(":/data") for volume in aisher["volumes"])
        assert aisher["environment"]["AISHER_DATA_DIR"] == "/data"

    def test_port_and_stop_grace(self) -> None:
        """The HTTP port is published on loopback and the stop grace outlasts the drain."""
        aisher = COMPOSE["services"]["aisher"]
        assert aisher["ports"] == ["127.0.0.1:8080:8080"]
        assert aisher["stop_grace_period"] == "30s"

    def test_docker_compose_accepts_it(self, tmp_path: Path) -> None:
        """`docker compose config` validates the file, when the compose plugin is installed."""
        docker = shutil.which("docker")
        if (
            docker is None
            or subprocess.run(
                [docker, "compose", "version"], capture_output=True, check=False, timeout=30
            ).returncode
        ):
            pytest.skip("the docker compose plugin is not installed here")
        (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-test\n", encoding="utf-8")
        result = subprocess.run(
            # Relative paths (.env, the build context) resolve against the project directory.
            [
                docker,
                "compose",
                "--file",
                str(ROOT / "docker-compose.yml"),
                "--project-directory",
                str(tmp_path),
                "config",
                "--quiet",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
