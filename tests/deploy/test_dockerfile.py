"""The Dockerfile and .dockerignore, read without Docker (none runs here)."""

from __future__ import annotations

from pathlib import Path

from tests.deploy.dockerfile import Instruction, logical_lines, parse_stages

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPILERS = ("build-essential", "gcc", "g++", "clang", "make ")


class TestDockerfileReader:
    def test_joins_continuations_and_drops_comments(self) -> None:
        """Continued lines join into one instruction and comment lines vanish, even inside."""
        text = "# top\nRUN a \\\n  # inside\n  && b\nUSER 1\n"
        assert logical_lines(text) == ["RUN a && b", "USER 1"]

    def test_splits_stages_with_names(self) -> None:
        """Each FROM opens a stage, named by its AS clause."""
        stages = parse_stages('FROM x AS build\nRUN a\nFROM y\nCMD ["b"]\n')
        assert [(stage.base, stage.name) for stage in stages] == [("x", "build"), ("y", None)]
        assert stages[1].instructions == [Instruction("CMD", '["b"]')]

    def test_reads_exec_form_of_healthcheck(self) -> None:
        """HEALTHCHECK's options are skipped to read the JSON command after CMD."""
        item = Instruction("HEALTHCHECK", '--interval=5s CMD ["python", "-c", "x"]')
        assert item.exec_form() == ["python", "-c", "x"]
        assert Instruction("CMD", "aisher serve").exec_form() is None


class TestDockerfile:
    def test_builds_in_a_builder_stage_then_copies_the_venv(self) -> None:
        """Two stages: the builder pip-installs into a venv, the slim final stage copies it."""
        builder, final = parse_stages(DOCKERFILE)
        assert builder.name == "builder"
        assert any("pip install" in item.arguments for item in builder.all("RUN"))
        assert final.base == "python:3.11-slim"
        copies = [item.arguments for item in final.all("COPY")]
        assert any(f"--from={builder.name}" in copy and "/opt/venv" in copy for copy in copies)

    def test_final_stage_has_no_compilers(self) -> None:
        """Nothing in the final stage installs a compiler (the builder may)."""
        final = parse_stages(DOCKERFILE)[-1]
        for item in final.all("RUN"):
            assert not any(compiler in item.arguments for compiler in COMPILERS), item

    def test_runs_as_a_numeric_non_root_user(self) -> None:
        """The last USER is numeric (so runAsNonRoot can check it) and not root."""
        user = parse_stages(DOCKERFILE)[-1].last("USER")
        assert user is not None
        uid = user.arguments.split(":")[0]
        assert uid.isdigit()
        assert uid != "0"

    def test_healthcheck_asks_healthz_with_urllib(self) -> None:
        """The health check is python's urllib on /healthz, since slim images have no curl."""
        check = parse_stages(DOCKERFILE)[-1].last("HEALTHCHECK")
        assert check is not None
        command = check.exec_form()
        assert command is not None
        assert command[0] == "python"
        assert "urllib.request" in command[-1]
        assert "/healthz" in command[-1]
        assert "curl" not in check.arguments

    def test_serves_on_8080_with_data_volume(self) -> None:
        """The image exposes 8080, runs `aisher serve`, and keeps its data in the /data volume."""
        final = parse_stages(DOCKERFILE)[-1]
        assert [item.arguments for item in final.all("EXPOSE")] == ["8080"]
        cmd = final.last("CMD")
        assert cmd is not None
        assert cmd.exec_form() == ["aisher", "serve"]
        environment = " ".join(item.arguments for item in final.all("ENV"))
        assert "AISHER_DATA_DIR=/data" in environment
        assert any("/data" in item.arguments for item in final.all("VOLUME"))

    def test_copies_what_the_wheel_needs(self) -> None:
        """The builder copies every path the wheel is built from, and .dockerignore keeps them."""
        copied = " ".join(item.arguments for item in parse_stages(DOCKERFILE)[0].all("COPY"))
        needed = ("pyproject.toml", "README.md", "manifest.yml", "prompts", "bot")
        ignored = set(_dockerignore())
        for path in needed:
            assert path in copied
            assert path not in ignored


class TestDockerignore:
    def test_leaves_out_history_environments_tests_and_caches(self) -> None:
        """.git, the venv, the tests, local secrets and tool caches stay out of the context."""
        ignored = set(_dockerignore())
        for entry in (".git", ".venv", "tests", ".env", ".mypy_cache", ".pytest_cache"):
            assert entry in ignored
        assert "**/__pycache__" in ignored


def _dockerignore() -> list[str]:
    text = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]
