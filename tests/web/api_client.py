"""The REST API on a real aiohttp server over a seeded chDB store, and a client for it.

`seed` puts the hand-made incident (payment 2.4.0 throws KeyError on POST /charge) into the
test's fresh databases; `serving_api` opens the runtime `serve` would open, with an audit log
written to memory, and serves the REST API built by `rest_api_for` on 127.0.0.1 (port 0);
changes to that API (a small rate limit on a fixed clock) are passed as `replace`.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import SecretStr

from aisher.config import CacheSettings, ClickHouseSettings, HttpSettings, Settings
from aisher.ops.audit import AuditLog
from aisher.redis_link import RedisLink
from aisher.runtime import open_runtime
from aisher.web.api import RestApi, install_rest_api, rest_api_for
from aisher.web.server import WebServer, create_app

API_KEY = "k-3b9f1c7e5a2d4f6081b3c5d7e9f1a2b4"
OTHER_KEY = "k-second-0e2c4a6b8d1f3e5a7c9b0d2f"
AUTH = {"Authorization": f"Bearer {API_KEY}"}


@dataclass
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str]


@dataclass
class ApiClient:
    url: str
    api: RestApi
    app: web.Application
    session: aiohttp.ClientSession
    audit_stream: io.StringIO

    def audit_lines(self) -> list[dict[str, Any]]:
        """The audit log's lines so far, parsed."""
        return [json.loads(line) for line in self.audit_stream.getvalue().splitlines()]

    async def call(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Answer:
        async with self.session.request(
            method, self.url + path, headers=AUTH if headers is None else headers, **kwargs
        ) as response:
            return Answer(response.status, await response.json(), response.headers)

    async def analyze(self, payload: Any, **kwargs: Any) -> Answer:
        return await self.call("POST", "/api/v1/analyze", json=payload, **kwargs)


def api_settings(
    clickhouse: ClickHouseSettings,
    data_dir: Path,
    *,
    keys: tuple[str, ...] = (API_KEY, OTHER_KEY),
    redis_url: str | None = None,
) -> Settings:
    return Settings(
        data_dir=data_dir,
        clickhouse=clickhouse,
        cache=CacheSettings(redis_url=redis_url),
        http=HttpSettings(host="127.0.0.1", port=0, api_keys=tuple(SecretStr(key) for key in keys)),
    )


@asynccontextmanager
async def serving_api(
    settings: Settings, *, replace: Mapping[str, Any] | None = None
) -> AsyncIterator[ApiClient]:
    """The REST API of `settings` on a free loopback port, until the block exits."""
    link = RedisLink(settings.cache.redis_url)
    stream = io.StringIO()
    audit = AuditLog(stream)
    try:
        async with open_runtime(settings, audit=audit) as runtime:
            api = dataclasses.replace(
                rest_api_for(settings, runtime, link, audit=audit), **(replace or {})
            )
            app = create_app(partial(install_rest_api, api=api))
            server = WebServer(app, host="127.0.0.1", port=0)
            async with (
                server,
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
            ):
                yield ApiClient(server.url, api, app, session, stream)
    finally:
        await link.close()
