"""Reading a failure's own words: timeouts, client-side exhaustion, a named unreachable peer."""

from __future__ import annotations

import dataclasses
import re
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisher.analysis.evidence import failure_text
from aisher.analysis.evidence.failure_text import (
    FailureReader,
    KnownNames,
    is_client_exhaustion,
    is_refusal,
    is_timeout,
    unreachable_host,
)
from aisher.telemetry import SpanRecord
from tests.support.traces import TraceBuilder

EXHAUSTION_MESSAGES = (
    "QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00",
    "HikariPool-1 - Connection is not available, request timed out after 30000ms.",
    "redis: connection pool timeout",
    "sql: failed to acquire connection: context deadline exceeded",
    "TimeoutError: ResourceRequest timed out",
    "KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full.",
    "Timeout expired. The timeout period elapsed prior to obtaining a connection from the pool.",
    "Cannot get a connection, pool error Timeout waiting for idle object",
    "CircuitBreaker 'inventory' is OPEN and does not permit further calls",
    "Bulkhead 'payments' is full and does not permit further calls",
    "Task rejected from java.util.concurrent.ThreadPoolExecutor@5e4c[Running, pool size = 8]",
    "net/http: request canceled while waiting for connection",
    "psycopg_pool.PoolTimeout: couldn't get a connection after 30.00 sec",
)
FAR_SIDE_MESSAGES = (
    "Could not get JDBC Connection; nested exception is java.net.ConnectException: "
    "Connection refused",
    "FATAL: remaining connection slots are reserved for non-replication superuser connections",
    "ERROR 1040 (08004): Too many connections",
    "KeyError: 'currency'",
    "503 Service Unavailable",
)


def failing(message: str, service: str = "checkout") -> SpanRecord:
    trace = TraceBuilder()
    trace.span(service, "call", kind="Client", error=True, message=message)
    return trace.spans[-1]


class TestClientExhaustion:
    @pytest.mark.parametrize("message", EXHAUSTION_MESSAGES)
    def test_pools_queues_and_breakers_of_the_caller(self, message: str) -> None:
        """Pool, queue, semaphore and breaker refusals of many client libraries are recognised."""
        assert is_client_exhaustion(failing(message))

    @pytest.mark.parametrize("message", FAR_SIDE_MESSAGES)
    def test_the_dependency_refusing_is_not_exhaustion(self, message: str) -> None:
        """A refused connection or a server out of slots is the far side's failure."""
        assert not is_client_exhaustion(failing(message))

    def test_exception_text_counts(self) -> None:
        """The exception message is read as well as the status message."""
        trace = TraceBuilder()
        trace.span(
            "api",
            "SELECT",
            kind="Client",
            error=True,
            exception=("sqlalchemy.exc.TimeoutError", "QueuePool limit of size 5 reached"),
        )
        assert is_client_exhaustion(trace.spans[-1])


class TestTimeout:
    def test_timeouts_in_words_and_codes(self) -> None:
        """Timeout words, DEADLINE_EXCEEDED and a 504 all read as timeouts; a 500 does not."""
        assert is_timeout(failing("Read timed out"))
        assert is_timeout(failing("rpc error: code = DeadlineExceeded desc = DEADLINE_EXCEEDED"))
        assert is_timeout(failing("upstream answered 504"))
        assert not is_timeout(failing("upstream answered 500"))


class TestKnownNames:
    NAMES = KnownNames(["inventory-svc", "payment", "stripe", "db"])

    @pytest.mark.parametrize(
        ("message", "named"),
        [
            ("No instances available for inventory-svc", "inventory-svc"),
            ("dial tcp: lookup inventory-svc.prod.svc: no such host", "inventory-svc"),
            ("connect ECONNREFUSED payment:8080", "payment"),
            ("timeout calling stripe after 3 retries", "stripe"),
        ],
    )
    def test_unreachable_peer_named_in_the_message(self, message: str, named: str) -> None:
        """A message about failing to reach something names the component it mentions."""
        assert self.NAMES.unreachable(failing(message)) == named

    def test_mention_without_reachability_is_ignored(self) -> None:
        """A message that mentions a service but not a failure to reach it names nothing."""
        assert self.NAMES.unreachable(failing("payment declined: card expired")) == ""

    def test_own_service_and_short_names_never_count(self) -> None:
        """The span's own service and names shorter than three letters are never named."""
        assert self.NAMES.unreachable(failing("payment unavailable", service="payment")) == ""
        assert self.NAMES.unreachable(failing("db unavailable")) == ""

    def test_inside_a_longer_name_is_not_a_mention(self) -> None:
        """`payment` inside `payment-gateway` is not a mention of payment."""
        assert self.NAMES.unreachable(failing("connection refused: payment-gateway:443")) == ""


class TestUnreachableHost:
    @pytest.mark.parametrize(
        ("message", "host"),
        [
            ("connection refused to fleet-db:5432", "fleet-db"),
            (
                'Is the server running on host "orders-db" (10.0.0.5)? Connection refused',
                "orders-db",
            ),
            (
                'Get "http://pricing.prod.svc.cluster.local:8080/q": dial tcp: i/o timeout',
                "pricing",
            ),
            ("getaddrinfo ENOTFOUND ledger-db", "ledger-db"),
            ("No instances available for inventory-svc", "inventory-svc"),
        ],
    )
    def test_hosts_named_in_failures_to_reach(self, message: str, host: str) -> None:
        """URLs, host:port, host "x" and load-balancer phrases give the host's name."""
        assert unreachable_host(failing(message)) == host

    @pytest.mark.parametrize(
        "message",
        [
            "dial tcp 10.0.0.5:5432: connect: connection refused",
            "Connection to the server timed out",
            "invalid input for ledger-db:5432 column",
        ],
    )
    def test_addresses_and_generic_words_name_nothing(self, message: str) -> None:
        """An IP, a generic word, or a host in a message not about reaching it is no name."""
        assert unreachable_host(failing(message)) == ""


