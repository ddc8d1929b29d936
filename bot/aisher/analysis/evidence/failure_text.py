"""What a failure's own words say about where it happened.

Four readings, each a class of failure rather than any one library's wording:

- a timeout: the caller gave up waiting (`read timed out`, `DEADLINE_EXCEEDED`, a 504);
- client-side exhaustion: the caller never reached its dependency, because its own pool,
  queue, semaphore, bulkhead or circuit breaker turned the call away (SQLAlchemy's
  `QueuePool limit … reached`, HikariCP's `Connection is not available`, go-redis'
  `connection pool timeout`, generic-pool's `ResourceRequest timed out`, an open breaker);
- unreachable: the caller could not reach a named peer (`No instances available for X`,
  `connection refused to X`, `timeout calling X`), which then points at X even when X itself
  recorded nothing;
- a refusal: the callee turned the request down as the caller's own doing (an HTTP 4xx such as
  a declined card or a validation error, a gRPC `NOT_FOUND` or `INVALID_ARGUMENT`): a business
  outcome more often than the start of an incident.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from aisher.analysis.evidence.peers import clean_host
from aisher.telemetry import SpanRecord

_TIMEOUT = re.compile(
    r"time[d\s-]*out|timeout|deadline|DEADLINE_EXCEEDED|ReadTimeout|\b504\b|\b408\b", re.IGNORECASE
)
# Every match of a reading holds one of its words (in lower case): a few substring tests turn
# most texts away before the alternation runs (`words_rule_out`; tests keep the two in step).
_TIMEOUT_WORDS = ("time", "deadline", "504", "408")

_EXHAUSTION = re.compile(
    "|".join(
        (
            # A pool that is out of connections, or a wait for one that gave up.
            r"pool\b[^.;\n]{0,60}?(?:exhaust|limit|full|timeout|timed out|reached|depleted|"
            r"no (?:idle |free |available )?(?:connection|resource|object)s?)",
            r"(?:exhaust|timeout|timed out|waiting|wait|checking out|acquir\w*|obtain\w*)"
            r"[^.;\n]{0,60}?\bfrom (?:the |connection |a )?(?:\w+ )?pool\b",
            r"\bconnection is not available\b",
            r"\bno (?:idle |free |available )?connections? (?:available|left|in (?:the )?pool)",
            r"(?:could not|cannot|can't|unable to|failed to) (?:get|acquire|obtain|borrow|"
            r"check ?out) (?:a |an )?(?:\w+ )?(?:connection|resource|permit|slot|lease)",
            r"\b(?:timeout|timed out) (?:while )?(?:waiting for|acquiring|obtaining) "
            r"(?:a |an )?(?:idle |free |available )?(?:connection|resource|permit|slot|object)",
            r"\bwhile waiting for (?:a |an )?(?:idle |free )?connection",
            r"\bResourceRequest timed out\b",
            r"\bTimeout acquiring a connection\b",
            r"\bWaitQueue(?:Timeout|Full)",
            r"\bPoolTimeout\b|\bFullPoolError\b|\bPoolExhausted\w*",
            r"\bToo many (?:waiters|pending requests)\b",
            # Concurrency limits in the caller's own process.
            r"\bsemaphore\b[^.;\n]{0,40}?(?:acquire|timeout|timed out|full|exhaust|permit)",
            r"\b(?:bulkhead|thread ?pool|executor|work ?queue|task ?queue)\b[^.;\n]{0,40}?"
            r"(?:full|exhaust|reject|saturat)",
            r"\bRejectedExecution\w*|\bBulkheadFull\w*|\bBulkheadRejected\w*|\brejected from\b",
            r"\bqueue (?:is )?full\b",
            # Circuit breakers that refuse to call at all.
            r"\bcircuit(?:[ -]?breaker)?\b[^.;\n]{0,40}?\b(?:is )?open\b",
            r"\bCallNotPermitted\w*|\bBrokenCircuit\w*|\bshort-circuited\b",
        )
    ),
    re.IGNORECASE,
)

# Words that put the failure on the far side even when the message also mentions the pool:
# Spring's "Could not get JDBC Connection" wraps both a dry pool and a database that is down.
_FAR_SIDE = re.compile(
    r"refused|\breset by peer|unreachable|no route to host|unknown host|not known|ENOTFOUND|"
    r"ECONNREFUSED|EHOSTUNREACH|authentication failed|password authentication|too many connections|"
    r"remaining connection slots",
    re.IGNORECASE,
)
_FAR_SIDE_WORDS = (
    "refused", "reset by peer", "unreach", "no route to host", "unknown host", "not known",
    "enotfound", "authentication", "too many connections", "remaining connection slots",
)  # fmt: skip
_EXHAUSTION_WORDS = (
    "pool", "connection", "resource", "permit", "slot", "lease", "object", "queue", "too many",
    "semaphore", "bulkhead", "thread", "executor", "reject", "circuit", "callnotpermitted",
)  # fmt: skip
_UNREACHABLE = re.compile(
    r"refused|\breset\b|unreachable|unavailable|no (?:healthy )?(?:instances?|upstreams?|"
    r"endpoints?|hosts?|servers?|replicas?)|not known|ENOTFOUND|EAI_AGAIN|ECONN\w+|"
    r"EHOSTUNREACH|ENETUNREACH|no route|timed? ?out|timeout|deadline|"
    r"(?:failed to|unable to|could not|cannot|can't) (?:connect|reach|resolve|call)|"
    r"connect(?:ion)? (?:error|failed|closed)|\bdial\b|\b50[234]\b",
    re.IGNORECASE,
)
_UNREACHABLE_WORDS = (
    "refused", "reset", "reach", "unavailable", "no ", "not known", "enotfound", "eai_again",
    "econn", "out", "deadline", "connect", "resolve", "call", "dial", "50",
)  # fmt: skip
_MIN_NAME = 3


def failure_texts(span: SpanRecord) -> list[str]:
    """Every text a span's failure is described in: status, error type, exceptions."""
    texts = [span.status_message, span.attributes.get("error.type", "")]
    for exception in span.exceptions:
        texts.extend((exception.type, exception.message))
    return [text for text in texts if text]


