"""The rules that find secrets and personal data in text, for `aisher.analysis.masking.masker`.

Each rule either matches a pattern (`Rule`) or scans for a cheap anchor — a literal, a key stem,
an `@` or a `:` — and then locates the secret around it (`Scan`), which keeps masking fast on
megabytes of stack traces. Card numbers are found as digit runs and checked with Luhn.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

from aisher.analysis.masking.secret_keys import is_secret_key

SECRET, EMAIL, IP, CARD, USER = "SECRET", "EMAIL", "IP", "CARD", "USER"
PLACEHOLDER = re.compile(r"<(?:SECRET|EMAIL|IP|CARD)_\d+>|<USER>")

# --- how a rule finds what to hide ---------------------------------------------------------

_Accept = Callable[[re.Match[str]], bool]
# For a scan: the span of the secret around an anchor's span, or None when there is none.
_Locate = Callable[[str, int, int], "tuple[int, int] | None"]
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # keeps positions


@dataclass(frozen=True, slots=True)
class Rule:
    """A pattern whose group `value` (else the whole match) is replaced.

    `needles` are lower-case literals one of which every match contains; a rule with needles
    runs only on text holding one, which keeps slow patterns off long stack traces.
    """

    kind: str
    category: str
    pattern: re.Pattern[str]
    needles: tuple[str, ...] = ()
    accept: _Accept | None = None


@dataclass(frozen=True, slots=True)
class Scan:
    """A rule that finds a cheap anchor (`@`, `:`, `token`) and whose `locate` widens it,
    backwards too, to the secret: regexes that start with a lookbehind, a broad character class
    or an alternation of words cost tens of milliseconds per megabyte, an anchor a fraction of one.

    The anchor is a pattern or a tuple of words; with `lowered` it is searched in an
    ASCII-lower-cased copy of the text.
    """

    kind: str
    category: str
    anchor: re.Pattern[str] | tuple[str, ...]
    locate: _Locate
    lowered: bool = False

    def find(self, haystack: str) -> list[tuple[int, int]]:
        """The anchors' spans in order of position."""
        if isinstance(self.anchor, re.Pattern):
            return [match.span() for match in self.anchor.finditer(haystack)]
        spans = []
        for word in self.anchor:  # one `str.find` per word beats one regex alternation
            start = haystack.find(word)
            while start >= 0:
                spans.append((start, start + len(word)))
                start = haystack.find(word, start + 1)
        return sorted(spans)


def _rule(
    kind: str,
    category: str,
    pattern: str,
    needles: tuple[str, ...] = (),
    accept: _Accept | None = None,
) -> Rule:
    if "(?P<value>" not in pattern:
        pattern = f"(?P<value>{pattern})"
    return Rule(kind, category, re.compile(pattern, re.ASCII), needles, accept)


def _extend_back(text: str, index: int, chars: frozenset[str], limit: int) -> int | None:
    """Where the run of `chars` ending at `index` starts; None if longer than `limit`."""
    start, floor = index, max(0, index - limit)
    while start > floor and text[start - 1] in chars:
        start -= 1
    return None if start == floor and start > 0 and text[start - 1] in chars else start


def _is_random(match: re.Match[str]) -> bool:
    # Real keys are random; Kubernetes names like `sk-prod-payments-worker` are not.
    value = match["value"]
    return any(c.isdigit() for c in value) and any(c.isupper() for c in value)


_WORD_OR_DASH = frozenset(string.ascii_letters + string.digits + "_-")
_CREDENTIAL = re.compile(r"[ \t]+([\w\-.~+/]{8,}=*)", re.ASCII)


