"""A seeded corpus of fake secrets of every kind Aisher masks, and telemetry that carries them.

* `seeded_secrets(seed)` — a few hundred `SeededSecret`s, the same for the same seed.
* `carriers(secrets)` — each secret embedded the way production telemetry carries it: exception
  messages, Java and Python stack traces, log bodies (logfmt and JSON), span attribute maps by
  secret-looking key and inside ordinary values (`db.statement`, `url.full`, …).
* `seeded_telemetry(secrets)` — the same as `SpanRecord`s and `LogRecord`s, for end-to-end checks.
* `leaked(secrets, text)` — the secrets whose value, or a distinctive fragment of at least
  8 characters of it (12 digits for card numbers), appears in a text such as an LLM request body.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from types import MappingProxyType

from aisher.telemetry import STATUS_ERROR, ExceptionRecord, LogRecord, SpanRecord

FRAGMENT = 8
CARD_FRAGMENT = 12
BASE_NS = 1_700_000_000_000_000_000
_ALNUM = string.ascii_letters + string.digits
_UPPER_DIGITS = string.ascii_uppercase + string.digits
_LOWER_DIGITS = string.ascii_lowercase + string.digits
_B64URL = _ALNUM + "-_"
# Characters real passwords use that stay unambiguous in URLs and connection strings.
_PASSWORD = _ALNUM + "!*~._-$^"


@dataclass(frozen=True, slots=True)
class SeededSecret:
    """One fake secret: its kind, its value, and how it shows up in telemetry.

    `snippet` is the secret in its usual textual context (`postgres://app:VALUE@db…`);
    `attribute` the (key, value) pair a span would carry it in; `core` its random part, whose
    fragments count as a leak (a vendor prefix like `sk-proj-` alone does not).
    """

    kind: str
    value: str
    snippet: str = ""
    attribute: tuple[str, str] = ("", "")
    core: str = ""

    @property
    def text(self) -> str:
        return self.snippet or self.value


@dataclass(frozen=True, slots=True)
class Carrier:
    """A piece of telemetry holding one seeded secret: a text or an attribute map."""

    name: str
    secret: SeededSecret
    text: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)


# --- random parts --------------------------------------------------------------------------


def _pick(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def _mixed(rng: random.Random, length: int, alphabet: str = _ALNUM) -> str:
    """Random characters with at least one digit, upper- and lower-case letter, as keys have."""
    chars = list(_pick(rng, alphabet, length - 3))
    for required in (string.digits, string.ascii_uppercase, string.ascii_lowercase):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(required))
    return "".join(chars)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _luhn_complete(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + _pick(rng, string.digits, length - len(prefix) - 1)
    total = 0
    for position, char in enumerate(reversed(body)):
        number = int(char)
        if position % 2 == 0:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return body + str((10 - total % 10) % 10)


# --- one generator per kind: (rng, index) -> SeededSecret ----------------------------------

_Generator = Callable[[random.Random, int], SeededSecret]
_FIRST_NAMES = ("maria", "wei", "olu", "priya", "jonas", "aiko", "diego", "fatima", "noah")


def _vendor(
    kind: str, prefixes: tuple[str, ...], length: int, alphabet: str = _ALNUM
) -> _Generator:
    templates = (
        "Incorrect API key provided: {}.",
        "upstream rejected credentials {} (HTTP 401)",
        "retrying with {} after 403",
    )

    def generate(rng: random.Random, index: int) -> SeededSecret:
        core = _mixed(rng, length, alphabet)
        value = prefixes[index % len(prefixes)] + core
        snippet = templates[index % len(templates)].format(value)
        key = f"{kind.partition('_')[0]}.api_key"
        return SeededSecret(kind, value, snippet, (key, value), core)

    return generate


def _aws_access_key_id(rng: random.Random, index: int) -> SeededSecret:
    core = _pick(rng, _UPPER_DIGITS, 16)
    value = ("AKIA", "ASIA")[index % 2] + core
    snippet = f"The AWS Access Key Id {value} does not exist in our records."
    return SeededSecret("aws_access_key_id", value, snippet, ("aws.access_key_id", value), core)


def _aws_secret_key(rng: random.Random, index: int) -> SeededSecret:
    value = _mixed(rng, 40, _ALNUM + "/+")
    snippet = (
        f"aws_secret_access_key = {value}",
        f"AWS_SECRET_ACCESS_KEY={value}",
        f'{{"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "{value}"}}',
        f"aws.secret_access_key: {value}",
    )[index % 4]
    return SeededSecret("aws_secret_key", value, snippet, ("aws.secret_access_key", value), value)


def _slack_token(rng: random.Random, index: int) -> SeededSecret:
    prefix = ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xapp-1-")[index % 6]
    if prefix == "xapp-1-":
        app, team = _pick(rng, _UPPER_DIGITS, 9), _pick(rng, string.digits, 13)
        core = f"A0{app}-{team}-{_pick(rng, '0123456789abcdef', 64)}"
    else:
        core = f"{_pick(rng, string.digits, 12)}-{_pick(rng, string.digits, 13)}-{_mixed(rng, 24)}"
    value = prefix + core
    snippet = f"slack_sdk.errors.SlackApiError: invalid_auth calling chat.postMessage with {value}"
    return SeededSecret("slack_token", value, snippet, ("slack.bot_token", value), core)


def _slack_webhook(rng: random.Random, index: int) -> SeededSecret:
    core = f"T{_pick(rng, _UPPER_DIGITS, 8)}/B{_pick(rng, _UPPER_DIGITS, 10)}/{_mixed(rng, 24)}"
    value = f"https://hooks.slack.com/services/{core}"
    snippet = f"POST {value} returned 404 no_service"
    return SeededSecret("slack_webhook", value, snippet, ("alert.webhook_secret", value), core)


def _github_token(rng: random.Random, index: int) -> SeededSecret:
    prefix = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")[index % 6]
    core = _mixed(rng, 36) if prefix != "github_pat_" else f"{_mixed(rng, 22)}_{_mixed(rng, 59)}"
    value = prefix + core
    snippet = f"git fetch failed: remote: Invalid username or token {value}."
    return SeededSecret("github_token", value, snippet, ("github.token", value), core)


def _jwt(rng: random.Random, index: int) -> SeededSecret:
    header = _b64url(json.dumps({"alg": ("HS256", "RS256")[index % 2], "typ": "JWT"}).encode())
    claims = {"sub": f"user-{_pick(rng, _ALNUM, 12)}", "iat": 1_700_000_000 + index, "scope": "pay"}
    core = _b64url(rng.randbytes(32))  # the signature; header and claims share prefixes
    value = f"{header}.{_b64url(json.dumps(claims).encode())}.{core}"
    snippet = (
        f"io.jsonwebtoken.ExpiredJwtException: JWT {value} expired",
        f"Authorization: Bearer {value}",
        f"invalid token {value}",
    )[index % 3]
    return SeededSecret(
        "jwt", value, snippet, ("http.request.header.authorization", f"Bearer {value}"), core
    )


def _bearer_token(rng: random.Random, index: int) -> SeededSecret:
    value = _mixed(rng, 40, _ALNUM + "._-") if index % 2 else "ya29." + _mixed(rng, 60)
    snippet = (
        f"Authorization: Bearer {value}",
        f"retried with bearer {value} and got 401",
        f'{{"authorization": "Bearer {value}"}}',
    )[index % 3]
    attribute = ("http.request.header.authorization", f"Bearer {value}")
    return SeededSecret("bearer_token", value, snippet, attribute, value.removeprefix("ya29."))


def _basic_auth(rng: random.Random, index: int) -> SeededSecret:
    value = base64.b64encode(
        f"svc-{_pick(rng, string.ascii_lowercase, 6)}:{_mixed(rng, 18)}".encode()
    ).decode()
    snippet = (f"Authorization: Basic {value}", f"proxy sent basic {value} upstream")[index % 2]
    attribute = ("http.request.header.proxy-authorization", f"Basic {value}")
    return SeededSecret("basic_auth", value, snippet, attribute, value)


def _private_key(rng: random.Random, index: int) -> SeededSecret:
    label = (
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
    )[index % 5]
    lines = [base64.b64encode(rng.randbytes(48)).decode() for _ in range(4 + index % 4)]
    body = "\n".join(lines)
    value = f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"
    snippet = f"failed to parse TLS key material:\n{value}\n"
    return SeededSecret("private_key", value, snippet, ("tls.private_key", value), "".join(lines))


def _password(rng: random.Random) -> str:
    return _mixed(rng, 16, _PASSWORD)


def _url_password(rng: random.Random, index: int) -> SeededSecret:
    value = _password(rng)
    snippet = (
        f"postgres://app:{value}@db.internal:5432/orders?sslmode=require",
        f"mysql://root:{value}@mysql-0.mysql:3306/shop",
        f"amqp://guest:{value}@rabbitmq:5672/%2F",
        f"https://deploy:{value}@git.example.com/payments.git",
        f"mongodb+srv://svc_orders:{value}@cluster0.example.net/orders",
    )[index % 5]
    return SeededSecret("url_password", value, snippet, ("db.connection_string", snippet), value)


def _redis_password(rng: random.Random, index: int) -> SeededSecret:
    value = _password(rng)
    snippet = (f"redis://:{value}@cache.internal:6379/0", f"rediss://default:{value}@cache:6380/1")[
        index % 2
    ]
    return SeededSecret("redis_password", value, snippet, ("redis.password", value), value)


def _connection_password(rng: random.Random, index: int) -> SeededSecret:
    value = _password(rng)
    snippet = (
        f"jdbc:postgresql://db.internal:5432/orders?user=app&password={value}&ssl=true",
        f"Server=tcp:sql.internal,1433;Database=orders;User Id=app;Password={value};Encrypt=True;",
        f"host=db.internal port=5432 dbname=orders user=app password={value} sslmode=require",
        f"Driver={{ODBC Driver 18}};Server=sql;Uid=app;Pwd={value};",
        f"jdbc:sqlserver://sql:1433;databaseName=orders;user=sa;password={value};",
        f"host=db.internal password='{value}' dbname=orders",
        f"jdbc:oracle:thin:app/{value}@//db.internal:1521/ORCL",
    )[index % 7]
    return SeededSecret("connection_password", value, snippet, ("db.password", value), value)


def _query_secret(rng: random.Random, index: int) -> SeededSecret:
    key = (
        "token",
        "api_key",
        "access_token",
        "signature",
        "X-Amz-Signature",
        "sig",
        "client_secret",
        "apikey",
    )[index % 8]
    value = _mixed(rng, 32, _B64URL) if index % 2 else _pick(rng, "0123456789abcdef", 64)
    snippet = f"https://api.partner.example/v2/charges?page=2&{key}={value}&limit=50"
    return SeededSecret(
        "query_secret", value, snippet, ("http.request.header.x-api-key", value), value
    )


def _keyed_secret(rng: random.Random, index: int) -> SeededSecret:
    value = _mixed(rng, 28, _B64URL)
    snippet, key = (
        (f"session={value}", "app.session.id"),
        (f"X-Api-Key: {value}", "http.request.header.x-api-key"),
        (f"Cookie: sid={value}; theme=dark", "http.request.header.cookie"),
        (f"Set-Cookie: session={value}; Path=/; HttpOnly", "http.response.header.set-cookie"),
        (f"private_key={value}", "signing.private_key"),
        (f"credential: {value}", "auth.credential"),
        (f"passwd={value}", "passwd"),
        (f"secret: {value}", "client_secret"),
        (f"<password>{value}</password>", "db.password"),
        (f'"apikey": "{value}"', "apikey"),
        (f"User{{name=bob, token={value}, active=true}}", "token"),
    )[index % 11]
    return SeededSecret("keyed_secret", value, snippet, (key, value), value)


def _email(rng: random.Random, index: int) -> SeededSecret:
    local = f"{_FIRST_NAMES[index % len(_FIRST_NAMES)]}.{_pick(rng, _LOWER_DIGITS, 6)}"
    value = f"{local}@{('acme-corp.example', 'mail.example.org', 'shop.co.uk')[index % 3]}"
    snippet = (f"no account for {value}", f"send receipt to <{value}> failed", f"user={value}")[
        index % 3
    ]
    return SeededSecret("email", value, snippet, ("enduser.email", value), local)


def _ipv4(rng: random.Random, index: int) -> SeededSecret:
    value = (
        f"10.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}",
        f"172.{rng.randrange(16, 32)}.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}",
        f"192.168.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}",
        f"203.0.113.{rng.randrange(2, 255)}",
    )[index % 4]
    snippet = (
        f"connect to {value}:5432 refused",
        f"client {value} sent a malformed request",
        f"http://{value}:8080/healthz timed out",
    )[index % 3]
    return SeededSecret("ipv4", value, snippet, ("client.address", value), value)


def _ipv6(rng: random.Random, index: int) -> SeededSecret:
    groups = [f"{rng.randrange(1, 0xFFFF):x}" for _ in range(4)]
    value = (
        f"2001:db8:{groups[0]}:{groups[1]}::{groups[2]}",
        f"fd12:3456:{groups[0]}:1::{groups[3]}",
        f"2001:db8:{':'.join(groups)}:1:2",
        f"::ffff:10.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}.{rng.randrange(2, 255)}",
    )[index % 4]
    snippet = (
        f"dial tcp [{value}]:443: connect: connection refused",
        f"peer {value} reset the stream",
    )[index % 2]
    return SeededSecret("ipv6", value, snippet, ("network.peer.address", value), value)


def _card(rng: random.Random, index: int) -> SeededSecret:
    prefix, length = (
        ("4", 16),
        ("51", 16),
        ("2221", 16),
        ("34", 15),
        ("6011", 16),
        ("35", 16),
        ("62", 19),
        ("4", 13),
    )[index % 8]
    digits = _luhn_complete(rng, prefix, length)
    if index % 3 == 1 and length == 16:
        value = " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    elif index % 3 == 2 and length == 16:
        value = "-".join(digits[i : i + 4] for i in range(0, 16, 4))
    else:
        value = digits
    snippet = (f"card {value} declined", f"charge failed for PAN {value}: insufficient funds")[
        index % 2
    ]
    return SeededSecret("card", value, snippet, ("payment.card.number", value), digits)


def _home_user(rng: random.Random, index: int) -> SeededSecret:
    value = f"{_FIRST_NAMES[index % len(_FIRST_NAMES)]}{_pick(rng, _LOWER_DIGITS, 4)}"
    snippet = (
        f"/home/{value}/src/checkout/payments.py",
        f"/Users/{value}/work/payments/src/main.go",
        f"C:\\Users\\{value}\\AppData\\Local\\payments\\app.log",
    )[index % 3]
    return SeededSecret("home_user", value, snippet, ("code.filepath", snippet), value)


_GENERATORS: dict[str, _Generator] = {
    "openai_key": _vendor("openai_key", ("sk-", "sk-proj-"), 48, _B64URL),
    "anthropic_key": _vendor("anthropic_key", ("sk-ant-api03-",), 93, _B64URL),
    "aws_access_key_id": _aws_access_key_id,
    "aws_secret_key": _aws_secret_key,
    "slack_token": _slack_token,
    "slack_webhook": _slack_webhook,
    "github_token": _github_token,
    "gitlab_token": _vendor("gitlab_token", ("glpat-",), 20, _B64URL),
    "stripe_key": _vendor("stripe_key", ("sk_live_", "rk_live_", "pk_live_", "sk_test_"), 24),
    "google_api_key": _vendor("google_api_key", ("AIza",), 35, _B64URL),
    "jwt": _jwt,
    "bearer_token": _bearer_token,
    "basic_auth": _basic_auth,
    "private_key": _private_key,
    "url_password": _url_password,
    "redis_password": _redis_password,
    "connection_password": _connection_password,
    "query_secret": _query_secret,
    "keyed_secret": _keyed_secret,
    "email": _email,
    "ipv4": _ipv4,
    "ipv6": _ipv6,
    "card": _card,
    "home_user": _home_user,
}
KINDS = tuple(_GENERATORS)


def seeded_secrets(seed: int = 0, per_kind: int = 12) -> list[SeededSecret]:
    """`per_kind` distinct secrets of every kind in `KINDS`; the same list for the same seed."""
    rng = random.Random(seed)
    secrets: list[SeededSecret] = []
    for generate in _GENERATORS.values():
        seen: set[str] = set()
        index = 0
        while len(seen) < per_kind:
            secret = generate(rng, index)
            if secret.value not in seen:
                seen.add(secret.value)
                secrets.append(secret)
                index += 1
    return secrets


# --- carriers ------------------------------------------------------------------------------

CARRIER_NAMES = (
    "exception_message",
    "java_stack_trace",
    "python_stack_trace",
    "log_body",
    "attributes_by_key",
    "attributes_in_values",
)
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN_ID = "00f067aa0ba902b7"
_MESSAGES = (
    "payment authorisation failed: {}",
    "{} was rejected by payment-svc (HTTP 401)",
    "could not open connection using {}; giving up after 3 attempts",
)
_JAVA = """\
java.lang.IllegalStateException: payment authorisation failed for order 88123: {snippet}
\tat com.example.payments.PaymentClient.charge(PaymentClient.java:142)
\tat com.example.checkout.CheckoutService.placeOrder(CheckoutService.java:88)
\tat io.grpc.stub.ServerCalls$UnaryServerCallListener.onHalfClose(ServerCalls.java:182)
\tat java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)
Caused by: org.postgresql.util.PSQLException: Connection to {snippet} refused.
\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:262)
\tat com.zaxxer.hikari.pool.HikariPool.createPoolEntry(HikariPool.java:476)
\t... 42 more
"""
_PYTHON = """\
Traceback (most recent call last):
  File "/app/checkout/payments.py", line 57, in charge
    response = client.post(url, json=payload, timeout=2.5)
  File "/usr/local/lib/python3.11/site-packages/httpx/_client.py", line 1146, in post
    return self.request("POST", url, json=json)
