"""`GET /metrics`: the injected registry in Prometheus's formats, refreshed per scrape."""

from __future__ import annotations

from functools import partial

import aiohttp
from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.parser import text_string_to_metric_families

from aisher.ops.metrics import AisherMetrics
from aisher.web.metrics import MetricsEndpoint, install_metrics
from aisher.web.server import WebServer, create_app


class TestMetricsEndpoint:
    async def test_serves_the_registry_as_prometheus_text(self) -> None:
        """A plain scrape gets text format 0.0.4 with Aisher's series and their values."""
        metrics = AisherMetrics(CollectorRegistry())
        metrics.count_alert("firing")
        app = create_app(partial(install_metrics, endpoint=MetricsEndpoint(metrics.registry)))
        async with (
            WebServer(app, host="127.0.0.1", port=0) as server,
            aiohttp.ClientSession() as session,
            session.get(server.url + "/metrics") as response,
        ):
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = await response.text()
        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        }
        assert samples[("aisher_alerts_received_total", (("status", "firing"),))] == 1
        assert ("process_cpu_seconds_total", ()) in samples

    async def test_openmetrics_on_request_and_refresh_before_each_scrape(self) -> None:
        """`Accept: application/openmetrics-text` gets OpenMetrics; refresh hooks run first."""
        registry = CollectorRegistry()
        depth = Gauge("aisher_queue_depth", "jobs waiting", registry=registry)
        reads = 0

        async def refresh() -> None:
            nonlocal reads
            reads += 1
            depth.set(reads * 10)

        endpoint = MetricsEndpoint(registry, refresh=(refresh,))
        app = create_app(partial(install_metrics, endpoint=endpoint))
        headers = {"Accept": "application/openmetrics-text; version=1.0.0"}
        async with (
            WebServer(app, host="127.0.0.1", port=0) as server,
            aiohttp.ClientSession() as session,
        ):
            async with session.get(server.url + "/metrics", headers=headers) as response:
                assert response.headers["Content-Type"].startswith("application/openmetrics-text")
                first = await response.text()
            async with session.get(server.url + "/metrics") as response:
                second = await response.text()
        assert "aisher_queue_depth 10.0" in first
        assert first.rstrip().endswith("# EOF")
        assert "aisher_queue_depth 20.0" in second
