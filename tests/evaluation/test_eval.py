"""`aisher eval` in process, on the project's incident suite and on the demo's scenarios.

The incident suite (tests/incidents, default seed) is the CI gate of the engine: AC@1 ≥ 0.95
and AC@3 = 1.0 over at least 40 incidents of at least 10 fault kinds. Its classes were written
from their descriptions alone, but the engine has since been tuned while reading this seed's
misses, so other seeds are the unseen measure: their figures are in docs/evaluation.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from aisher import cli
from tests.incidents.generator import KINDS
from tests.incidents.generator.suite import FAULT_CLASSES, generate_incident, write_incident
from tests.support.fake_llm import FAKE_API_BASE, FAKE_KEY, FAKE_MODEL, fake_provider, reply

DEMO_COUNT = 2  # the mechanism; the accuracy bench measures all five demo fault kinds
GATE_AC1, GATE_AC3 = 0.95, 1.0
# The suite is evaluated in quarters that the test workers run side by side; each holds one
# incident of every kind, and each must pass the gate on its own (stricter than the whole).
QUARTERS = 4
_TRACE_ID = re.compile(r"\b[0-9a-f]{32}\b")


def answer_naming_payflow(request: httpx.Request) -> httpx.Response:
    """A model that always blames payflow, citing the first trace the evidence shows."""
    evidence_message = json.loads(request.content)["messages"][-1]["content"]
    found = _TRACE_ID.search(json.dumps(evidence_message))
    evidence = [f"trace:{found.group(0)}"] if found else []
    answer = {
        "root_cause": {
            "service": "payflow",
            "operation": "",
            "exception_type": "HTTPError",
            "summary": "payflow answers 503.",
            "evidence": evidence,
        },
        "alternatives": [],
        "remediation": ["Fail over to the backup payment provider."],
    }
    return reply(json.dumps(answer))


@pytest.fixture
def eval_env(chdb_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings for `aisher eval` inside this test session's chDB store; no LLM."""
    monkeypatch.setenv("AISHER_CLICKHOUSE_DSN", f"chdb://{chdb_path}")
    monkeypatch.setenv("AISHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AISHER_LLM_MODEL", raising=False)
    monkeypatch.delenv("AISHER_REDIS_URL", raising=False)
    return tmp_path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert cli.main(["eval", *argv, "--json"]) == 0
    captured = capsys.readouterr()
    with capsys.disabled():
        print("\n" + captured.err)  # the table, for the CI log
    document: dict[str, Any] = json.loads(captured.out)
    return document


def check_shape(document: dict[str, Any], incidents: int) -> None:
    assert document["incidents"] == incidents
    assert document["llm"] is None
    heuristic = document["heuristic"]
    for figure in ("ac1", "ac3", "mrr"):
        assert 0.0 <= heuristic[figure] <= 1.0
    assert heuristic["ac1"] <= heuristic["mrr"]
    assert heuristic["ac1"] <= heuristic["ac3"]
    assert sum(kind["incidents"] for kind in heuristic["by_kind"].values()) == incidents
    for result in document["results"]:
        assert set(result) >= {"name", "kind", "service", "until", "window", "root_cause"}
        assert result["rows"] > 0, result["name"]
        assert result["load_problems"] == [], result["name"]
        verdict = result["heuristic"]
        assert verdict["error"] is None, (result["name"], verdict["error"])
        assert verdict["rank"] is None or verdict["rank"] >= 1
        assert all({"service", "score"} <= set(c) for c in verdict["candidates"])


