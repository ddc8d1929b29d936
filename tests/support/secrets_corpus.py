"""A seeded corpus of fake secrets of every kind Aisher masks, and telemetry that carries them.

* `seeded_secrets(seed)` — a dozen `SeededSecret`s of each of the 64 `KINDS`, the same for the
  same seed (the generators live in `secret_kinds_vendor`, `_credentials` and `_personal`);
  `seeded_secret(kind, seed, index)` draws one.
* `carriers(secrets)` — each secret embedded the way production telemetry carries it: exception
  messages, Java and Python stack traces, log bodies (logfmt and JSON), span attribute maps by
  secret-looking key and inside ordinary values (`db.statement`, `url.full`, …).
* `seeded_telemetry(secrets)` — the same as `SpanRecord`s and `LogRecord`s, for end-to-end checks.
* `leaked(secrets, text)` — the secrets whose value, or a distinctive fragment of at least
  8 characters of it (12 digits for card numbers), appears in a text such as an LLM request body.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

from aisher.telemetry import STATUS_ERROR, ExceptionRecord, LogRecord, SpanRecord
from tests.support import secret_kinds_credentials, secret_kinds_personal, secret_kinds_vendor
from tests.support.secret_values import Generator, SeededSecret

__all__ = [
    "BASE_NS", "CARD_FRAGMENT", "CARRIER_NAMES", "FRAGMENT", "KINDS", "SPAN_ID", "TRACE_ID",
    "Carrier", "SeededSecret", "attributes_by_key", "attributes_in_values", "carriers",
    "exception_message", "java_stack_trace", "leaked", "log_body", "python_stack_trace",
    "seeded_secret", "seeded_secrets", "seeded_telemetry",
]  # fmt: skip

FRAGMENT = 8
CARD_FRAGMENT = 12
BASE_NS = 1_700_000_000_000_000_000


@dataclass(frozen=True, slots=True)
class Carrier:
    """A piece of telemetry holding one seeded secret: a text or an attribute map."""

    name: str
    secret: SeededSecret
    text: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)


# The first two dozen kinds keep their order, so their seeded values stay what they were.
_FIRST_KINDS = (
    "openai_key", "anthropic_key", "aws_access_key_id", "aws_secret_key", "slack_token",
    "slack_webhook", "github_token", "gitlab_token", "stripe_key", "google_api_key", "jwt",
    "bearer_token", "basic_auth", "private_key", "url_password", "redis_password",
    "connection_password", "query_secret", "keyed_secret", "email", "ipv4", "ipv6", "card",
    "home_user",
)  # fmt: skip
_FIRST = (
    secret_kinds_vendor.GENERATORS
    | secret_kinds_credentials.GENERATORS
    | secret_kinds_personal.GENERATORS
)
_GENERATORS: dict[str, Generator] = {kind: _FIRST[kind] for kind in _FIRST_KINDS} | (
    secret_kinds_vendor.MORE_GENERATORS
    | secret_kinds_credentials.MORE_GENERATORS
    | secret_kinds_personal.MORE_GENERATORS
)
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


def seeded_secret(kind: str, seed: int, index: int = 0) -> SeededSecret:
    """One secret of `kind`, variant `index`, drawn from `seed`: for property-based tests."""
    return _GENERATORS[kind](random.Random(seed), index)


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
_NUMBER_PUNCTUATION = re.compile(r"[ \-.()+]")
_WHOLE_ONLY = frozenset({"ipv4", "ipv6"})  # short values: only the whole address is a leak
# Written with spaces, dashes, dots or brackets: looked for with all of those removed.
_COMPACT_WHOLE = frozenset({"phone_number", "us_ssn"})
_COMPACT_FRAGMENTS = frozenset({"card", "iban"})
# Three digits are everywhere; a security code leaks only next to its label.
_LABELLED = frozenset({"cvv"})
_CVV_LABEL = r"(?i:cvv2?|cvc2?|csc|security_?code)\W{0,6}"
_PATTERNED = _WHOLE_ONLY | _LABELLED
_COMPACTED = _COMPACT_WHOLE | _COMPACT_FRAGMENTS


@dataclass(frozen=True, slots=True)
class _Index:
    """Fragments of a secret list, so one text is checked with a set intersection."""

    text_fragments: Mapping[str, tuple[int, ...]]  # fragment -> positions in the secret list
    compact_fragments: Mapping[str, tuple[int, ...]]  # of card numbers and IBANs
    individually: tuple[int, ...]  # addresses and short values, checked one by one


_INDEXES: dict[tuple[int, str, str], tuple[tuple[SeededSecret, ...], _Index]] = {}


def _index(secrets: tuple[SeededSecret, ...]) -> _Index:
    """The index of a secret list, built once: callers check many texts against few lists."""
    key = (len(secrets), secrets[0].value, secrets[-1].value) if secrets else (0, "", "")
    cached = _INDEXES.get(key)
    if cached is None or cached[0] != secrets:  # equal lists hold the same objects: cheap
        cached = _INDEXES[key] = (secrets, _build_index(secrets))
    return cached[1]


def _build_index(secrets: tuple[SeededSecret, ...]) -> _Index:
    text: dict[str, list[int]] = {}
    compact: dict[str, list[int]] = {}
    individually = []
    for position, secret in enumerate(secrets):
        core = secret.core or secret.value
        size = CARD_FRAGMENT if secret.kind in _COMPACT_FRAGMENTS else FRAGMENT
        if secret.kind in _WHOLE_ONLY | _COMPACT_WHOLE | _LABELLED or len(core) < size:
            individually.append(position)
            continue
        fragments = compact if secret.kind in _COMPACT_FRAGMENTS else text
        for start in range(len(core) - size + 1):
            fragments.setdefault(core[start : start + size], []).append(position)
    return _Index(
        {fragment: tuple(found) for fragment, found in text.items()},
        {fragment: tuple(found) for fragment, found in compact.items()},
        tuple(individually),
    )


@cache
def _whole(secret: SeededSecret) -> re.Pattern[str]:
    if secret.kind in _LABELLED:
        return re.compile(rf"{_CVV_LABEL}{re.escape(secret.value)}(?!\d)")
    # An IPv4 address may be followed by `:port`; an IPv6 one only ends where no hex group follows.
    after = r"(?!\w|\.\d)" if secret.kind == "ipv4" else r"(?![\w:]|\.\d)"
    return re.compile(rf"(?<![\w.:]){re.escape(secret.value)}{after}")


def leaked(secrets: Iterable[SeededSecret], text: str) -> list[SeededSecret]:
    """The secrets found in the text, whole or as a distinctive fragment of their random part."""
    ordered = tuple(secrets)
    index = _index(ordered)
    digits = _SEPARATED_DIGITS.sub("", text)  # `4111 1111 …` and `4111-1111-…` leak alike
    compact = _NUMBER_PUNCTUATION.sub("", text)  # `+1 (415) 555-0132`, `DE89 3704 …`
    hits: set[int] = set()
    for fragments, haystack, size in (
        (index.text_fragments, text, FRAGMENT),
        (index.compact_fragments, digits, CARD_FRAGMENT),
        (index.compact_fragments, compact, CARD_FRAGMENT),
    ):
        for fragment in _grams(haystack, size) & fragments.keys():
            hits.update(fragments[fragment])
    for position in index.individually:
        secret = ordered[position]
        if secret.kind in _PATTERNED:  # the value must be there before its context is checked
            present = secret.value in text and _whole(secret).search(text) is not None
        elif secret.kind in _COMPACTED:
            present = (secret.core or secret.value) in compact
        else:
            present = (secret.core or secret.value) in text
        if present:
            hits.add(position)
    return [secret for position, secret in enumerate(ordered) if position in hits]


def _grams(text: str, size: int) -> set[str]:
    return {text[start : start + size] for start in range(len(text) - size + 1)}