def words_rule_out(text: str, words: tuple[str, ...]) -> bool:
    """Does the text hold none of the words, so that no reading that needs one can match?

    Only ASCII text is ruled out: case-insensitive matching also folds a few other letters
    (the Kelvin sign, a long s) that `str.lower` leaves as they are.
    """
    if not text.isascii():
        return False
    lowered = text.lower()
    return not any(word in lowered for word in words)


# HTTP 408 and 429 are the callee's time or capacity running out, not the request refused.
_NOT_REFUSALS = frozenset({"408", "429"})
# gRPC: INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, FAILED_PRECONDITION,
# OUT_OF_RANGE, UNAUTHENTICATED.
_GRPC_REFUSALS = frozenset({"3", "5", "6", "7", "9", "11", "16"})


def is_refusal(span: SpanRecord) -> bool:
    """Does the span say the request was turned down as invalid or unauthorised (HTTP 4xx but
    408 and 429, or a gRPC code of that class) rather than failed?"""
    status = span.http_status
    if status[:1] == "4" and len(status) == 3 and status not in _NOT_REFUSALS:
        return True
    return span.attributes.get("rpc.grpc.status_code", "") in _GRPC_REFUSALS


# One-off readings of a single span; an analysis reads through one `FailureReader`, which
# remembers each text's verdicts while the analysis lasts.


def is_timeout(span: SpanRecord) -> bool:
    """Does the span's failure (or its HTTP status) say the caller gave up waiting?"""
    return FailureReader().is_timeout(span)


def is_client_exhaustion(span: SpanRecord) -> bool:
    """Does the span's failure say the caller's own side turned the call away (and nothing
    says the dependency refused it)?"""
    return FailureReader().is_client_exhaustion(span)


def unreachable_host(span: SpanRecord) -> str:
    """The host a failure to reach something names in the span's words ('' when none); the
    span's own service never counts."""
    return FailureReader().unreachable_host(span)


class KnownNames:
    """The components a failure message may name: instrumented services, and the peers that
    client spans call under any of their names (`aliases`: name → the peer's own name). One
    alternation, longest names first, so a message is scanned once."""

    def __init__(self, names: Iterable[str], aliases: Mapping[str, str] | None = None) -> None:
        canonical = dict(aliases or {}) | {name: name for name in names}
        usable = sorted((n for n in canonical if len(n) >= _MIN_NAME), key=len, reverse=True)
        self._by_lower = {name.lower(): canonical[name] for name in usable}
        alternation = "|".join(re.escape(name) for name in usable)
        self._pattern = (
            re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE) if usable else None
        )

    def mentioned(self, text: str) -> tuple[str, ...]:
        """The components the text names, in the order it first mentions them."""
        if self._pattern is None:
            return ()
        found = (
            self._by_lower.get(match.group(0).lower(), "") for match in self._pattern.finditer(text)
        )
        return tuple(dict.fromkeys(name for name in found if name))

    def unreachable(self, span: SpanRecord) -> str:
        """The component the span's failure says it could not reach ('' when it names none,
        or is not about reaching anything). The span's own service never counts; when several
        are named, the first mentioned wins."""
        return FailureReader(self).unreachable_name(span)


