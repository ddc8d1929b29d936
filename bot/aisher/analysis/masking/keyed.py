"""Values named secret by the key in front of them: `password=…`, `"api_key": "…"`,
`X-Api-Key: …`, `?token=…`, `Cookie: …`, and in prose `auth token 9f8e…`.

The scan anchors on key stems (`pass`, `token`, `key`, …) in lower-cased text, reads the whole
key around the stem and asks `is_secret_key` about it. It reads at most `LOOKAROUND`
characters past a stem unless it accepts the value, and an accepted value moves the masker
past every stem inside it, so the scan is linear in the text however many stems it holds.
"""

from __future__ import annotations

import re
import string

from aisher.analysis.masking.rule import (
    LOOKAROUND,
    PLACEHOLDER_SOURCE,
    extend_back,
    is_placeholder,
    only_placeholders,
)
from aisher.analysis.masking.secret_keys import is_secret_key

# Each stem is one `str.find` pass over the text, so they are few and short: `sec` finds
# `secret` and `securityCode`, `cv` finds `cvv` and `cvc`; `is_secret_key` judges the key.
KEY_STEMS = (
    "pass", "pwd", "sec", "token", "cookie", "sess", "cred", "auth", "sig", "key", "cv", "csc",
    "ssn",
)  # fmt: skip
_KEY_LIMIT = 60
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
_AFTER_KEY = frozenset("\"' \t:=\\")
# The separator after the key. `==`, `::` and a line break after the colon are code or prose,
# not an assignment.
_KEY_REST = re.compile(r"(?P<sep>\\?[\"']?[ \t]{0,32}(?::=|=>|[:=](?![=:]))[ \t]{0,32})", re.ASCII)
_SCHEME = r"(?i:bearer|basic|token|digest)"
SCHEME = re.compile(rf"{_SCHEME}\s+(?=\S)")
# Unquoted: up to a separator; a closing bracket or comma inside the value is kept.
_UNQUOTED = r"(?:[^\s&;,'\"\\)\]}]|[,)\]}](?=[^\s,;&)\]}'\"]))+"
_VALUE = re.compile(
    rf"(?P<scheme>{_SCHEME}[ \t]{{1,8}})?"
    rf"(?P<value>{PLACEHOLDER_SOURCE}"
    r"|\\\"(?:[^\"\\]|\\[^\"])*\\\"|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|\{[^{}\n]*\}"
    rf"|{_UNQUOTED})",
    re.ASCII,
)
_UNQUOTED_RUN = re.compile(_UNQUOTED, re.ASCII)
# A value that is one placeholder, quoted or not: what masking masked text meets at every key.
_MASKED_VALUE = re.compile(
    rf"(?:{_SCHEME}[ \t]{{1,8}})?(?P<quote>\\?[\"']?)(?:{PLACEHOLDER_SOURCE})"
    r"(?:(?P=quote)|(?=[\s&;,)\]}]|$))",
    re.ASCII,
)
_QUOTES = (('\\"', '\\"'), ('"', '"'), ("'", "'"), ("{", "}"))
# Values that hide nothing: masking them would only cost the reader information.
INERT = re.compile(r"(?i)|null|none|nil|undefined|true|false|\**|\[?redacted\]?")
# SQL bind parameters and calls (`token = self._fetch()`); the value stops before a final `)`.
_CODE = re.compile(r"\$\d+|\?|:[A-Za-z_]\w*|%s|%\(\w+\)s|[A-Za-z_][\w.]*\([^()]*\)?")
_LINE_END = re.compile(r"[\r\n\"'\\]")
# `Invalid password: must be at least 8 characters` is prose, not a password.
_PROSE_WORDS = frozenset((
    "must", "is", "was", "not", "does", "did", "should", "cannot", "can", "has", "have", "had",
    "will", "would", "the", "a", "an", "missing", "required", "invalid", "expired", "empty",
    "incorrect", "wrong", "too", "mismatch", "contains", "and", "or", "for", "of", "with",
    "changed", "reset", "rejected", "unknown", "unset", "set", "ok", "none",
))  # fmt: skip
_PROSE_NEXT = re.compile(r"[ \t]+[a-z]")
# Whitespace-separated (`auth token 9f8e…`): only a value that looks random is taken.
_KEY_WORD_REST = re.compile(r"[\w.\-]{0,60}", re.ASCII)
_PROSE_VALUE = re.compile(
    r"[ \t]{1,4}(?:(?:is|was|of|for)[ \t]{1,4})?(?P<value>[A-Za-z0-9_\-/+=]{16,256})"
    r"(?![A-Za-z0-9_\-/+=]|\.\w)",
    re.ASCII,
)