def _locate_credential(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The token after `bearer` or `basic` in free text (headers are keyed values)."""
    token = _CREDENTIAL.match(text, end)
    if token is None or (start > 0 and text[start - 1] in _WORD_OR_DASH):
        return None
    value = token[1]
    if end - start == len("bearer"):
        return token.span(1) if len(value) >= 20 or any(c.isdigit() for c in value) else None
    try:  # `Basic` carries base64 of `user:password`; prose like "basic authentication" does not
        return token.span(1) if b":" in base64.b64decode(value, validate=True) else None
    except (binascii.Error, ValueError):
        return None


_STRIPE_BODY = re.compile(r"[A-Za-z0-9]{16,}")


def _locate_stripe(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text[start] == "k":  # the anchor `k_live_` follows `sk`, `rk` or `pk`
        if start == 0 or text[start - 1] not in "spr":
            return None
        start -= 1
    body = _STRIPE_BODY.match(text, end)
    if body is None or (start > 0 and text[start - 1] in _WORD_OR_DASH):
        return None
    return start, body.end()


_HTTP_METHOD_BEFORE = re.compile(r"\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+$")
_VERSION_BEFORE = re.compile(r"(?i)\bver(?:sion)?[\s:=\"']*$")


def _is_home_path(match: re.Match[str]) -> bool:
    # `GET /home/dashboard` and `https://host/home/x` are routes, not directories.
    before = match.string[max(0, match.start() - 200) : match.start()]
    token = re.split(r"[\s\"'<>]", before)[-1]
    return "://" not in token and not _HTTP_METHOD_BEFORE.search(before[-12:])


def _locate_ipv4(text: str, dot: int, end: int) -> tuple[int, int] | None:
    start = _extend_back(text, dot, _DIGITS, 3)
    if start is None or start == dot or (start > 0 and text[start - 1] in _BEFORE_IPV4):
        return None
    value = text[start:end]
    if any(int(octet) > 255 for octet in value.split(".")):
        return None
    if value.startswith("127.") or value == "0.0.0.0":  # noqa: S104 - not a bind address here
        return None  # loopback and "any" identify no one and explain many misconfigurations
    return None if _VERSION_BEFORE.search(text[max(0, start - 12) : start]) else (start, end)


def _is_secret_element(match: re.Match[str]) -> bool:
    return is_secret_key(match["tag"].rpartition(":")[2])


_LOCAL_PART = frozenset(string.ascii_letters + string.digits + "._%+-")
_HEX = frozenset(string.hexdigits)
_DIGITS = frozenset(string.digits)
_BEFORE_IPV4 = frozenset(string.ascii_letters + string.digits + "_.")
_BEFORE_IPV6 = frozenset(string.ascii_letters + string.digits + "_:.")


def _locate_email(text: str, at: int, end: int) -> tuple[int, int] | None:
    start = _extend_back(text, at, _LOCAL_PART, 64)
    # Not right after `://`: `postgres://app@db.internal` names a host, not a person.
    if start is None or start == at or text[max(0, start - 3) : start] == "://":
        return None
    return start, end


def _locate_ipv6(text: str, colon: int, end: int) -> tuple[int, int] | None:
    start = _extend_back(text, colon, _HEX, 4)
    if start is None or (start > 0 and text[start - 1] in _BEFORE_IPV6):
        return None
    value = text[start:end]
    try:
        address = ipaddress.IPv6Address(value)
    except ValueError:
        return None
    # `dead::beef` could be C++ or Perl; a real address almost always holds a digit.
    if address.is_loopback or address.is_unspecified or not any(c.isdigit() for c in value):
        return None
    return start, end


_B64URL = r"[A-Za-z0-9_\-]"
_OCTET = r"\d{1,3}"
_AWS_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA")
# Each token pattern starts with a literal and checks the word boundary behind it afterwards:
# `sk-(?<![\w\-]sk-)` rather than `(?<![\w\-])sk-`, which the regex engine cannot scan for fast.
_PEM = (
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"  # a truncated key has no END line
    r"(?:[\s\S]*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\]*)"
)
_JWT = rf"eyJ(?<![\w\-]eyJ){_B64URL}{{8,}}\.{_B64URL}{{4,}}\.{_B64URL}*"
_ANTHROPIC = r"sk-ant-(?<![\w\-]sk-ant-)[\w\-]{20,}"
_OPENAI = r"sk-(?<![\w\-]sk-)(?:proj-|svcacct-|admin-)?[\w\-]{20,}"
_AWS_KEY_ID = (
    rf"A(?<![A-Z0-9]A)(?:{'|'.join(p[1:] for p in _AWS_PREFIXES)})[A-Z0-9]{{16}}(?![A-Z0-9])"
)
_SLACK = r"x(?<![\w\-]x)(?:ox[abeposr](?:\.xox[bp])?|app-\d)-[A-Za-z0-9\-]{10,}"
_SLACK_HOOK = r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<value>[\w/\-]{8,})"
_GITHUB = r"g(?<![\w\-]g)(?:h[pousr]_[A-Za-z0-9]{30,}|ithub_pat_\w{30,})"
_GITLAB = r"gl(?<![\w\-]gl)(?:pat|dt|rt|ptt|cbt|soat)-[\w\-]{20,}"
_GOOGLE = r"AIza(?<![\w\-]AIza)[\w\-]{30,}|ya29\.(?<![\w\-]ya29\.)[\w\-]{20,}"
# Up to the last `@` before the host: an unencoded `@` in a password is common.
_URL_CREDENTIALS = r"://[^\s:/@]*:(?P<value>[^\s/?#]+)@"
_ORACLE_CREDENTIALS = r"thin:[^\s:/@]*/(?P<value>[^\s/@]+)@"  # jdbc:oracle:thin:scott/tiger@
_XML = r"<(?P<tag>[A-Za-z_][\w.:\-]{0,60})>(?P<value>[^<>]{1,500})</(?P=tag)>"
_HOME_USER = r"(?P<value>[^/\\\s:\"'<>|*?]+)"
_HOME = rf"/(?:home|Users)/{_HOME_USER}"
_WINDOWS_HOME = rf":(?<=\b[A-Za-z]:)(?:\\{{1,2}}|/)(?i:users)(?:\\{{1,2}}|/){_HOME_USER}"
_DOMAIN = r"@(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,}(?![\w\-])"
_IPV6_COLONS = (
    rf":(?:[0-9A-Fa-f]{{0,4}}:){{1,6}}(?:{_OCTET}(?:\.{_OCTET}){{3}}|[0-9A-Fa-f]{{1,4}})?"
    r"(?:%[\w.\-]+)?(?![\w:]|\.\w)"
)
# Spelled out: a leading literal `.` lets the engine skip ahead; a leading group does not.
_IPV4_DOTS = rf"\.{_OCTET}\.{_OCTET}\.{_OCTET}(?!\w|\.\w)"

_KEY_STEMS = ("pass", "pwd", "secret", "token", "cookie", "sess", "cred", "auth", "sig", "key")
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
# What follows a key stem: the rest of the key, a separator, and the value.
_KEY_TAIL = re.compile(
    r"[\w.\-]{0,60}?"
    # `==`, `::` and a line break after the colon are code or prose, not an assignment.
    r"(?P<sep>\\?[\"']?[ \t]*(?::=|=>|[:=](?![=:]))[ \t]*)"
    r"(?P<scheme>(?i:bearer|basic|token|digest)[ \t]+)?"
    r"(?P<value><(?:SECRET|EMAIL|IP|CARD)_\d+>|<USER>"
    r"|\\\"(?:[^\"\\]|\\[^\"])*\\\"|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|\{[^{}\n]*\}"
    # Unquoted: up to a separator; a closing bracket or comma inside the value is kept.
    r"|(?:[^\s&;,'\"\\)\]}]|[,)\]}](?=[^\s,;&)\]}'\"]))+)",
    re.ASCII,
)
# Values that hide nothing: masking them would only cost the reader information.
INERT = re.compile(r"(?i)|null|none|nil|undefined|true|false|\**|\[?redacted\]?")
# SQL bind parameters and calls (`token = self._fetch()`); the value stops before a final `)`.
_CODE = re.compile(r"\$\d+|\?|:[A-Za-z_]\w*|%s|%\(\w+\)s|[A-Za-z_][\w.]*\([^()]*\)?")
SCHEME = re.compile(r"(?i)(?:bearer|basic|token|digest)\s+(?=\S)")


_LINE_END = re.compile(r"[\r\n\"'\\]")


def _locate_keyed(text: str, stem: int, stem_end: int) -> tuple[int, int] | None:
    start = _extend_back(text, stem, _KEY_CHARS, 60)
    tail = _KEY_TAIL.match(text, stem_end)
    if start is None or tail is None:
        return None
    key = text[start : tail.start("sep")]
    if not is_secret_key(key):
        return None
    begin, end = tail.span("value")
    for opening, closing in (('\\"', '\\"'), ('"', '"'), ("'", "'"), ("{", "}")):
        if end - begin >= 2 * len(opening) and tail["value"].startswith(opening):
            begin, end = begin + len(opening), end - len(closing)
            break
    else:
        if key.lower().endswith("cookie") and ":" in tail["sep"]:
            # A Cookie header holds several `name=value` pairs: all of the line is secret.
            line_end = _LINE_END.search(text, end)
            end = line_end.start() if line_end else len(text)
    scheme = SCHEME.match(text, begin, end)
    begin = scheme.end() if scheme else begin
    value = text[begin:end]
    if INERT.fullmatch(value) or PLACEHOLDER.fullmatch(value) or _CODE.fullmatch(value):
        return None
    return begin, end


# Order matters: whole credentials first, so a JWT inside `Authorization: Bearer …` is one secret.
RULES: tuple[Rule | Scan, ...] = (
    _rule("private_key", SECRET, _PEM),
    _rule("jwt", SECRET, _JWT),
    _rule("anthropic_key", SECRET, _ANTHROPIC),
    _rule("openai_key", SECRET, _OPENAI, accept=_is_random),
    _rule("aws_access_key_id", SECRET, _AWS_KEY_ID),
    _rule("slack_token", SECRET, _SLACK),
    _rule("slack_webhook", SECRET, _SLACK_HOOK),
    _rule("github_token", SECRET, _GITHUB),
    _rule("gitlab_token", SECRET, _GITLAB),
    Scan("stripe_key", SECRET, ("k_live_", "k_test_", "whsec_"), _locate_stripe),
    _rule("google_api_key", SECRET, _GOOGLE, ("aiza", "ya29.")),
    _rule("url_password", SECRET, _URL_CREDENTIALS),
    _rule("url_password", SECRET, _ORACLE_CREDENTIALS),
    _rule("xml_secret", SECRET, _XML, accept=_is_secret_element),
    Scan("keyed_secret", SECRET, _KEY_STEMS, _locate_keyed, lowered=True),
    Scan("auth_token", SECRET, re.compile("bearer|basic"), _locate_credential, lowered=True),
    Scan("email", EMAIL, re.compile(_DOMAIN, re.ASCII), _locate_email),
    _rule("home_dir", USER, _HOME, accept=_is_home_path),
    _rule("home_dir", USER, _WINDOWS_HOME, accept=_is_home_path),
    Scan("ipv6", IP, re.compile(_IPV6_COLONS, re.ASCII), _locate_ipv6),
    Scan("ipv4", IP, re.compile(_IPV4_DOTS, re.ASCII), _locate_ipv4),
)

# --- card numbers --------------------------------------------------------------------------

CARD_RUN = re.compile(r"\d(?<![\w.\-]\d)(?:[ \-]?\d){12,}(?!\w|\.\d)", re.ASCII)
DIGIT_GROUP = re.compile(r"\d+", re.ASCII)
UUID_SHAPE = re.compile(r"\d{8}-\d{4}-\d{4}-\d{4}-\d{12}")


def _is_luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        number = ord(char) - 48
        if position % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def card_end(groups: list[re.Match[str]], first: int) -> int | None:
    """End (exclusive) of the longest run of digit groups from `first` that is a card number."""
    best, digits = None, ""
    for index in range(first, len(groups)):
        digits += groups[index][0]
        if len(digits) > 19:
            break
        # First digits 2-6 are the card networks; 1 starts today's epoch timestamps.
        if len(digits) >= 13 and digits[0] in "23456" and _is_luhn_valid(digits):
            best = index + 1
    return best
