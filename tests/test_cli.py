"""The `aisher` command as a user runs it: real processes, the embedded store, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.incident import build_incident

REPORT_FIELDS = (
    "service", "window", "error_count", "root_cause", "candidates", "confidence", "analyzer",
    "cached", "parent_chain", "related_logs", "remediation", "tokens", "cost_usd",
)  # fmt: skip

Run = Callable[..., subprocess.CompletedProcess[str]]


# Opens the embedded store the way `aisher load` does and keeps it until stdin closes.
HOLD_THE_STORE = """
import asyncio, sys
from aisher.config import Settings
from aisher.signoz.store import open_store

async def hold():
    executor = await open_store(Settings().clickhouse)
    print("holding", flush=True)
    await asyncio.to_thread(sys.stdin.read)
    await executor.close()

asyncio.run(hold())
"""


def aisher_environment(tmp_path: Path) -> dict[str, str]:
    """The environment without inherited Aisher settings, with a private data directory."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AISHER_")}
    env["AISHER_DATA_DIR"] = str(tmp_path / "data")
    return env


@pytest.fixture
def aisher(tmp_path: Path) -> Run:
    """Run `python -m aisher` with a private data directory and no inherited Aisher settings."""
    env = aisher_environment(tmp_path)

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "aisher", *args],
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
            check=False,
        )

    return run


@pytest.fixture
def incident_file(tmp_path: Path) -> Path:
    """The hand-made incident as JSON lines, with one malformed line in the middle."""
    lines = build_incident(time.time_ns()).documents
    lines.insert(10, '{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]}')
    path = tmp_path / "incident.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("aisher: ")
    return lines[0]


class TestLoadAndWhy:
    def test_load_skips_the_bad_line_and_why_explains(
        self, aisher: Run, incident_file: Path
    ) -> None:
        """Every valid line loads, the bad one is named, and `why` then names payment."""
        loaded = aisher("load", str(incident_file))
        assert loaded.returncode == 2
        assert f"{incident_file}:11:" in loaded.stderr
        assert "61 signoz_index_v3" in loaded.stdout
        result = aisher("why", "frontend", "30m", "--format", "json")
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        for field in REPORT_FIELDS:
            assert field in report
        assert report["root_cause"]["service"] == "payment"
        assert report["analyzer"] == "heuristic"
        assert report["parent_chain"][-1]["service"] == "payment"
        text = aisher("why", "frontend", "30m")
        assert "Root cause" in text.stdout
        assert "payment" in text.stdout

    def test_unknown_service_suggests(self, aisher: Run, incident_file: Path) -> None:
        """A misspelt service gets a one-line error with a suggestion and exit code 2."""
        aisher("load", str(incident_file))
        line = assert_one_line_error(aisher("why", "frontnd", "30m"), 2)
        assert "did you mean frontend" in line

    def test_sql_in_the_service_name_is_just_an_unknown_name(
        self, aisher: Run, incident_file: Path
    ) -> None:
        """An injection attempt through the service argument is answered as an unknown service."""
        aisher("load", str(incident_file))
        assert_one_line_error(aisher("why", "x' OR '1'='1", "30m"), 2)
        assert aisher("why", "frontend", "30m").returncode == 0


class TestHostileLoad:
    def test_huge_number_costs_only_its_line(self, aisher: Run, incident_file: Path) -> None:
        """A 5,000-digit number is reported with its file and line; every valid line loads."""
        lines = incident_file.read_text().splitlines()
        lines.insert(3, '{"resourceSpans": ' + "9" * 5000 + "}")
        incident_file.write_text("\n".join(lines) + "\n")
        result = aisher("load", str(incident_file))
        assert result.returncode == 2, result.stderr
        assert f"{incident_file}:4: resourceSpans: expected an array, got <a 5000-digit" in (
            result.stderr
        )
        assert f"{incident_file}:12:" in result.stderr
        assert "Traceback" not in result.stderr
        assert "61 signoz_index_v3" in result.stdout

    def test_loading_twice_keeps_the_counts(self, aisher: Run, incident_file: Path) -> None:
        """A second load of the same file adds no spans, so `why` counts the same errors."""
        aisher("load", str(incident_file))
        first = json.loads(aisher("why", "frontend", "30m", "--format", "json").stdout)
        again = aisher("load", str(incident_file))
        assert "61 spans were already loaded and were not added again" in again.stdout
        second = aisher("why", "frontend", "30m", "--format", "json", "--refresh")
        assert json.loads(second.stdout)["error_count"] == first["error_count"]

    def test_why_while_the_store_is_held_says_it_is_busy(self, aisher: Run, tmp_path: Path) -> None:
        """`why` while another process holds the embedded store is a one-line exit 3."""
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_THE_STORE],
            env=aisher_environment(tmp_path),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "holding"
            line = assert_one_line_error(aisher("why", "frontend", "30m"), 3)
            assert "is in use by another aisher process (a running `aisher load`?)" in line
        finally:
            holder.communicate(input="", timeout=60)
        assert "no spans at all" in assert_one_line_error(aisher("why", "frontend", "30m"), 2)