def locate_keyed(text: str, stem: int, stem_end: int) -> tuple[int, int] | None:
    """The span of the value a secret-named key assigns, around the key stem at `stem`."""
    window = min(len(text), stem_end + LOOKAROUND)
    key_end = _KEY_WORD_REST.match(text, stem_end, window)
    after = key_end.end() if key_end else stem_end
    if after < len(text) and text[after] not in _AFTER_KEY:
        return None  # `TokenService.validate(` and the like: a name, not an assignment
    start = extend_back(text, stem, _KEY_CHARS, _KEY_LIMIT)
    if start is None:
        return None  # the key runs on past the limit: a long dotted name, not a key
    key = text[start:after]  # a separator never starts inside the key's characters
    if not is_secret_key(key):
        return None
    rest = _KEY_REST.match(text, after, window)
    if rest is None:
        return _locate_prose_value(text, after, window)
    cookie = key.lower().endswith("cookie") and ":" in rest["sep"]
    if not cookie and _MASKED_VALUE.match(text, rest.end(), window):
        return None  # masked already: the common case when masked text is masked again
    value = _VALUE.match(text, rest.end(), window)
    if value is None:
        return _unterminated(text, rest.end())
    begin, end = value.span("value")
    quoted = False
    for opening, closing in _QUOTES:
        if end - begin >= 2 * len(opening) and value["value"].startswith(opening):
            begin, end, quoted = begin + len(opening), end - len(closing), True
            break
    if not quoted and _is_prose(value["value"], rest["sep"], text, end):
        return None
    scheme = SCHEME.match(text, begin, end)
    begin = scheme.end() if scheme else begin
    if not quoted and cookie:
        # A Cookie header holds several `name=value` pairs: all of the line is secret. The
        # line is read once: the masker skips the stems inside a secret it hid.
        line_end = _LINE_END.search(text, end)
        end = line_end.start() if line_end else len(text)
        line = text[begin:end]
        return None if only_placeholders(line) or INERT.fullmatch(line) else (begin, end)
    found = text[begin:end]
    if INERT.fullmatch(found) or is_placeholder(found) or _CODE.fullmatch(found):
        return None
    # Read past the window only now the value is taken: the masker then skips the stems
    # inside it, so no stretch of text is read twice.
    return (begin, _run_end(text, end) if not quoted and end == window else end)


def _unterminated(text: str, at: int) -> tuple[int, int] | None:
    """A quoted value whose closing quote is missing or too far: the rest of it is secret."""
    if at >= len(text) or text[at] not in "\"'\\":
        return None
    opening = 2 if text.startswith('\\"', at) else 1
    begin = at + opening
    end = _run_end(text, begin)
    found = text[begin:end]
    if INERT.fullmatch(found) or is_placeholder(found) or only_placeholders(found):
        return None
    return begin, end


def _run_end(text: str, at: int) -> int:
    """Where an unquoted value from `at` ends; read only once a value is accepted."""
    run = _UNQUOTED_RUN.match(text, at)
    return run.end() if run else at


def _is_prose(value: str, separator: str, text: str, end: int) -> bool:
    if "=" in separator or not value.isalpha() or not value.islower():
        return False
    return value in _PROSE_WORDS or _PROSE_NEXT.match(text, end) is not None


def _locate_prose_value(text: str, key_end: int, window: int) -> tuple[int, int] | None:
    value = _PROSE_VALUE.match(text, key_end, window)
    if value is None:
        return None
    found = value["value"]
    random = any(c.isdigit() for c in found) and any(c.isalpha() for c in found)
    return value.span("value") if random and not is_placeholder(found) else None
