"""The REST API on a real server over chDB with a seeded incident: keys, analyses, reports,
services and the JSON errors, through a real HTTP client."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from aisher.analysis.report import TraceReport
from aisher.config import ClickHouseSettings
from aisher.redis_link import RedisLink
from aisher.serve import open_service
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.slack.publisher import shown_codec
from aisher.state.reports import ReportStore
from aisher.web.api import ApiKeys
from aisher.web.api.keys import key_digest, key_id, read_credential
from tests.support.databases import seed_recent_incident as seed
from tests.support.redis_server import RedisServer
from tests.web.api_client import (
    API_KEY,
    AUTH,
    OTHER_KEY,
    ApiClient,
    api_settings,
    serving_api,
)

ROOT_SERVICE = "payment"


@pytest.fixture
async def client(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, tmp_path: Path
) -> AsyncIterator[ApiClient]:
    """The API over the seeded incident, two keys configured."""
    await seed(store, clickhouse_settings)
    settings = api_settings(clickhouse_settings, tmp_path)
    async with serving_api(settings) as api_client:
        yield api_client


class TestApiKeys:
    def test_keeps_digests_only(self) -> None:
        """The key ring holds SHA-256 digests; the plain key appears nowhere in it."""
        keys = ApiKeys([API_KEY])
        assert API_KEY.encode() not in pickle.dumps(keys)
        assert API_KEY not in repr(vars(keys))
        assert keys.identify(read_credential(f"Bearer {API_KEY}")) == key_id(key_digest(API_KEY))

    def test_identifies_each_key_by_a_short_digest_prefix(self) -> None:
        """Each configured key has its own id: 12 hex digits of its digest."""
        keys = ApiKeys([API_KEY, OTHER_KEY])
        first = keys.identify(read_credential(f"Bearer {API_KEY}"))
        second = keys.identify(read_credential(f"bearer  {OTHER_KEY} "))
        assert first is not None
        assert second is not None
        assert first != second
        assert len(first) == 12
        assert set(keys.ids) == {first, second}

    def test_refuses_other_tokens_and_schemes(self) -> None:
        """A wrong token, another scheme or a non-ASCII token identifies no key."""
        keys = ApiKeys([API_KEY])
        for header in ("Bearer nope", f"Basic {API_KEY}", "Bearer", "", "Bearer clé"):
            assert keys.identify(read_credential(header)) is None


class TestAuthentication:
    async def test_without_a_key_is_unauthorized(self, client: ApiClient) -> None:
        """No Authorization header: 401 unauthorized with a Bearer challenge, audited."""
        answer = await client.call("GET", "/api/v1/services", headers={})
        assert answer.status == 401
        assert answer.body["error"]["code"] == "unauthorized"
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        [line] = client.audit_lines()
        assert (line["event"], line["trigger"]) == ("refused", "api")
        assert line["reason"] == "unauthorized"
        assert line["who"] is None

    async def test_with_a_wrong_key_is_unauthorized(self, client: ApiClient) -> None:
        """A key not in AISHER_API_KEYS: 401, audited by the presented token's id only."""
        wrong = "k-wrong-key-0000000000000000000000"
        answer = await client.analyze(
            {"service": "frontend", "window": "30m"}, headers={"Authorization": f"Bearer {wrong}"}
        )
        assert answer.status == 401
        assert answer.body["error"] == {"code": "unauthorized", "message": "unknown API key"}
        assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
        [line] = client.audit_lines()
        assert line["who"] == key_id(key_digest(wrong))
        assert wrong not in client.audit_stream.getvalue()

    async def test_with_a_malformed_header_is_unauthorized(self, client: ApiClient) -> None:
        """Basic credentials instead of Bearer: 401 naming the expected form."""
        answer = await client.call(
            "GET", "/api/v1/services", headers={"Authorization": f"Basic {API_KEY}"}
        )
        assert answer.status == 401
        assert "Bearer" in answer.body["error"]["message"]

    async def test_without_configured_keys_every_request_is_refused(
        self, store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, tmp_path: Path
    ) -> None:
        """No AISHER_API_KEYS: 403 api_disabled for any key, naming the variable to set."""
        settings = api_settings(clickhouse_settings, tmp_path, keys=())
        async with serving_api(settings) as api_client:
            for headers in ({}, {"Authorization": f"Bearer {API_KEY}"}):
                answer = await api_client.call("GET", "/api/v1/reports/abc", headers=headers)
                assert answer.status == 403
                assert answer.body["error"]["code"] == "api_disabled"
                assert "AISHER_API_KEYS" in answer.body["error"]["message"]


