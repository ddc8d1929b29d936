"""`aisher eval SUITE [--json] [--llm]`: root-cause accuracy on a folder of labelled incidents.

`--demo-suite` evaluates the project's own generated scenarios instead, written to a temporary
folder first. The table goes to stdout with progress on stderr; with `--json`, the JSON document
goes to stdout and the table to stderr.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from aisher.config import Settings
from aisher.errors import ConfigError, InputError
from aisher.evaluation import (
    IncidentResult,
    SuiteResult,
    SuiteRunner,
    read_suite,
    render_table,
    write_demo_suite,
)


async def run_eval(
    settings: Settings,
    *,
    suite: Path | None,
    demo_suite: bool = False,
    demo_count: int = 30,
    demo_seed: int = 1,
    as_json: bool = False,
    with_llm: bool = False,
) -> int:
    if with_llm and settings.llm.model is None:
        raise ConfigError("--llm needs a model: set AISHER_LLM_MODEL (a litellm model string)")
    if demo_suite == (suite is not None):
        raise InputError("give either a SUITE folder or --demo-suite")
    if suite is not None:
        result = await evaluate(settings, suite, with_llm=with_llm, quiet=as_json)
    else:
        with tempfile.TemporaryDirectory(prefix="aisher-demo-suite-") as folder:
            write_demo_suite(Path(folder), count=demo_count, seed=demo_seed)
            label = f"the demo scenarios (count {demo_count}, seed {demo_seed})"
            result = await evaluate(
                settings, Path(folder), with_llm=with_llm, quiet=as_json, label=label
            )
    if as_json:
        # CI reads the document on stdout; the people reading its log see the table.
        print(json.dumps(result.to_json(), indent=2))
        print(render_table(result), file=sys.stderr)
    else:
        print(render_table(result))
    return 0


async def evaluate(
    settings: Settings,
    suite: Path,
    *,
    with_llm: bool = False,
    quiet: bool = True,
    label: str | None = None,
) -> SuiteResult:
    """Read the suite at `suite` and run it; progress on stderr unless `quiet`."""
    incidents = read_suite(suite)
    total = len(incidents)

    def progress(number: int, result: IncidentResult) -> None:
        verdict = result.heuristic
        outcome = verdict.error or f"named {verdict.root_cause or 'nothing'}, rank {verdict.rank}"
        print(f"[{number}/{total}] {result.incident.name}: {outcome}", file=sys.stderr, flush=True)

    runner = SuiteRunner(settings, with_llm=with_llm, on_result=None if quiet else progress)
    return await runner.run(incidents, suite=label or str(suite))
