"""Over-masking: what the analysis cites — versions, ids, times, ports, paths, SQL, prose —
must reach it unchanged, or log lines stop grouping and reports lose their evidence."""

from __future__ import annotations

import random
import string

import pytest

from aisher.analysis.masking.credentials import looks_random
from aisher.analysis.masking.masker import Masker

# Ordinary telemetry: UUIDs, trace and span ids, versions, durations, ports, pod names, SQL,
# git SHAs, image digests, timestamps, HTTP paths, stack frames, Kubernetes events.
ORDINARY = [
    (
        'trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 '
        'parent_span_id=53995c3f42cd8ad8'
    ),
    (
        'request 7c9e6679-7425-40de-944b-e07fc1f90ae7 failed; RequestId: '
        '1b2c3d4e-5f6a-7b8c-9d0e-1f2a3b4c5d6e'
    ),
    'x-amzn-trace-id: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
    (
        'upgraded checkout-svc from 1.27.0 to 1.28.0-rc.1 (build 2024.05.01.1442), '
        'libfoo 2.4.0.1 -> 2.4.0.2'
    ),
    (
        'openssl 1.1.1.23 and glibc 2.31.0.4, windows 10.0.19041.1, grpc 1.62.2, '
        'service.version=1.27.0'
    ),
    'took 1234.5ms (p99 2.5s), timeout=30s, retry 3/5 in 150ms, duration_ms=812',
    (
        'listening on 0.0.0.0:8080; upstream payments.internal:443; redis '
        '127.0.0.1:6379; metrics :9090'
    ),
    (
        'pod checkout-svc-7f9c6d8b5-x2x4q restarted on node ip-10-0-3-7.ec2.internal '
        '(OOMKilled, limit 512Mi)'
    ),
    'Back-off restarting failed container payments in pod payments-6d4cf56db6-abcde_default',
    (
        'SELECT o.id, o.status FROM orders o WHERE o.customer_id = $1 AND o.created_at > '
        "now() - interval '30 minutes' LIMIT 50"
    ),
    'UPDATE sessions SET last_seen = ? WHERE token_hash = ? AND expires_at > ?',
    'deployed commit 3f2a9c1e9b8d7c6a5f4e3d2c1b0a9f8e7d6c5b4a (short 3f2a9c1)',
    (
        'image registry.example.com/checkout@sha256:9b2a6e0b1c4d8f7e6a5b4c3d2e1f0a9b8c7d6'
        'e5f4a3b2c1d0e9f8a7b6c5d4e3f'
    ),
    (
        '2024-05-01T10:15:30.123456Z 2024-05-01 10:15:30,123 Wed, 01 May 2024 10:15:30 '
        'GMT epoch_ms=1714558530123'
    ),
    '[16:44:10.582] WARN slow query at 16:44:10.582 (took 16:44:11.002 - 16:44:10.582)',
    'GET /api/v2/orders/98765/items?page=2&limit=50 HTTP/1.1 200 512 "-" "okhttp/4.12.0"',
    'POST /v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15/refunds returned 402 card_declined',
    'kafka topic orders partition 7 offset 1234567890123 lag 42, consumer group checkout-v2',
    'java.net.SocketTimeoutException: Read timed out after 30000 ms (connect timeout 5000 ms)',
    (
        '\tat io.netty.handler.codec.http2.Http2ConnectionHandler.onHttpServerUpgrade(Http'
        '2ConnectionHandler.java:158)'
    ),
    (
        '\tat software.amazon.awssdk.services.s3.DefaultS3AsyncClientBuilderImplV2.build(S'
        '3AsyncClient.java:77)'
    ),
    (
        '\tat org.apache.logging.log4j.core.async.AsyncLoggerContextSelector.createContext'
        '(Log4j2Selector.java:42)'
    ),
    'Caused by: java.lang.NumberFormatException: For input string: "12ab"',
    (
        'upstream connect error or disconnect/reset before headers. reset reason: '
        'connection failure, transport failure reason: delayed connect error: 111'
    ),
    'gen_ai.usage.input_tokens=1234 gen_ai.usage.output_tokens=56 token_count=3 tokens used: 1290',
    (
        'session expired after 30m; password policy: min length 12; token expired at '
        '2024-05-01T10:15:30Z'
    ),
    'Invalid password: must be at least 8 characters',
    'order 4024007136512380 not found; orderId=4024007136512380; invoice_no: 4532015112830366',
    'interface eth0 mac 00:1a:2b:3c:4d:5e mtu 9001',
    'ratelimit: 100 req/s, burst 200, bucket api-key-tier-2',
    (
        'SecurityContextHolder cleared; AuthenticationFilter skipped; '
        'CredentialsProvider chain exhausted'
    ),
    (
        'node_modules/@nestjs/core/router/router-proxy.js:9:17 and '
        '/usr/local/lib/python3.11/site-packages/httpx/_client.py'
    ),
    'goroutine 42 [running]: main.(*Server).handle(0xc0001a2000, {0x7f8e4c, 0xc0002b4000}) +0x1f4',
    'checkout-svc-6b7c9d-2xk4p: readiness probe failed: HTTP probe failed with statuscode: 503',
    'CPU throttled 37.5% over 5m; memory 1.2Gi/2Gi; disk 81% on /var/lib/docker',
    'feature flag new-checkout-flow=true for tenant acme-prod (rollout 25%)',
]  # fmt: skip
# Names from stack traces that mix case and digits, as random keys do.
IDENTIFIERS = [
    "OrderServiceV2Controller", "AbstractAutowireCapableBeanFactory2",
    "Http2ServerConnectionHandler", "Base64EncoderUtf8Stream", "S3ClientBuilderV2Async",
    "getUserById2ForAdminPanel", "checkoutSvc2024RolloutBlue", "EC2InstanceMetadataProvider",
    "TLSv1_2ProtocolHandlerImpl", "KafkaConsumerGroup3Rebalance", "Log4j2AsyncLoggerContextSel",
    "X509TrustManagerFactoryImplV3", "IPv6AddressResolverDnsV2Impl", "Oauth2ClientCredentials",
]  # fmt: skip


