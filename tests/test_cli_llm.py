"""`aisher why` with an OpenAI-compatible endpoint configured, in process so respx sees it."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import pytest

from aisher import cli
from aisher.config import ClickHouseSettings
from aisher.signoz.loader import load_documents
from aisher.signoz.store import open_store
from tests.support.fake_llm import FAKE_API_BASE, FAKE_KEY, FAKE_MODEL, fake_provider, reply
from tests.support.incident import Incident, build_incident
from tests.support.redis_server import RedisServer


def load_incident(settings: ClickHouseSettings) -> Incident:
    incident = build_incident(time.time_ns())

    async def load() -> None:
        executor = await open_store(settings)
        try:
            await load_documents(
                executor,
                incident.documents,
                traces_db=settings.traces_database,
                logs_db=settings.logs_database,
            )
        finally:
            await executor.close()

    asyncio.run(load())
    return incident


def answer_for(incident: Incident) -> str:
    trace_id, span_id = incident.payment_error_spans[0]
    return json.dumps(
        {
            "root_cause": {
                "service": "payment",
                "operation": "POST /charge",
                "exception_type": "KeyError",
                "summary": "payment 2.4.0 reads body['currency'] without a default.",
                "evidence": [f"trace:{trace_id}", f"span:{span_id}"],
            },
            "alternatives": [],
            "remediation": ["Roll back payment to 2.3.1."],
        }
    )


class TestWhyWithAnLlm:
    def test_llm_answers_and_the_repeat_is_cached(
        self,
        chdb_path: Path,
        tmp_path: Path,
        redis_server: RedisServer,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        """With AISHER_LLM_* set the model answers, and a second run is served from Redis."""
        suffix = uuid.uuid4().hex[:10]
        settings = ClickHouseSettings(
            dsn=f"chdb://{chdb_path}",
            traces_database=f"cli{suffix}_traces",
            logs_database=f"cli{suffix}_logs",
        )
        incident = load_incident(settings)
        for name, value in {
            "AISHER_CLICKHOUSE_DSN": settings.dsn,
            "AISHER_TRACES_DATABASE": settings.traces_database,
            "AISHER_LOGS_DATABASE": settings.logs_database,
            "AISHER_DATA_DIR": str(tmp_path),
            "AISHER_LLM_MODEL": FAKE_MODEL,
            "AISHER_LLM_API_BASE": FAKE_API_BASE,
            "AISHER_LLM_API_KEY": FAKE_KEY,
            "AISHER_REDIS_URL": redis_server.url,
        }.items():
            monkeypatch.setenv(name, value)

        with fake_provider() as provider:
            provider.queue(reply(answer_for(incident)))
            assert cli.main(["why", "frontend", "30m", "--format", "json"]) == 0
            first = json.loads(capsys.readouterr().out)
            assert cli.main(["why", "frontend", "30m", "--format", "json"]) == 0
            second = json.loads(capsys.readouterr().out)

        assert len(provider.requests) == 1
        assert first["analyzer"] == f"llm:{FAKE_MODEL}"
        assert first["root_cause"]["service"] == "payment"
        assert first["tokens"]["prompt"] > 0
        assert first["cost_usd"] > 0
        assert first["cached"] is False
        assert second["cached"] is True
        assert second["cached_at"]
        assert FAKE_KEY not in json.dumps(provider.bodies)