class TestRefusal:
    @pytest.mark.parametrize(
        ("http_status", "grpc_code", "refused"),
        [
            ("402", "", True),  # a declined card
            ("404", "", True),
            ("422", "", True),
            ("408", "", False),  # the callee ran out of time
            ("429", "", False),  # … or of capacity
            ("500", "", False),
            ("503", "", False),
            ("", "5", True),  # NOT_FOUND
            ("", "3", True),  # INVALID_ARGUMENT
            ("", "13", False),  # INTERNAL
            ("", "14", False),  # UNAVAILABLE
            ("", "", False),
        ],
    )
    def test_refusals_are_4xx_and_their_grpc_kin(
        self, http_status: str, grpc_code: str, refused: bool
    ) -> None:
        """A request turned down as the caller's doing is a refusal; time, capacity and server
        faults are not."""
        attributes = {"rpc.grpc.status_code": grpc_code} if grpc_code else {}
        span = dataclasses.replace(
            failing("declined"), http_status=http_status, attributes=MappingProxyType(attributes)
        )
        assert is_refusal(span) is refused


class CountingPattern:
    """Stands in for a compiled pattern and counts the texts it is asked to search."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.searched: list[str] = []

    def search(self, text: str) -> re.Match[str] | None:
        self.searched.append(text)
        return self.pattern.search(text)


class TestFailureReader:
    def test_each_text_is_read_once_per_reader(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Spans failing with the same words cost one reading of those words per analysis."""
        counting = CountingPattern(failure_text._TIMEOUT)
        monkeypatch.setattr(failure_text, "_TIMEOUT", counting)
        reader = FailureReader()
        spans = [failing("Read timed out") for _ in range(3)]
        assert all(reader.is_timeout(span) for span in spans)
        assert counting.searched == ["Read timed out"]

    def test_nothing_is_remembered_across_readers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Verdicts (and the raw texts they are keyed by) live only as long as their reader:
        a second analysis reads the same words afresh."""
        counting = CountingPattern(failure_text._UNREACHABLE)
        monkeypatch.setattr(failure_text, "_UNREACHABLE", counting)
        message = "connection refused to fleet-db:5432 password=hunter2"
        for _ in range(2):
            assert FailureReader().unreachable_host(failing(message)) == "fleet-db"
        assert counting.searched == [message, message]

    def test_the_reader_agrees_with_the_one_off_readings(self) -> None:
        """Remembering changes no verdict: the same spans read the same, twice over."""
        names = KnownNames(["inventory-svc", "payment", "stripe"])
        reader = FailureReader(names)
        messages = [*EXHAUSTION_MESSAGES, *FAR_SIDE_MESSAGES, "timeout calling stripe"]
        for message in messages * 2:
            span = failing(message)
            assert reader.is_client_exhaustion(span) == is_client_exhaustion(span)
            assert reader.is_timeout(span) == is_timeout(span)
            assert reader.unreachable_host(span) == unreachable_host(span)
            assert reader.unreachable_name(span) == names.unreachable(span)


# Pieces of the readings' own words, cut and mixed so that near misses come up often.
READING_PIECES = (
    "time", "d", "out", " ", "-", "\n", "dead", "line", "504", "408", "50", "2", "re", "fused",
    "set", " by peer", "un", "reach", "able", "avail", "no ", "route", " to host", "known",
    "not ", "ENOT", "FOUND", "EAI_", "AGAIN", "ECONN", "connect", "ion", " error", "failed to ",
    "call", "dial", "pool", " limit", "connection", " is not available", "circuit", " open",
    "authentication", "too many", " connections", "K", "x", ".",
)  # fmt: skip
READINGS = {
    "timeout": (failure_text._TIMEOUT, failure_text._TIMEOUT_WORDS),
    "exhaustion": (failure_text._EXHAUSTION, failure_text._EXHAUSTION_WORDS),
    "far side": (failure_text._FAR_SIDE, failure_text._FAR_SIDE_WORDS),
    "unreachable": (failure_text._UNREACHABLE, failure_text._UNREACHABLE_WORDS),
}


class TestReadingWords:
    @pytest.mark.parametrize("reading", READINGS)
    @given(st.lists(st.sampled_from(READING_PIECES), max_size=12).map("".join))
    @settings(max_examples=800, deadline=None, database=None)
    def test_words_only_rule_out_texts_the_reading_cannot_match(
        self, reading: str, text: str
    ) -> None:
        """A text is turned away before its reading runs only when the reading finds nothing."""
        pattern, words = READINGS[reading]
        for variant in (text, text.upper(), text.title()):
            if failure_text.words_rule_out(variant, words):
                assert pattern.search(variant) is None

    @pytest.mark.parametrize("reading", READINGS)
    def test_every_example_gets_past_the_words(self, reading: str) -> None:
        """The examples the readings match are never turned away by the words."""
        pattern, words = READINGS[reading]
        examples = [*EXHAUSTION_MESSAGES, *FAR_SIDE_MESSAGES, "Read timed out", "504"]
        for text in examples:
            if pattern.search(text):
                assert not failure_text.words_rule_out(text, words)

    def test_text_beyond_ascii_is_always_read(self) -> None:
        """Case-insensitive matching folds the Kelvin sign into k, which `lower` does not."""
        assert not failure_text.words_rule_out("\u212aill", ("kill",))
