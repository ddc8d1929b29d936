"""Credentials recognised by where they sit: private keys, passwords in URLs and on command
lines, `Bearer`/`Basic` tokens in prose, and long random strings with no label at all.

Every `locate` here reads a bounded stretch after its anchor, so none of them can be made to
re-read the text (see `rule.LOOKAROUND`).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter

from aisher.analysis.masking.rule import (
    LOOKAROUND,
    SECRET,
    WORD_OR_DASH,
    Rule,
    Scan,
    is_placeholder,
    rule,
    token_runs,
)
from aisher.analysis.masking.secret_keys import is_secret_key

# --- private keys --------------------------------------------------------------------------

_PEM_HEADER = re.compile(r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
# Base64 lines, escaped line breaks (`\n` in JSON) and the `Proc-Type:`/`DEK-Info:` headers of
# encrypted keys; a single dash is allowed, five end the body.
_PEM_BODY = re.compile(r"(?:[A-Za-z0-9+/=\s\\:,]|-(?!----))*")
_PEM_FOOTER = re.compile(r"-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_PEM_LIMIT = 32 * 1024  # an RSA-16384 key is 12 KB of PEM


def _locate_private_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The body cannot run into the next header (five dashes end it), so bodies never overlap.
    body = _PEM_BODY.match(text, end, min(len(text), end + _PEM_LIMIT))
    stop = body.end() if body else end
    footer = _PEM_FOOTER.match(text, stop)
    return start, footer.end() if footer else stop  # a truncated key has no END line


# --- passwords in URLs ---------------------------------------------------------------------

# `://` and the user name with its colon: the user is read in C, with the anchor.
_URL_USER_ANCHOR = re.compile(r"://[^\s:/@\"'<>]{0,128}:")
_URL_TOKEN_END = re.compile(r"[\s\"'<>`]")
_URL_HOST = re.compile(
    r"(?:\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9_\-]{1,63}(?P<dots>(?:\.[A-Za-z0-9_\-]{1,63}){0,8}))"
    r"(?P<port>:\d{1,5})?(?=[/?#,;)\]]|$)"
)
_PORT_THEN_PATH = re.compile(r"\d{1,5}/")
_MAX_ATS = 8


def _locate_url_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """`scheme://user:PASSWORD@host`, the password up to the `@` before the host: passwords
    hold `@`, `/`, `#`, `$` and `%` unencoded more often than URLs hold `@` in their path.
    The anchor (`_URL_USER_ANCHOR`) ends after the user's colon."""
    begin = end
    limit = min(len(text), begin + LOOKAROUND)
    following = text.find("://", begin, limit)  # the next URL: this password ended before
    limit = following if following >= 0 else limit
    if text.find("@", begin + 1, limit) < 0:
        return None
    stop = _URL_TOKEN_END.search(text, begin, limit)
    token_end = stop.start() if stop else limit
    at, fallback = token_end, None
    for _ in range(_MAX_ATS):
        at = text.rfind("@", begin + 1, at)
        if at < 0:
            break
        host = _URL_HOST.match(text, at + 1, token_end)
        if host is None:
            continue
        if host["dots"] or host["port"] or text[at + 1] == "[":
            fallback = at
            break
        fallback = at if fallback is None else fallback
    if fallback is None:
        return None
    name = text[start + 3 : begin - 1]
    if ("." in name or name == "localhost") and _PORT_THEN_PATH.match(text, begin, fallback):
        return None  # `http://api.example.com:8080/users/@me` has a port, not a password
    return None if is_placeholder(text[begin:fallback]) else (begin, fallback)


# --- passwords on command lines ------------------------------------------------------------

# Per tool: what comes between the tool's name and the password, within one line.
_TOOL_FLAGS = {
    "mysql": r"-p(?=[^\s-])",  # `-pSECRET`; a bare `-p` prompts
    "mariadb": r"-p(?=[^\s-])",
    "redis-cli": r"(?:-a|--pass)[ \t]{1,4}",
    "sshpass": r"-p[ \t]{0,4}",
    "curl": r"(?:-u|--user)[ \t=]{0,4}['\"]?[^\s:'\"]{1,128}:",
}
_TOOL_PATTERNS = {
    tool: re.compile(rf"[^\n]{{0,200}}?[ \t]{flag}") for tool, flag in _TOOL_FLAGS.items()
} | {"login": re.compile(r"\s{1,8}\S{1,128}\s{1,8}password[ \t]{1,4}")}  # .netrc
_FLAG_VALUE = re.compile(
    r"\\\"(?P<escaped>[^\"\\\n]{1,256})\\\"|'(?P<single>[^'\n]{1,256})'"
    r"|\"(?P<double>[^\"\n]{1,256})\"|(?P<bare>[^\s'\"\\]{1,256})"
)
_LONG_FLAG = re.compile(
    r"--(?:password|passwd|pass|token|secret|api-key|apikey|auth-token|access-token"
    r"|client-secret|private-key)[ \t]{1,4}(?=[^\s-])"
)


def _locate_cli_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    tool = text[start:end]
    if tool == "--":
        flag = _LONG_FLAG.match(text, start)
    else:
        if start > 0 and text[start - 1] in WORD_OR_DASH:
            return None
        flag = _TOOL_PATTERNS[tool].match(text, end, min(len(text), end + 400))
    if flag is None:
        return None
    value = _FLAG_VALUE.match(text, flag.end())
    if value is None:
        return None
    group = value.lastgroup or "bare"
    found = value[group]
    return None if is_placeholder(found) else value.span(group)