class TestEvalCommand:
    def test_incident_suite_breadth(self, default_suite: list[Path]) -> None:
        """The gated suite has at least 40 incidents of at least 10 kinds."""
        assert len(default_suite) >= 40
        assert len(KINDS) >= 10

    @pytest.mark.timeout(900)
    @pytest.mark.parametrize("quarter", range(QUARTERS))
    def test_incident_suite(
        self,
        eval_env: Path,
        default_suite: list[Path],
        capsys: pytest.CaptureFixture[str],
        quarter: int,
    ) -> None:
        """A quarter of the incident suite runs end to end: every incident loads and is
        answered, and the heuristic names the root cause first in at least 95% of them and
        among the top three in all."""
        part = eval_env / f"suite-{quarter}"
        part.mkdir()
        for folder in default_suite[quarter::QUARTERS]:
            # Linked, not copied: the shared suite's files are only read.
            shutil.copytree(folder, part / folder.name, copy_function=os.link)
        document = run_json(capsys, str(part))
        check_shape(document, len(default_suite[quarter::QUARTERS]))
        heuristic = document["heuristic"]
        assert set(heuristic["by_kind"]) == set(KINDS)
        misses = [r["name"] for r in document["results"] if r["heuristic"]["rank"] != 1]
        assert heuristic["ac1"] >= GATE_AC1, misses
        assert heuristic["ac3"] == GATE_AC3, misses

    @pytest.mark.timeout(1800)
    def test_demo_suite(
        self,
        eval_env: Path,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """`--demo-suite` writes the project's own scenarios as a suite and evaluates them."""
        document = run_json(capsys, "--demo-suite", "--count", str(DEMO_COUNT))
        check_shape(document, DEMO_COUNT)
        assert document["suite"].startswith("the demo scenarios")

    def test_llm_path(
        self,
        eval_env: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """`--llm` asks the configured model about every incident too and reports its scores,
        tokens and cost beside the heuristic's."""
        chosen = [c for c in FAULT_CLASSES if c.kind in ("third-party", "bad-deploy")]
        for number, fault_class in enumerate(chosen):
            incident = generate_incident(fault_class, 0, seed=3, number=number)
            write_incident(eval_env / "suite", incident)
        for name, value in {
            "AISHER_LLM_MODEL": FAKE_MODEL,
            "AISHER_LLM_API_BASE": FAKE_API_BASE,
            "AISHER_LLM_API_KEY": FAKE_KEY,
        }.items():
            monkeypatch.setenv(name, value)
        with fake_provider() as provider:
            provider.route.side_effect = answer_naming_payflow
            document = run_json(capsys, str(eval_env / "suite"), "--llm")
        assert provider.requests
        llm = document["llm"]
        assert llm["model"] == FAKE_MODEL
        assert llm["incidents"] == 2
        assert llm["answered_by_llm"] >= 1  # answers citing what the evidence lacks fall back
        assert llm["tokens"]["prompt"] > 0
        assert llm["cost_usd"] > 0
        third_party = next(r for r in document["results"] if r["kind"] == "third-party")
        assert third_party["llm"]["analyzer"] == f"llm:{FAKE_MODEL}"
        assert third_party["llm"]["rank"] == 1

    @pytest.mark.parametrize(
        ("argv", "code", "expected"),
        [
            ([], 2, "give either a SUITE folder or --demo-suite"),
            (["somewhere", "--demo-suite"], 2, "give either a SUITE folder or --demo-suite"),
            (["nowhere"], 2, "is not a folder"),
            (["--demo-suite", "--llm"], 4, "--llm needs a model"),
        ],
    )
    def test_usage_errors(
        self,
        eval_env: Path,
        capsys: pytest.CaptureFixture[str],
        argv: list[str],
        code: int,
        expected: str,
    ) -> None:
        """Wrong usage fails with one line on stderr and the usual exit code."""
        assert cli.main(["eval", *argv]) == code
        error = capsys.readouterr().err.strip()
        assert "\n" not in error
        assert expected in error

    def test_malformed_suite(self, eval_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A malformed incident is named with its file and field before anything loads."""
        folder = eval_env / "suite" / "broken"
        folder.mkdir(parents=True)
        (folder / "incident.yaml").write_text("service: a\nwindow: 30m\nroot_cause: [b]\n")
        (folder / "telemetry.jsonl").write_text("{}\n")
        assert cli.main(["eval", str(eval_env / "suite")]) == 2
        error = capsys.readouterr().err
        assert "broken/incident.yaml: until: missing" in error
