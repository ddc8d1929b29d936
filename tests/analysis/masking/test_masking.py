"""Masking hides every seeded secret in every carrier and leaves the ids the analysis cites."""

from __future__ import annotations

import collections
import dataclasses

import pytest

from aisher.analysis.masking.masker import MASKING_VERSION, Masker, is_secret_key
from tests.support.secrets_corpus import (
    CARRIER_NAMES,
    KINDS,
    TRACE_ID,
    Carrier,
    SeededSecret,
    carriers,
    leaked,
    seeded_secrets,
    seeded_telemetry,
)

SECRETS = seeded_secrets(seed=20240501)
POLYGLOT_TRACES = """\
goroutine 1 [running]:
main.(*Server).handleCharge(0xc0001a2000, {0x7f8e4c, 0xc0002b4000}, 0xc0003c6000)
\t/go/src/github.com/acme/payments/server.go:142 +0x1f4
panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV code=0x1]
TypeError: Cannot read properties of undefined (reading 'token')
    at AuthService.verify (/app/dist/services/auth.service.js:57:23)
    at async SessionMiddleware.use (/app/node_modules/@nestjs/core/router/router-proxy.js:9:17)
System.InvalidOperationException: Sequence contains no elements
   at Acme.Payments.TokenValidator.Validate(String token) in C:\\src\\TokenValidator.cs:line 88
ActiveRecord::RecordNotFound (Couldn't find User with 'id'=42):
  app/controllers/sessions_controller.rb:12:in `create'
2024-05-01 10:15:30,123 ERROR [http-nio-8080-exec-7] c.a.p.PaymentController - orderId=98765432101
WARN Retrying request, attempt 3/5, backoff=400ms, requestId=7c9e6679-7425-40de-944b-e07fc1f90ae7
redis: connection pool timeout: pool_size=10 idle=0 stale=0 hits=1234 misses=56 timeouts=7
pq: password authentication failed for user "app"
INFO token bucket refilled: tokens=100 capacity=100 rate=10/s
Invalid key: expected 32 bytes, got 16
at io.netty.handler.ssl.SslHandler.decode(SslHandler.java:1342) ~[netty-handler-4.1.100.Final.jar]
image=registry.example.com/checkout@sha256:3f2a9c1e111142228333444455556666
"""
CARRIERS = carriers(SECRETS)


@dataclasses.dataclass(frozen=True, slots=True)
class MaskedCarrier:
    carrier: Carrier
    once: str
    twice: str
    findings: int


@pytest.fixture(scope="module")
def masked_corpus() -> list[MaskedCarrier]:
    """Every carrier masked by a fresh masker, and that masked again by another: computed once."""
    result = []
    for carrier in CARRIERS:
        masker = Masker()
        if carrier.text:
            once = masker.mask(carrier.text)
            twice = Masker().mask(once)
        else:
            attributes = masker.mask_attributes(carrier.attributes)
            once, twice = repr(attributes), repr(Masker().mask_attributes(attributes))
        result.append(MaskedCarrier(carrier, once, twice, sum(masker.findings.values())))
    return result


class TestSeededCorpus:
    def test_covers_every_kind_with_distinct_secrets(self) -> None:
        """The corpus holds a dozen distinct secrets of each of its 64 kinds."""
        counts = collections.Counter(secret.kind for secret in SECRETS)
        assert set(counts) == set(KINDS)
        assert len(KINDS) == 64
        assert min(counts.values()) >= 12
        assert len({secret.value for secret in SECRETS}) == len(SECRETS)

    def test_is_deterministic_per_seed(self) -> None:
        """The same seed gives the same secrets; another seed gives others."""
        assert seeded_secrets(seed=1) == seeded_secrets(seed=1)
        assert seeded_secrets(seed=1) != seeded_secrets(seed=2)

    def test_every_carrier_leaks_its_secret_when_unmasked(self) -> None:
        """The leak detector finds each secret in its raw carrier, and no other secret there."""
        for carrier in CARRIERS:
            raw = carrier.text or repr(dict(carrier.attributes))
            assert leaked(SECRETS, raw) == [carrier.secret], (carrier.name, carrier.secret)


class TestLeaked:
    def test_finds_a_distinctive_fragment(self) -> None:
        """Eight characters of a secret's random part count as a leak."""
        secret = SeededSecret(
            "gitlab_token", "glpat-Xq7vB2mK9pLw4nZt8RcY", core="Xq7vB2mK9pLw4nZt8RcY"
        )
        assert leaked([secret], "token ends in 9pLw4nZt") == [secret]
        assert leaked([secret], "prefix glpat- alone is public knowledge") == []

    def test_finds_a_card_number_whatever_its_separators(self) -> None:
        """A card number leaks whether written plain, with spaces or with dashes."""
        secret = SeededSecret("card", "4539578763621486", core="4539578763621486")
        assert leaked([secret], "pan 4539-5787-6362-1486") == [secret]
        assert leaked([secret], "pan <CARD_1>") == []

    def test_matches_addresses_whole(self) -> None:
        """An IP address leaks only as a whole address, not as part of a longer one."""
        secret = SeededSecret("ipv4", "10.1.2.3")
        assert leaked([secret], "connect to 10.1.2.3:5432") == [secret]
        assert leaked([secret], "connect to 10.1.2.34:5432") == []


