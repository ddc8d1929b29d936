"""`GET /metrics`: the registry in Prometheus's text format (or OpenMetrics, when asked).

A thin aiohttp adapter around prometheus_client's exposition: the encoder is chosen from the
`Accept` header as prometheus_client's own server does, gzip is used when the scraper accepts it.
Gauges whose value lives behind an await (the depth of a queue that may be in Redis) are read by
`refresh` hooks just before each scrape, so they are never stale and never polled in between.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

PATH = "/metrics"

Refresh = Callable[[], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class MetricsEndpoint:
    """What `/metrics` serves: `registry`, after running every `refresh` hook."""

    registry: CollectorRegistry
    refresh: Sequence[Refresh] = ()


METRICS: web.AppKey[MetricsEndpoint] = web.AppKey("metrics", MetricsEndpoint)


def install_metrics(app: web.Application, endpoint: MetricsEndpoint) -> None:
    """Add `GET /metrics` to `app` (before the app starts)."""
    app[METRICS] = endpoint
    app.router.add_get(PATH, handle_metrics)


async def handle_metrics(request: web.Request) -> web.Response:
    endpoint = request.app[METRICS]
    for refresh in endpoint.refresh:
        await refresh()
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = web.Response(body=encode(endpoint.registry), headers={"Content-Type": content_type})
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.enable_compression()
    return response
