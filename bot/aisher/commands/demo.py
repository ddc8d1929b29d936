"""`aisher demo`: seed a realistic incident into a private embedded store and explain it.

The demo never writes to a configured SigNoz: it always uses its own chDB store under the data
directory, rebuilt on every run so that earlier demos do not blur the picture.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from aisher.analysis.request import AnalysisRequest
from aisher.config import Settings, embedded_dsn
from aisher.demo import GroundTruth, Scenario, demo_spec, generate_scenario
from aisher.errors import DataSourceError
from aisher.render import render_report
from aisher.runtime import open_runtime
from aisher.signoz.loader import load_documents
from aisher.signoz.store import open_store

DEMO_STORE = "demo-store"


async def run_demo(settings: Settings, *, scenario: str | None, seed: int | None, fmt: str) -> int:
    spec = demo_spec(scenario, seed=7 if seed is None else seed)
    generated = generate_scenario(spec, now_ns=time.time_ns())
    store_path = settings.data_dir / DEMO_STORE
    shutil.rmtree(store_path, ignore_errors=True)
    demo_settings = settings.with_clickhouse_dsn(embedded_dsn(store_path))
    clickhouse = demo_settings.clickhouse

    executor = await open_store(clickhouse)
    try:
        loaded = await load_documents(
            executor,
            generated.otlp_lines,
            traces_db=clickhouse.traces_database,
            logs_db=clickhouse.logs_database,
        )
    finally:
        await executor.close()
    if loaded.problem_count:
        raise DataSourceError(f"the demo data did not load cleanly: {loaded.problems[0]}")
    if fmt == "text":
        print(describe_seed(generated), flush=True)

    async with open_runtime(demo_settings) as runtime:
        report = await runtime.engine.analyze(
            AnalysisRequest(service=generated.entry_service, window=generated.window)
        )
    print(render_report(report, fmt))
    if fmt == "text":
        print(describe_truth(generated.truth, report.root_cause.service, store_path))
        minutes = generated.window.length.seconds // 60
        print(describe_bot(generated.entry_service, minutes, store_path))
    return 0


def describe_seed(scenario: Scenario) -> str:
    spans = len(scenario.spans)
    services = len({span.service for span in scenario.spans})
    return (
        f"Seeded a '{scenario.spec.fault_kind.value}' incident in the '{scenario.spec.topology}' "
        f"system: {spans:,} spans and {len(scenario.logs):,} logs from {services} services "
        f"over the last {2 * scenario.window.length.seconds // 60} minutes.\n"
        f"Asking: why does {scenario.entry_service} fail in the last "
        f"{scenario.window.length.seconds // 60} minutes?\n"
    )


def describe_bot(service: str, minutes: int, store_path: Path) -> str:
    """How to ask the same question in Slack, on the same data (docs/slack.md has the rest)."""
    return (
        "\nTry the Slack bot on this incident: create a Slack app from manifest.yml, then run\n"
        "SLACK_BOT_TOKEN=xoxb-… SLACK_APP_TOKEN=xapp-… "
        f"AISHER_CLICKHOUSE_DSN={embedded_dsn(store_path)} aisher serve\n"
        f"and type /aisher why {service} {minutes}m in Slack while the incident is recent. "
        "See docs/slack.md."
    )


def describe_truth(truth: GroundTruth, named: str | None, store_path: Path) -> str:
    injected = truth.dependency or truth.root_cause_service
    verdict = "found it" if named == injected else f"named {named or 'nothing'}"
    return (
        f"\nInjected fault: {truth.fault_kind.value} at {injected} "
        f"({truth.root_operation}) — Aisher {verdict}.\n"
        f"Explore the same data: AISHER_CLICKHOUSE_DSN={embedded_dsn(store_path)} aisher why "
        f"{truth.caller_service or truth.root_cause_service} 30m"
    )