class TestBadInput:
    @pytest.mark.parametrize(
        ("window", "until", "needle"),
        [
            ("30x", None, "bad window"),
            ("0m", None, "shortest window"),
            ("999d", None, "at most 15d"),
            ("30m; DROP TABLE x", None, "bad window"),
            ("30m", "yesterday", "ISO 8601"),
            ("30m", "2020-01-01T00:00:00Z", "retention"),
            ("30m", "0001-01-01T00:00:00Z", "before 1970"),
            ("30m", "0001-01-01T00:00:00", "give its time zone"),
            ("30m", "0001-01-01T00:00:00+01:00", "not a representable time"),
        ],
    )
    def test_bad_windows_fail_in_one_line(
        self, aisher: Run, window: str, until: str | None, needle: str
    ) -> None:
        """Each malformed window or --until is refused with one line and exit code 2."""
        args = ["why", "frontend", window] + (["--until", until] if until else [])
        assert needle in assert_one_line_error(aisher(*args), 2)

    def test_empty_store_says_there_is_no_data(self, aisher: Run) -> None:
        """Asking an empty store says no spans arrived in the window."""
        assert "no spans at all" in assert_one_line_error(aisher("why", "frontend", "30m"), 2)

    def test_unreachable_clickhouse(self, aisher: Run) -> None:
        """A ClickHouse nobody listens on is a one-line error with exit code 3."""
        result = aisher(
            "why", "frontend", "30m",
            AISHER_CLICKHOUSE_DSN="http://user:pw@127.0.0.1:9/", AISHER_CLICKHOUSE_RETRIES="0",
        )  # fmt: skip
        line = assert_one_line_error(result, 3)
        assert "cannot reach ClickHouse" in line
        assert ":pw@" not in line

    def test_invalid_setting(self, aisher: Run) -> None:
        """A setting of the wrong type is named in a one-line error with exit code 4."""
        line = assert_one_line_error(aisher("why", "x", "30m", AISHER_MAX_TRACES="many"), 4)
        assert "max_traces" in line

    @pytest.mark.parametrize(
        ("args", "help_of"),
        [
            ((), "aisher"),
            (("frob",), "aisher"),
            (("why",), "aisher why"),
            (("why", "x", "30m", "--format", "xml"), "aisher why"),
            (("why", "x", "30m", "extra\nline"), "aisher"),
            (("load",), "aisher load"),
        ],
    )
    def test_argument_errors_are_one_line(
        self, aisher: Run, args: tuple[str, ...], help_of: str
    ) -> None:
        """A command line argparse refuses is one line pointing at --help, with exit code 2."""
        line = assert_one_line_error(aisher(*args), 2)
        assert line.startswith("aisher: error: ")
        assert line.endswith(f"; see {help_of} --help")

    def test_missing_file(self, aisher: Run) -> None:
        """Loading a file that does not exist is refused before anything is written."""
        assert "not a file: nope.jsonl" in assert_one_line_error(aisher("load", "nope.jsonl"), 2)


class TestDemo:
    def test_demo_names_the_injected_root_cause(self, aisher: Run) -> None:
        """`aisher demo` with no configuration names the service the fault was injected into."""
        result = aisher("demo")
        assert result.returncode == 0, result.stderr
        assert "Root cause (" in result.stdout
        assert "Aisher found it" in result.stdout
        assert "payment-svc" in result.stdout

    def test_unknown_fault_kind(self, aisher: Run) -> None:
        """An unknown --scenario lists the fault kinds that exist."""
        line = assert_one_line_error(aisher("demo", "--scenario", "meteor"), 2)
        assert "bad_deploy" in line


class TestBench:
    def test_quick_token_bench_prints_json_figures(self, aisher: Run) -> None:
        """`aisher bench --json` prints figures with targets and whether they are met."""
        result = aisher("bench", "--quick", "--json", "--only", "tokens")
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        (bench,) = document["benchmarks"]
        ratio = bench["figures"][0]
        assert ratio["unit"] == "ratio"
        assert ratio["meets_target"] is True
        assert bench["details"]["fidelity"] == {
            "every_group_kept": True,
            "counts_and_types_kept": True,
            "one_stack_trace_per_group": True,
        }

    def test_unknown_benchmark(self, aisher: Run) -> None:
        """Asking for a benchmark that does not exist lists the ones that do."""
        assert "choose from" in assert_one_line_error(aisher("bench", "--only", "speed"), 2)