class TestMaskerOnCorpus:
    @pytest.mark.parametrize("carrier_name", CARRIER_NAMES)
    def test_no_secret_survives(
        self, masked_corpus: list[MaskedCarrier], carrier_name: str
    ) -> None:
        """Masking a carrier leaves no seeded secret of any kind in it."""
        survivors = [
            (masked.carrier.secret.kind, secret.value)
            for masked in masked_corpus
            if masked.carrier.name == carrier_name
            for secret in leaked(SECRETS, masked.once)
        ]
        assert survivors == []

    @pytest.mark.parametrize("kind", KINDS)
    def test_every_kind_is_masked_in_every_carrier(
        self, masked_corpus: list[MaskedCarrier], kind: str
    ) -> None:
        """Each kind of secret is hidden in messages, traces, logs and attributes alike."""
        survivors = [
            (masked.carrier.name, masked.carrier.secret.value)
            for masked in masked_corpus
            if masked.carrier.secret.kind == kind and leaked(SECRETS, masked.once)
        ]
        assert survivors == []

    def test_every_kind_is_counted_in_findings(self, masked_corpus: list[MaskedCarrier]) -> None:
        """Each carrier's secret shows up in the masker's findings."""
        uncounted = [(m.carrier.name, m.carrier.secret) for m in masked_corpus if not m.findings]
        assert uncounted == []

    def test_masking_masked_text_changes_nothing(self, masked_corpus: list[MaskedCarrier]) -> None:
        """Masking is idempotent: placeholders survive a second pass unchanged."""
        changed = [(m.carrier.name, m.once) for m in masked_corpus if m.twice != m.once]
        assert changed == []

    def test_seeded_spans_and_logs_come_out_clean(self) -> None:
        """Every text field of the seeded spans and logs is clean once masked."""
        spans, logs = seeded_telemetry(SECRETS)
        masker = Masker()
        texts = [masker.mask(log.body) for log in logs]
        for span in spans:
            texts += [
                masker.mask(span.status_message),
                repr(masker.mask_attributes(span.attributes)),
            ]
            texts += [masker.mask(e.message) + masker.mask(e.stacktrace) for e in span.exceptions]
        assert leaked(SECRETS, "\n".join(texts)) == []

    def test_stack_traces_keep_their_frames(self, masked_corpus: list[MaskedCarrier]) -> None:
        """Frames, line numbers and trace ids around a secret stay readable."""
        for carrier, masked in ((m.carrier, m.once) for m in masked_corpus):
            if carrier.name == "java_stack_trace":
                assert "(PaymentClient.java:142)" in masked
                assert "(ThreadPoolExecutor.java:1136)" in masked
            elif carrier.name == "python_stack_trace":
                assert 'payments.py", line 57, in charge' in masked
            elif carrier.name == "log_body":
                assert TRACE_ID in masked


class TestMaskShapes:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("key sk-proj-Ab3dEfGh1JkLmN0pQrStUvWx", "key <SECRET_1>"),
            ("connect to 10.0.3.7:5432 refused", "connect to <IP_1>:5432 refused"),
            ("dial [2001:db8::7]:443", "dial [<IP_1>]:443"),
            ("mail bob.smith@example.com bounced", "mail <EMAIL_1> bounced"),
            ("card 4539 5787 6362 1486 declined", "card <CARD_1> declined"),
            ('File "/home/alice/app/x.py"', 'File "/home/<USER>/app/x.py"'),
            ("at C:\\Users\\alice\\src\\a.cs", "at C:\\Users\\<USER>\\src\\a.cs"),
            ("redis://:hunter2pass@cache:6379/0", "redis://:<SECRET_1>@cache:6379/0"),
            ("postgres://app:p@ss@db:5432/x", "postgres://app:<SECRET_1>@db:5432/x"),
            ("jdbc:oracle:thin:scott/tiger@//db/x", "jdbc:oracle:thin:scott/<SECRET_1>@//db/x"),
            ("Server=db;Password=p4ss;Encrypt=True", "Server=db;Password=<SECRET_1>;Encrypt=True"),
            ("GET /v1?page=2&access_token=abc123&x", "GET /v1?page=2&access_token=<SECRET_1>&x"),
            ('{\\"password\\":\\"s3cr3t\\"}', '{\\"password\\":\\"<SECRET_1>\\"}'),
            ("Authorization: Bearer abcdef123456", "Authorization: Bearer <SECRET_1>"),
            ("Cookie: sid=abc; theme=dark", "Cookie: <SECRET_1>"),
            ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq", "<SECRET_1>"),
            ("<db:password>hunter2</db:password>", "<db:password><SECRET_1></db:password>"),
            # A value that opens a brace and does not close it is hidden whole, last letter too.
            ("password={s3cr3tX next", "password=<SECRET_1> next"),
            # Numbers that touch are all hidden, not one more per pass until passes run out.
            ("(415) 555-0132(415) 555-0199" * 3, "<PHONE_1><PHONE_2>" * 3),
        ],
    )  # fmt: skip
    def test_masks_the_secret_and_keeps_its_context(self, text: str, expected: str) -> None:
        """Only the secret part is replaced; ports, schemes, keys and paths stay."""
        assert Masker().mask(text) == expected