# --- `Bearer` and `Basic` credentials in prose ---------------------------------------------

_CREDENTIAL = re.compile(r"[ \t]{1,8}([\w\-.~+/]{8,4096}={0,3})", re.ASCII)


def _locate_credential(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The token after `bearer` or `basic` in free text (headers are keyed values)."""
    token = _CREDENTIAL.match(text, end)
    if token is None or (start > 0 and text[start - 1] in WORD_OR_DASH):
        return None
    value = token[1]
    if end - start == len("bearer"):
        return token.span(1) if len(value) >= 20 or any(c.isdigit() for c in value) else None
    try:  # `Basic` carries base64 of `user:password`; prose like "basic authentication" does not
        return token.span(1) if b":" in base64.b64decode(value, validate=True) else None
    except (binascii.Error, ValueError):
        return None


# --- long random strings without a label ---------------------------------------------------

_MIN_RANDOM = 24
_PADDING = re.compile(r"={1,2}")
# Ids of payment objects (`ch_3Mml…`, `pi_…`, `cus_…`) are random too, but not secrets, and
# the reader needs them to find the payment.
_OBJECT_ID = re.compile(
    r"(?:ch|pi|cus|evt|req|in|sub|prod|price|seti|po|tr|txn|acct|pm|re|cs|src|py|ba|card)_"
)


def _random_candidates(text: str) -> list[tuple[int, int]]:
    """The long runs of token characters; a path (`/v1/charges/ch_3Mml…/refunds`) is judged
    segment by segment, since base64 keys hold a `/` but not between words."""
    candidates = []
    for start, end in token_runs(text, _MIN_RANDOM):
        token = text[start:end]
        if token.isalpha() or token.islower() or token.isupper():
            continue  # a name or a path: no key has only one kind of character
        if "/" not in token or len(_PATH_WORD.findall(token)) < 2:
            candidates.append((start, end))
            continue
        for segment in _SEGMENT.finditer(text, start, end):
            if segment.end() - segment.start() >= _MIN_RANDOM:
                candidates.append(segment.span())
    return candidates


_SEGMENT = re.compile(r"[^/]+")
# A path segment that is a word: lower-case, with a vowel (`charges`, `refunds`, `v1` is not).
_PATH_WORD = re.compile(r"(?<![^/])(?=[a-z0-9_\-]*[aeiouy])[a-z][a-z0-9_\-]{2,}(?![^/])")


def _locate_random(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A long token that reads as random rather than as a name: see `looks_random`."""
    while start < end and text[start] in "/-_":
        start += 1
    while end > start and text[end - 1] in "/-_":
        end -= 1
    token = text[start:end]
    if len(token) < _MIN_RANDOM or _OBJECT_ID.match(token) or not looks_random(token):
        return None
    padding = _PADDING.match(text, end)
    return start, padding.end() if padding else end


def looks_random(token: str) -> bool:
    """Whether a token of 24+ characters reads as a random key rather than a name or a path.

    A key holds a digit, an upper- and a lower-case letter, spread evenly (high entropy). A
    name holds the same (`OrderServiceV2Controller`, `Log4j2AsyncLoggerContext`) but is mostly
    made of words: runs of three or more lower-case letters, most with a vowel. One random
    token of 32 characters in a few thousand reads as words and is missed.
    """
    if token.lower() == token or token.upper() == token or _DIGIT.search(token) is None:
        return False
    counts = Counter(token)
    entropy = -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())
    if entropy < _MIN_ENTROPY * math.log2(min(len(token), 64)):
        return False
    words = _WORD.findall(token)
    in_words = sum(len(word) for word in words)
    voiced = sum(len(word) for word in words if _VOWEL.search(word))
    return in_words < _WORDS_SHARE * len(token) or voiced < _VOICED_SHARE * len(token)


_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[A-Z]?[a-z]{3,}")
_VOWEL = re.compile(r"[aeiouy]")
_MIN_ENTROPY = 0.7  # of the most a token of its length can have; repeats fall below
_WORDS_SHARE, _VOICED_SHARE = 0.6, 0.5


RULES: tuple[Rule | Scan, ...] = (
    rule("url_password", SECRET, r"thin:[^\s:/@]{0,128}/(?P<value>[^\s/@]{1,256})@"),
    rule("xml_secret", SECRET,
         r"<(?P<tag>[A-Za-z_][\w.:\-]{0,60})>(?P<value>[^<>]{1,500})</(?P=tag)>", ("</",),
         lambda match: is_secret_key(match["tag"].rpartition(":")[2])),
    Scan("cli_password", SECRET, ("mysql", "mariadb", "redis-cli", "sshpass", "curl", "login",
                                  "--"), _locate_cli_password),
)  # fmt: skip
PRIVATE_KEY = Scan("private_key", SECRET, _PEM_HEADER, _locate_private_key)
URL_PASSWORD = Scan("url_password", SECRET, _URL_USER_ANCHOR, _locate_url_password, idempotent=True)
AUTH_TOKEN = Scan(
    "auth_token", SECRET, re.compile("bearer|basic"), _locate_credential, lowered=True
)
RANDOM_KEY = Scan("high_entropy_key", SECRET, _random_candidates, _locate_random)