httpx.HTTPStatusError: Client error '401 Unauthorized' for {snippet}
"""


def exception_message(secret: SeededSecret, variant: int = 0) -> str:
    """The secret inside a one-line exception message."""
    return _MESSAGES[variant % len(_MESSAGES)].format(secret.text)


def java_stack_trace(secret: SeededSecret) -> str:
    """A Java stack trace with the secret in the message and in a `Caused by`."""
    return _JAVA.format(snippet=secret.text)


def python_stack_trace(secret: SeededSecret) -> str:
    """A Python traceback whose final exception line holds the secret."""
    return _PYTHON.format(snippet=secret.text)


def log_body(secret: SeededSecret, variant: int = 0) -> str:
    """A log line (logfmt, or JSON with escaped quotes and newlines) that mentions the secret."""
    if variant % 2:
        record = {
            "level": "error",
            "trace_id": TRACE_ID,
            "msg": "charge failed",
            "detail": secret.text,
        }
        return json.dumps(record)
    return (
        f"level=error ts=2024-05-01T10:15:30.123Z trace_id={TRACE_ID} span_id={SPAN_ID} "
        f'msg="charge failed" duration_ms=1234 detail="{secret.text}"'
    )


def attributes_by_key(secret: SeededSecret) -> dict[str, str]:
    """Span attributes holding the secret under its natural key, among ordinary ones."""
    key, value = secret.attribute
    return {"http.route": "/v1/charge", "http.response.status_code": "401", key: value}


def attributes_in_values(secret: SeededSecret) -> dict[str, str]:
    """Span attributes whose keys look harmless but whose values contain the secret."""
    attributes = {
        "db.system": "postgresql",
        "db.statement": f"/* {secret.text} */ SELECT id, status FROM orders WHERE id = $1",
        "exception.message": exception_message(secret),
    }
    if "://" in secret.text:
        attributes["url.full"] = secret.text
    return attributes


def carriers(secrets: Iterable[SeededSecret]) -> list[Carrier]:
    """Every secret in every carrier of `CARRIER_NAMES`."""
    result: list[Carrier] = []
    for index, secret in enumerate(secrets):
        result += [
            Carrier("exception_message", secret, text=exception_message(secret, index)),
            Carrier("java_stack_trace", secret, text=java_stack_trace(secret)),
            Carrier("python_stack_trace", secret, text=python_stack_trace(secret)),
            Carrier("log_body", secret, text=log_body(secret, index)),
            Carrier("attributes_by_key", secret, attributes=attributes_by_key(secret)),
            Carrier("attributes_in_values", secret, attributes=attributes_in_values(secret)),
        ]
    return result


def seeded_telemetry(
    secrets: Iterable[SeededSecret], service: str = "checkout-svc", start_ns: int = BASE_NS
) -> tuple[list[SpanRecord], list[LogRecord]]:
    """One failing span and one error log per secret, with the secret in every field it can be."""
    rng = random.Random(7)
    spans: list[SpanRecord] = []
    logs: list[LogRecord] = []
    for index, secret in enumerate(secrets):
        trace_id, span_id = f"{rng.getrandbits(128):032x}", f"{rng.getrandbits(64):016x}"
        time_ns = start_ns + index * 1_000_000_000
        message = exception_message(secret, index)
        stacktrace = java_stack_trace(secret) if index % 2 else python_stack_trace(secret)
        exception = ExceptionRecord("PaymentError", message, stacktrace, True, "", time_ns)
        spans.append(
            SpanRecord(
                trace_id=trace_id,
                span_id=span_id,
                parent_span_id="",
                service=service,
                operation="POST /v1/charge",
                kind="Server",
                start_ns=time_ns,
                duration_ns=120_000_000,
                status_code=STATUS_ERROR,
                status_message=message,
                http_status="401",
                attributes=MappingProxyType(
                    attributes_by_key(secret) | attributes_in_values(secret)
                ),
                resource=MappingProxyType({"service.version": "1.27.0", "host.name": "pod-7f9c"}),
                exceptions=(exception,),
            )
        )
        logs.append(
            LogRecord(
                time_ns=time_ns,
                severity="ERROR",
                service=service,
                body=log_body(secret, index),
                trace_id=trace_id,
                span_id=span_id,
                attributes=MappingProxyType(dict([secret.attribute])),
            )
        )
    return spans, logs


# --- leak detection ------------------------------------------------------------------------

_SEPARATED_DIGITS = re.compile(r"(?<=\d)[ \-](?=\d)")
_WHOLE_ONLY = frozenset({"ipv4", "ipv6"})  # short values: only the whole address is a leak


@dataclass(frozen=True, slots=True)
class _Index:
    """Fragments of a secret list, so one text is checked with a set intersection."""

    text_fragments: Mapping[str, tuple[int, ...]]  # fragment -> positions in the secret list
    card_fragments: Mapping[str, tuple[int, ...]]
    individually: tuple[int, ...]  # addresses and short values, checked one by one


@lru_cache(maxsize=16)  # callers check many texts against the same few secret lists
def _index(secrets: tuple[SeededSecret, ...]) -> _Index:
    text: dict[str, list[int]] = {}
    card: dict[str, list[int]] = {}
    individually = []
    for position, secret in enumerate(secrets):
        core = secret.core or secret.value
        size = CARD_FRAGMENT if secret.kind == "card" else FRAGMENT
        if secret.kind in _WHOLE_ONLY or len(core) < size:
            individually.append(position)
            continue
        fragments = card if secret.kind == "card" else text
        for start in range(len(core) - size + 1):
            fragments.setdefault(core[start : start + size], []).append(position)
    return _Index(
        {fragment: tuple(found) for fragment, found in text.items()},
        {fragment: tuple(found) for fragment, found in card.items()},
        tuple(individually),
    )


@cache
def _whole(secret: SeededSecret) -> re.Pattern[str]:
    # An IPv4 address may be followed by `:port`; an IPv6 one only ends where no hex group follows.
    after = r"(?!\w|\.\d)" if secret.kind == "ipv4" else r"(?![\w:]|\.\d)"
    return re.compile(rf"(?<![\w.:]){re.escape(secret.value)}{after}")


def leaked(secrets: Iterable[SeededSecret], text: str) -> list[SeededSecret]:
    """The secrets found in the text, whole or as a distinctive fragment of their random part."""
    ordered = tuple(secrets)
    index = _index(ordered)
    digits = _SEPARATED_DIGITS.sub("", text)  # `4111 1111 …` and `4111-1111-…` leak alike
    hits: set[int] = set()
    for fragments, haystack, size in (
        (index.text_fragments, text, FRAGMENT),
        (index.card_fragments, digits, CARD_FRAGMENT),
    ):
        for fragment in _grams(haystack, size) & fragments.keys():
            hits.update(fragments[fragment])
    for position in index.individually:
        secret = ordered[position]
        if secret.kind in _WHOLE_ONLY:
            present = _whole(secret).search(text) is not None
        else:
            present = (secret.core or secret.value) in (digits if secret.kind == "card" else text)
        if present:
            hits.add(position)
    return [secret for position, secret in enumerate(ordered) if position in hits]


def _grams(text: str, size: int) -> set[str]:
    return {text[start : start + size] for start in range(len(text) - size + 1)}