class TestMustNotMask:
    @pytest.mark.parametrize(
        "text",
        [
            f"trace_id={TRACE_ID} span_id=00f067aa0ba902b7 parent=53995c3f42cd8ad8",
            "groupID=3b8f2c9e5d4a6f7081b2c3d4e5f60718",
            "order 3f2a9c1e-1111-4222-8333-444455556666 not found",
            "HTTP 503 Service Unavailable after 30000ms (status_code=503, duration_ms=1234.5)",
            "listening on :8080, upstream api.stripe.com:443",
            "\tat com.example.auth.TokenService.validate(TokenService.java:42)",
            '  File "/app/auth/token.py", line 57, in refresh',
            "    token = self._fetch_token(session_id)",
            "org.springframework.security.authentication.BadCredentialsException: Bad credentials",
            "io.jsonwebtoken.ExpiredJwtException: JWT expired at 2024-05-01T10:15:30Z",
            "service.version=1.27.0 previous=1.26.3 telemetry.sdk.version=1.4.0.0",
            "version 10.0.19041.1",
            "order 1234567890123456 and 4111111111111112 and ts 1700000000000000000",
            "gen_ai.usage.input_tokens=1234 llm.token_count.prompt=55 token_count=3",
            "secret_name=db-creds session.duration=30s",
            "redis at 127.0.0.1:6379 and 0.0.0.0:8080 and ::1",
            "10:15:30 std::vector<int> Foo::Bar dead::beef",
            "postgres://app@db.internal:5432/orders",
            "basic authentication failed; missing bearer token",
            "SELECT * FROM sessions WHERE token = $1 AND user_id = :user_id",
            "GET /home/dashboard and https://example.com/home/alice",
            "pod sk-prod-payments-worker-blue-green restarted",
            "KeyError: 'password'",
            "user@localhost",
        ],
    )
    def test_text_survives_unchanged(self, text: str) -> None:
        """Ids, versions, ports, line numbers, code names and ordinary numbers are not secrets."""
        masker = Masker()
        assert masker.mask(text) == text
        assert masker.findings == {}

    def test_stack_traces_of_other_runtimes_survive(self) -> None:
        """Go, Node, .NET and Ruby traces and common log lines hold nothing to mask."""
        masker = Masker()
        assert masker.mask(POLYGLOT_TRACES) == POLYGLOT_TRACES
        assert masker.findings == {}