# Where a message names the host it failed to reach, most specific first: a URL, `host:port`,
# `host "x"`, then the phrases of load balancers and clients that name their target.
_HOST_MENTIONS = (
    re.compile(r"\b[a-z][a-z0-9+.-]*://(?:[^/\s@'\"]+@)?([A-Za-z][\w.-]*)", re.IGNORECASE),
    re.compile(r"(?<![\w.:/-])([A-Za-z][\w-]*(?:\.[\w-]+)*):\d{2,5}\b"),
    re.compile(r"\bhost\s+[\"']([A-Za-z][\w.-]*)", re.IGNORECASE),
    re.compile(
        r"\b(?:instances? (?:available )?for|calling|call to|connect(?:ing)? to|reach|resolve|"
        r"lookup|ENOTFOUND|EAI_AGAIN)\s+[\"']?([A-Za-z][\w.-]*[A-Za-z0-9])",
        re.IGNORECASE,
    ),
)
# Words that stand where a host would but name nothing.
_GENERIC = frozenset(
    {
        "server", "host", "service", "database", "upstream", "downstream", "remote", "peer",
        "backend", "endpoint", "api", "the", "a", "an", "it", "localhost", "socket", "address",
        "target", "broker", "cluster", "node",
    }
)  # fmt: skip


def host_mentions(text: str) -> tuple[tuple[str, ...], ...]:
    """The usable host names the text mentions, per kind of mention in `_HOST_MENTIONS`."""
    return tuple(
        tuple(
            name
            for name in (clean_host(match.group(1)) for match in pattern.finditer(text))
            if len(name) >= _MIN_NAME and name.lower() not in _GENERIC
        )
        for pattern in _HOST_MENTIONS
    )


class FailureReader:
    """Reads the failure texts of one analysis, working out each text's verdicts once.

    The same few messages recur on thousands of spans, and each reading scans a long
    alternation. The verdicts are remembered by this reader only, so create one per analysis
    (`BlameContext.of` does) and let it go with the analysis: the texts are raw telemetry,
    secrets and all, and a module-level cache would keep them alive across analyses.
    """

    __slots__ = (
        "_exhaustion",
        "_far_side",
        "_hosts",
        "_named",
        "_names",
        "_timeout",
        "_unreachable",
    )

    def __init__(self, names: KnownNames | None = None) -> None:
        self._names = names or KnownNames(())
        self._timeout: dict[str, bool] = {}
        self._exhaustion: dict[str, bool] = {}
        self._far_side: dict[str, bool] = {}
        self._unreachable: dict[str, bool] = {}
        self._named: dict[str, tuple[str, ...]] = {}
        self._hosts: dict[str, tuple[tuple[str, ...], ...]] = {}

    def is_timeout(self, span: SpanRecord) -> bool:
        """Does the span's failure (or its HTTP status) say the caller gave up waiting?"""
        texts = [*failure_texts(span), span.http_status]
        return any(
            self._says(self._timeout, _TIMEOUT, _TIMEOUT_WORDS, text) for text in texts if text
        )

    def is_client_exhaustion(self, span: SpanRecord) -> bool:
        """Does the span's failure say the caller's own side turned the call away (and nothing
        says the dependency refused it)?"""
        texts = failure_texts(span)
        return any(
            self._says(self._exhaustion, _EXHAUSTION, _EXHAUSTION_WORDS, text) for text in texts
        ) and not any(
            self._says(self._far_side, _FAR_SIDE, _FAR_SIDE_WORDS, text) for text in texts
        )

    def unreachable_name(self, span: SpanRecord) -> str:
        """The known component the span's failure says it could not reach (see
        `KnownNames.unreachable`)."""
        for text in failure_texts(span):
            if not self._says_unreachable(text):
                continue
            named = self._named.get(text)
            if named is None:
                named = self._named[text] = self._names.mentioned(text)
            for name in named:
                if name != span.service:
                    return name
        return ""

    def unreachable_host(self, span: SpanRecord) -> str:
        """The host a failure to reach something names in the span's words ('' when none);
        the span's own service never counts. URLs first, then `host:port`, and so on."""
        texts = [text for text in failure_texts(span) if self._says_unreachable(text)]
        mentions = [self._host_mentions(text) for text in texts]
        for kind in range(len(_HOST_MENTIONS)):
            for found in mentions:
                for name in found[kind]:
                    if name != span.service:
                        return name
        return ""

    def _host_mentions(self, text: str) -> tuple[tuple[str, ...], ...]:
        hosts = self._hosts.get(text)
        if hosts is None:
            hosts = self._hosts[text] = host_mentions(text)
        return hosts

    def _says_unreachable(self, text: str) -> bool:
        return self._says(self._unreachable, _UNREACHABLE, _UNREACHABLE_WORDS, text)

    @staticmethod
    def _says(
        memo: dict[str, bool], pattern: re.Pattern[str], words: tuple[str, ...], text: str
    ) -> bool:
        verdict = memo.get(text)
        if verdict is None:
            found = not words_rule_out(text, words) and pattern.search(text) is not None
            verdict = memo[text] = found
        return verdict