class TestAnalyze:
    async def test_answers_the_report_and_keeps_it(self, client: ApiClient) -> None:
        """POST /analyze answers 200 with the JSON report; GET /reports/{id} returns it again."""
        answer = await client.analyze({"service": "frontend", "window": "30m"})
        assert answer.status == 200, answer.body
        report = answer.body
        assert report["service"] == "frontend"
        assert report["root_cause"]["service"] == ROOT_SERVICE
        assert report["error_count"] > 0
        assert answer.headers["X-RateLimit-Limit"] == "30"
        again = await client.call("GET", f"/api/v1/reports/{report['id']}")
        assert again.status == 200
        assert again.body == report

    async def test_audits_the_analysis_by_key_id(self, client: ApiClient) -> None:
        """The audit line names trigger api, the key id, the service and the report; never
        the key."""
        answer = await client.analyze({"service": "frontend", "window": "30m"})
        [line] = client.audit_lines()
        assert (line["event"], line["trigger"]) == ("analysis", "api")
        assert line["who"] == key_id(key_digest(API_KEY))
        assert line["report_id"] == answer.body["id"]
        assert line["service"] == "frontend"
        assert line["id"]  # the request id every log line of this analysis carries
        assert API_KEY not in client.audit_stream.getvalue()

    @pytest.mark.parametrize("window", ["30x", "0m", "400d"])
    async def test_bad_window_is_400(self, client: ApiClient, window: str) -> None:
        """A window that is malformed, too short or beyond retention: 400 bad_window."""
        answer = await client.analyze({"service": "frontend", "window": window})
        assert answer.status == 400
        assert answer.body["error"]["code"] == "bad_window"
        [line] = client.audit_lines()
        assert (line["event"], line["reason"], line["service"]) == (
            "refused",
            "bad_window",
            "frontend",
        )

    async def test_until_without_a_time_zone_is_a_bad_window(self, client: ApiClient) -> None:
        """`until` without a zone is refused as ambiguous: 400 bad_window."""
        answer = await client.analyze(
            {"service": "frontend", "window": "30m", "until": "2026-11-26T09:30:00"}
        )
        assert answer.status == 400
        assert answer.body["error"]["code"] == "bad_window"

    async def test_unknown_service_suggests_close_names(self, client: ApiClient) -> None:
        """A typo in the service: 404 unknown_service with suggestions, audited as such."""
        answer = await client.analyze({"service": "paymnt", "window": "30m"})
        assert answer.status == 404
        assert answer.body["error"]["code"] == "unknown_service"
        assert ROOT_SERVICE in answer.body["error"]["suggestions"]
        [line] = client.audit_lines()
        assert (line["event"], line["outcome"], line["trigger"]) == ("analysis", "failed", "api")

    @pytest.mark.parametrize(
        ("body", "named"),
        [
            ({"service": "frontend"}, "window"),
            ({"service": "frontend", "window": "30m", "windw": "1h"}, "windw"),
            ({"service": "frontend", "window": 30}, "window"),
            ({"service": "frontend", "window": "30m", "refresh": "yes"}, "refresh"),
            ({"service": "", "window": "30m"}, "service"),
            ({"service": "x" * 5000, "window": "30m"}, "service"),
        ],
    )
    async def test_invalid_body_is_400_naming_the_field(
        self, client: ApiClient, body: dict[str, object], named: str
    ) -> None:
        """A missing, unknown, mistyped or oversized field: 400 bad_request naming the field."""
        answer = await client.analyze(body)
        assert answer.status == 400
        assert answer.body["error"]["code"] == "bad_request"
        assert named in answer.body["error"]["message"]
        assert "xxxxxxxx" not in answer.body["error"]["message"]

    async def test_body_that_is_not_json_is_400(self, client: ApiClient) -> None:
        """A body that is not JSON: 400 bad_request."""
        answer = await client.call("POST", "/api/v1/analyze", data=b"service=frontend")
        assert answer.status == 400
        assert answer.body["error"]["code"] == "bad_request"

    async def test_large_body_is_413(self, client: ApiClient) -> None:
        """A body over the API's limit: 413 payload_too_large before anything is parsed."""
        answer = await client.call("POST", "/api/v1/analyze", data=b"{" + b" " * 40_000 + b"}")
        assert answer.status == 413
        assert answer.body["error"]["code"] == "payload_too_large"