class TestPlaceholders:
    def test_same_secret_gets_the_same_placeholder(self) -> None:
        """One masker maps a repeated value to one placeholder, in text and in attributes."""
        masker = Masker()
        first = masker.mask("key ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8")
        second = masker.mask_attributes(
            {"github.token": "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}
        )
        assert first == "key <SECRET_1>"
        assert second == {"github.token": "<SECRET_1>"}

    def test_different_secrets_get_different_numbers(self) -> None:
        """Two values of one category are numbered apart; each category counts from 1."""
        masker = Masker()
        text = "a@example.com b@example.com 10.0.0.1 10.0.0.2 a@example.com"
        assert masker.mask(text) == "<EMAIL_1> <EMAIL_2> <IP_1> <IP_2> <EMAIL_1>"

    def test_numbering_is_per_masker(self) -> None:
        """A new masker (a new report) starts numbering again."""
        assert Masker().mask("a@example.com") == Masker().mask("b@example.com") == "<EMAIL_1>"

    def test_a_card_reads_the_same_whatever_its_separators(self) -> None:
        """The same card number written differently maps to one placeholder."""
        masker = Masker()
        assert masker.mask("4539578763621486 / 4539-5787-6362-1486") == "<CARD_1> / <CARD_1>"

    def test_placeholders_are_not_masked(self) -> None:
        """Text made only of placeholders passes through a masker untouched."""
        text = "<SECRET_1> <EMAIL_2> <IP_3>:5432 <CARD_4> /home/<USER>/x password=<SECRET_5>"
        masker = Masker()
        assert masker.mask(text) == text
        assert masker.findings == {}


class TestMaskAttributes:
    def test_hides_values_of_secret_named_keys_whole(self) -> None:
        """A value under a secret-looking key is hidden even when it has no telltale shape."""
        masked = Masker().mask_attributes(
            {"db.password": "correct horse", "http.route": "/v1/charge", "app.session.id": "42"}
        )
        assert masked == {
            "db.password": "<SECRET_1>",
            "http.route": "/v1/charge",
            "app.session.id": "<SECRET_2>",
        }

    def test_keeps_the_auth_scheme(self) -> None:
        """An Authorization header keeps its scheme so the reader knows what kind it was."""
        masked = Masker().mask_attributes(
            {"http.request.header.authorization": "Basic dXNlcjpwYXNz"}
        )
        assert masked == {"http.request.header.authorization": "Basic <SECRET_1>"}

    def test_masks_secrets_inside_ordinary_values(self) -> None:
        """Values under harmless keys are masked by shape."""
        masked = Masker().mask_attributes({"url.full": "https://u:pw12345@db:5432/x?token=abc"})
        assert masked == {"url.full": "https://u:<SECRET_1>@db:5432/x?token=<SECRET_2>"}

    def test_leaves_empty_and_null_secrets_alone(self) -> None:
        """Nothing is hidden where there is nothing to hide."""
        masker = Masker()
        assert masker.mask_attributes({"db.password": "", "api_key": "null"}) == {
            "db.password": "",
            "api_key": "null",
        }
        assert masker.findings == {}

    def test_mask_mapping_values_keeps_keys(self) -> None:
        """`mask_mapping_values` masks values as text and never treats keys as hints."""
        masked = Masker().mask_mapping_values({"password": "plain words", 7: "ip 10.9.8.7"})
        assert masked == {"password": "plain words", 7: "ip <IP_1>"}

    def test_mask_value_for_key(self) -> None:
        """One value is hidden or masked according to its key."""
        masker = Masker()
        assert masker.mask_value_for_key("X-Api-Key", "abc") == "<SECRET_1>"
        assert masker.mask_value_for_key("peer", "10.1.1.1:80") == "<IP_1>:80"


class TestIsSecretKey:
    @pytest.mark.parametrize(
        "key",
        [
            "password", "db.password", "PGPASSWORD", "passwd", "pwd", "client_secret",
            "aws.secret_access_key", "SecretAccessKey", "token", "access_token", "X-Auth-Token",
            "api_key", "apiKey", "x-api-key", "http.request.header.x-api-key", "api.key",
            "http.request.header.authorization", "Proxy-Authorization", "cookie", "set-cookie",
            "http.response.header.set-cookie", "session", "sessionId", "app.session.id",
            "JSESSIONID", "private_key", "tls.privateKey", "credential", "auth.credentials",
            "signature", "X-Amz-Signature", "sig", "AccountKey",
        ],
    )  # fmt: skip
    def test_secret_keys(self, key: str) -> None:
        """Keys that name a credential, in any case or separator style, are recognised."""
        assert is_secret_key(key)

    @pytest.mark.parametrize(
        "key",
        [
            "http.route", "db.statement", "url.full", "cache.key", "messaging.kafka.message.key",
            "gen_ai.usage.input_tokens", "llm.token_count.prompt", "token_count", "secret_name",
            "session.duration", "TokenService", "TokenService.java", "token.py",
            "BadCredentialsException", "auth.method", "tokens", "keyboard", "monkey",
        ],
    )  # fmt: skip
    def test_ordinary_keys(self, key: str) -> None:
        """Keys that describe a secret, count tokens or name code are not secret."""
        assert not is_secret_key(key)


class TestFindings:
    def test_counts_per_kind_without_values(self) -> None:
        """Findings count masked values per kind and never contain the values."""
        masker = Masker()
        masker.mask("a@example.com b@example.com key AKIAIOSFODNN7EXAMPLE password=hunter22")
        assert masker.findings == {"aws_access_key_id": 1, "email": 2, "keyed_secret": 1}
        assert "hunter22" not in repr(masker.findings)

    def test_repeated_text_is_counted_each_time(self) -> None:
        """Masking the same text twice counts its secrets twice."""
        masker = Masker()
        masker.mask("mail a@example.com")
        masker.mask("mail a@example.com")
        assert masker.findings == {"email": 2}


class TestMaskingVersion:
    def test_is_a_non_empty_string(self) -> None:
        """`MASKING_VERSION` exists for cache keys to include."""
        assert isinstance(MASKING_VERSION, str)
        assert MASKING_VERSION
