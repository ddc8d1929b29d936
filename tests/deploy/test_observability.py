"""The Grafana dashboard and the Prometheus alert rules only query metrics Aisher exports, with
labels those metrics have."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

from aisher.ops.metrics import AisherMetrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD: dict[str, Any] = json.loads(
    (DEPLOY / "grafana" / "aisher-dashboard.json").read_text("utf-8")
)
RULES: dict[str, Any] = yaml.safe_load(
    (DEPLOY / "prometheus" / "aisher-alerts.yml").read_text("utf-8")
)
METRIC = re.compile(r"\b(aisher_[a-z0-9_]+)\b")
# `metric{a="x", b=~"y"}`: the names of the labels a selector matches on.
SELECTOR = re.compile(r"\b(aisher_[a-z0-9_]+)\{([^}]*)\}")
LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def exported_labels() -> dict[str, set[str]]:
    """Each sample name a fresh `AisherMetrics` can expose, with the labels it carries."""
    metrics = AisherMetrics(CollectorRegistry())
    names: dict[str, set[str]] = {}
    for value in vars(metrics).values():
        if not isinstance(value, MetricWrapperBase):
            continue
        # prometheus_client keeps a wrapper's full name and labels only in these attributes.
        name: str = value._name
        labels = set(value._labelnames)
        kind = value._type
        if kind == "counter":
            names[f"{name}_total"] = labels
        elif kind == "histogram":
            names[f"{name}_bucket"] = labels | {"le"}
            names[f"{name}_sum"] = labels
            names[f"{name}_count"] = labels
        else:
            names[name] = labels
    return names


def exposition_names() -> set[str]:
    """The metric names in a fresh registry's text exposition (its `# TYPE` lines)."""
    from prometheus_client import generate_latest

    text = generate_latest(AisherMetrics(CollectorRegistry()).registry).decode()
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            names |= (
                {name + suffix for suffix in HISTOGRAM_SUFFIXES} if kind == "histogram" else {name}
            )
    return names


def dashboard_expressions() -> list[str]:
    return [target["expr"] for panel in DASHBOARD["panels"] for target in panel.get("targets", [])]


def rule_expressions() -> list[str]:
    return [rule["expr"] for group in RULES["groups"] for rule in group["rules"]]


def unknown_names(expressions: list[str]) -> set[str]:
    exported = exposition_names()
    return {name for expr in expressions for name in METRIC.findall(expr)} - exported


def wrong_labels(expressions: list[str]) -> list[str]:
    labels = exported_labels()
    wrong = []
    for expr in expressions:
        for name, matchers in SELECTOR.findall(expr):
            for label in LABEL.findall(matchers):
                if label not in labels.get(name, set()):
                    wrong.append(f"{name}{{{label}}}")
    return wrong


class TestMetricCatalogue:
    def test_exposition_and_wrappers_agree(self) -> None:
        """The label table covers exactly the names the exposition lists for Aisher."""
        # `_created` series are timestamps prometheus_client adds to counters and histograms.
        aisher = {
            name
            for name in exposition_names()
            if name.startswith("aisher_") and not name.endswith("_created")
        }
        assert aisher == set(exported_labels())

    def test_finders(self) -> None:
        """Names and selector labels are read out of PromQL, `le` and regex matchers included."""
        expr = 'sum by (le) (rate(aisher_x_bucket{stage=~"a|b", le!="1"}[5m]))'
        assert METRIC.findall(expr) == ["aisher_x_bucket"]
        assert LABEL.findall(SELECTOR.findall(expr)[0][1]) == ["stage", "le"]

    def test_reports_misspelt_names_and_labels(self) -> None:
        """A metric or label Aisher does not export is reported, not silently accepted."""
        assert unknown_names(["rate(aisher_analysis_total[5m])"]) == {"aisher_analysis_total"}
        assert wrong_labels(['aisher_queue_depth{stage="x"}']) == ["aisher_queue_depth{stage}"]


class TestGrafanaDashboard:
    def test_queries_only_exported_metrics(self) -> None:
        """Every metric in a panel's PromQL exists in a fresh AisherMetrics exposition."""
        assert dashboard_expressions()
        assert unknown_names(dashboard_expressions()) == set()

    def test_selects_only_existing_labels(self) -> None:
        """Every label a panel selects on belongs to that metric."""
        assert wrong_labels(dashboard_expressions()) == []

    def test_covers_the_operations_view(self) -> None:
        """The panels cover analyses, LLM, cache, ClickHouse, Slack, alerts, queue and budget."""
        queried = {name for expr in dashboard_expressions() for name in METRIC.findall(expr)}
        for name in (
            "aisher_analyses_total",
            "aisher_analysis_duration_seconds_bucket",
            "aisher_llm_tokens_total",
            "aisher_llm_cost_usd_total",
            "aisher_cache_requests_total",
            "aisher_clickhouse_query_duration_seconds_bucket",
            "aisher_clickhouse_errors_total",
            "aisher_slack_messages_total",
            "aisher_alerts_received_total",
            "aisher_queue_depth",
            "aisher_budget_remaining_usd",
        ):
            assert name in queried

    def test_panels_are_well_formed(self) -> None:
        """Panel ids are unique, and every query uses the dashboard's data-source variable."""
        ids = [panel["id"] for panel in DASHBOARD["panels"]]
        assert len(ids) == len(set(ids))
        variables = {item["name"] for item in DASHBOARD["templating"]["list"]}
        assert "datasource" in variables
        for panel in DASHBOARD["panels"]:
            for target in panel.get("targets", []):
                assert target["datasource"]["uid"] == "${datasource}"


class TestAlertRules:
    def test_queries_only_exported_metrics(self) -> None:
        """Every metric in a rule's expression exists in a fresh AisherMetrics exposition."""
        assert unknown_names(rule_expressions()) == set()

    def test_selects_only_existing_labels(self) -> None:
        """Every label a rule selects on belongs to that metric."""
        assert wrong_labels(rule_expressions()) == []

    def test_covers_the_failure_modes(self) -> None:
        """ClickHouse errors, LLM failures, cache collapse, budget and queue backlog have rules."""
        alerts = {rule["alert"] for group in RULES["groups"] for rule in group["rules"]}
        assert {
            "AisherClickHouseErrors",
            "AisherLlmFailing",
            "AisherCacheHitRateCollapsed",
            "AisherBudgetNearlySpent",
            "AisherQueueBacklog",
        } <= alerts

    def test_rules_are_complete(self) -> None:
        """Each rule has a known severity and a summary."""
        for group in RULES["groups"]:
            for rule in group["rules"]:
                assert rule["labels"]["severity"] in ("info", "warning", "critical")
                assert rule["annotations"]["summary"]