class TestReports:
    async def test_unknown_report_is_404(self, client: ApiClient) -> None:
        """An id nobody stored: 404 not_found as JSON."""
        answer = await client.call("GET", "/api/v1/reports/0123456789abcdef")
        assert answer.status == 404
        assert answer.body["error"]["code"] == "not_found"

    async def test_unusual_id_is_404_without_a_lookup(self, client: ApiClient) -> None:
        """An id with characters no report id has: 404 not_found."""
        answer = await client.call("GET", "/api/v1/reports/a%3Ab%20c")
        assert answer.status == 404
        assert answer.body["error"]["code"] == "not_found"

    async def test_finds_a_trace_report_the_slack_bot_kept(
        self,
        store: EmbeddedExecutor,
        clickhouse_settings: ClickHouseSettings,
        tmp_path: Path,
        redis_server: RedisServer,
    ) -> None:
        """A trace report the Slack bot stored in Redis is served by id too."""
        trace_report = TraceReport(trace_id="ab" * 16, span_count=3, error_count=1)
        settings = api_settings(clickhouse_settings, tmp_path, redis_url=redis_server.url)
        link = RedisLink(redis_server.url)
        try:
            await ReportStore(link, shown_codec()).save(trace_report.id, trace_report)
            async with serving_api(settings) as api_client:
                answer = await api_client.call("GET", f"/api/v1/reports/{trace_report.id}")
        finally:
            await link.close()
        assert answer.status == 200
        assert answer.body == trace_report.to_dict()


class TestServices:
    async def test_lists_services_with_span_and_error_counts(self, client: ApiClient) -> None:
        """Every service of the incident, with its spans and failing spans in the window."""
        answer = await client.call("GET", "/api/v1/services", params={"window": "30m"})
        assert answer.status == 200, answer.body
        by_name = {item["service"]: item for item in answer.body["services"]}
        assert {"frontend", "checkout", "payment", "search", "batch-svc"} <= set(by_name)
        payment = by_name["payment"]
        assert payment["errors"] == 6
        assert payment["spans"] >= payment["errors"]
        assert 0 < payment["error_rate"] <= 1
        assert by_name["search"]["baseline_errors"] == 1
        assert set(answer.body["window"]) == {"start", "end"}

    async def test_defaults_to_thirty_minutes(self, client: ApiClient) -> None:
        """Without `window` the listing covers the last 30 minutes."""
        answer = await client.call("GET", "/api/v1/services")
        assert answer.status == 200
        assert answer.body["services"]

    async def test_bad_window_is_400(self, client: ApiClient) -> None:
        """?window=soon: 400 bad_window."""
        answer = await client.call("GET", "/api/v1/services", params={"window": "soon"})
        assert answer.status == 400
        assert answer.body["error"]["code"] == "bad_window"

    async def test_unknown_parameter_is_400(self, client: ApiClient) -> None:
        """A query parameter the route does not take: 400 bad_request naming it."""
        answer = await client.call("GET", "/api/v1/services", params={"windows": "1h"})
        assert answer.status == 400
        assert "windows" in answer.body["error"]["message"]


class TestServeWiring:
    async def test_serve_serves_the_api(
        self, store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, tmp_path: Path
    ) -> None:
        """`open_service` installs the REST API: the document without a key, an analysis
        with one, and a refusal without."""
        await seed(store, clickhouse_settings)
        settings = api_settings(clickhouse_settings, tmp_path)
        async with (
            open_service(settings, slack=False) as service,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session,
        ):
            base = service.web.url
            async with session.get(f"{base}/api/v1/openapi.json") as response:
                assert response.status == 200
            payload = {"service": "frontend", "window": "30m"}
            async with session.post(f"{base}/api/v1/analyze", json=payload) as response:
                assert response.status == 401
            async with session.post(
                f"{base}/api/v1/analyze", json=payload, headers=AUTH
            ) as response:
                assert response.status == 200
                report = await response.json()
        assert report["root_cause"]["service"] == ROOT_SERVICE