class TestOverMasking:
    @pytest.mark.parametrize(
        "text",
        [
            "libfoo 2.4.0.1 -> 2.4.0.2",  # four-part versions are not addresses
            "openssl 1.1.1.23 loaded",
            "order 4024007136512380 not found",  # a Luhn-valid number labelled as an id
            "orderId=4024007136512380 retried",
            "invoice_no: 4532015112830366",
            "Invalid password: must be at least 8 characters",  # prose after a key
            "token: missing from request",
            "[16:44:10.582] WARN slow query at 16:44:10.582",  # times are not IPv6 addresses
            "2024-05-01T16:44:10.582+02:00 ERROR",
        ],
    )
    def test_text_survives_unchanged(self, text: str) -> None:
        """Versions, ids, prose and times are left as they are, with nothing found."""
        masker = Masker()
        assert masker.mask(text) == text
        assert masker.findings == {}

    def test_addresses_and_cards_are_still_masked(self) -> None:
        """The same shapes with what marks them as secrets are masked."""
        masker = Masker()
        assert masker.mask("client 203.0.113.7 and 10.1.1.23") == "client <IP_1> and <IP_2>"
        assert masker.mask("PAN 4024007136512380") == "PAN <CARD_1>"
        assert masker.mask("card_id=4024007136512380") == "card_id=<CARD_1>"
        assert masker.mask("password: hunter2") == "password: <SECRET_1>"


class TestOrdinaryTelemetry:
    @pytest.mark.parametrize("text", ORDINARY)
    def test_is_left_unchanged(self, text: str) -> None:
        """Ordinary telemetry holds nothing to mask and comes out as it went in."""
        masker = Masker()
        assert masker.mask(text) == text
        assert masker.findings == {}


class TestRandomTokenHeuristic:
    def test_names_are_not_keys(self) -> None:
        """Names that mix case and digits read as words, not as keys."""
        assert [name for name in IDENTIFIERS if looks_random(name)] == []

    def test_random_tokens_are_keys(self) -> None:
        """Random tokens of 32+ characters are recognised; misses are rare (about 1 in 5,000)."""
        rng = random.Random(20240501)
        alphabet = string.ascii_letters + string.digits
        tokens = [
            "".join(rng.choice(alphabet) for _ in range(rng.choice((32, 40, 43, 48, 64))))
            for _ in range(5000)
        ]
        keys = [t for t in tokens if t.lower() != t and t.upper() != t and any(map(str.isdigit, t))]
        missed = [token for token in keys if not looks_random(token)]
        assert len(missed) <= len(keys) // 1000
