"""Values named secret by the key in front of them: `password=…`, `"api_key": "…"`,
`X-Api-Key: …`, `?token=…`, `Cookie: …`, and in prose `auth token 9f8e…`.

The scan anchors on key stems (`pass`, `token`, `key`, …) in lower-cased text, reads the whole
key around the stem and asks `is_secret_key` about it. It reads at most `LOOKAROUND`
characters past a stem unless it accepts the value, and an accepted value moves the masker
past every stem inside it, so the scan is linear in the text however many stems it holds.
"""

from __future__ import annotations

import re

from aisher.analysis.masking.rule import (
    ASCII_LOWER,
    KEY_CHARACTERS,
    LOOKAROUND,
    PLACEHOLDER_SOURCE,
    extend_back,
    find_words,
    is_placeholder,
    key_characters,
    lowered,
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
# Stems at least this many, and one per this many characters or more, make a text dense.
_DENSE_STEMS, _DENSE_SPACING = 64, 32
_KEY_CHARS = frozenset(KEY_CHARACTERS)
# The separator after the key. `==`, `::` and a line break after the colon are code or prose,
# not an assignment.
_SEPARATOR = r"(?P<sep>\\?[\"']?[ \t]{0,32}(?::=|=>|[:=](?![=:]))[ \t]{0,32})"
_SCHEME = r"(?i:bearer|basic|token|digest)"
SCHEME = re.compile(rf"{_SCHEME}\s+(?=\S)")
# Unquoted: up to a separator; a closing bracket or comma inside the value is kept.
_UNQUOTED = r"(?:[^\s&;,'\"\\)\]}]|[,)\]}](?=[^\s,;&)\]}'\"]))+"
_VALUE_SOURCE = (
    rf"(?:(?P<scheme>{_SCHEME}[ \t]{{1,8}})?"
    rf"(?P<value>{PLACEHOLDER_SOURCE}"
    r"|\\\"(?:[^\"\\]|\\[^\"])*\\\"|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|\{[^{}\n]*\}"
    rf"|{_UNQUOTED}))"
)
_UNQUOTED_RUN = re.compile(_UNQUOTED, re.ASCII)
_QUOTES = {'\\"': '\\"', '"': '"', "'": "'", "{": "}"}  # opening: closing
_OPENING = frozenset("\\\"'{")  # the first characters of the openings
# The first characters that `SCHEME`, `INERT` and `_CODE` can match (`""`: `INERT` matches
# the empty value): a value starting otherwise is not looked at by them. A value that is a
# placeholder (masked text masked again) is refused by `_is_no_secret` too.
_SCHEME_FIRST = frozenset("bBtTdD")
_INERT_FIRST = frozenset(("", *"nNuUtTfF*[rR"))
_CODE_FIRST = frozenset("$?:%")
_NO_SECRET_FIRST = _INERT_FIRST | _CODE_FIRST | {"<"}
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
# Whitespace-separated (`auth token 9f8e…`): only a value that looks random is taken. A
# placeholder right after it stands for what ran on (`…password=<SECRET_3>`, masked in the
# same pass), so it ends no value that the text it replaced did not end.
_PROSE_VALUE = (
    r"[ \t]{1,4}(?:(?:is|was|of|for)[ \t]{1,4})?(?P<prose>[A-Za-z0-9_\-/+=]{16,256})"
    rf"(?![A-Za-z0-9_\-/+=]|\.\w|{PLACEHOLDER_SOURCE})"
)
# From a stem on: the rest of its key (possessive: a key ends at the first character that cannot
# be in one), then a separator and the value or a random-looking word. One pattern: most stems
# in crafted text are neither, and each look costs.
_KEY_REST = re.compile(
    rf"(?P<tail>[A-Za-z0-9_.\-]{{0,{_KEY_LIMIT}}}+)(?:{_SEPARATOR}{_VALUE_SOURCE}?|{_PROSE_VALUE})",
    re.ASCII,
)


def keyed_anchors(text: str) -> list[tuple[int, int]]:
    """The spans of the key stems worth a look, in order of position.

    A text dense with stems (`key=key=…`, a large JSON document) repeats a few keys many
    times: each distinct key is judged once, and only the stems of secret keys are kept.
    Exact: the key of a stem in a word no longer than `_KEY_LIMIT` is the whole word.
    """
    stems = find_words(lowered(text), KEY_STEMS)
    if len(stems) < _DENSE_STEMS or len(stems) * _DENSE_SPACING < len(text) or not text.isascii():
        return stems
    spaced = key_characters(text)
    ruled_out = False  # a key with a stem that is no secret: its stems need no look
    looked_at: dict[str, list[tuple[int, int]]] = {}  # word: the spans of its stems in it
    for word in set(spaced.split()):
        offsets = find_words(word.translate(ASCII_LOWER), KEY_STEMS)
        if offsets and (len(word) > _KEY_LIMIT or is_secret_key(word)):
            looked_at[word] = offsets
        elif offsets:
            ruled_out = True
    if not ruled_out:
        return stems
    padded = f" {spaced} "  # a word between spaces is a whole key, wherever it is
    kept: list[tuple[int, int]] = []
    for word, offsets in looked_at.items():
        needle = f" {word} "
        start = padded.find(needle)
        while start >= 0:  # `start` in `padded` is where the word starts in the text
            kept += [(start + first, start + last) for first, last in offsets]
            start = padded.find(needle, start + 1)
    return sorted(kept)


def locate_keyed(text: str, stem: int, stem_end: int) -> tuple[int, int] | None:
    """The span of the value a secret-named key assigns, around the key stem at `stem`."""
    # Text dense with keys costs a look at each: one pattern reads the rest of the key, the
    # separator and the value; the key's start is found in C; cheap tests (a first character)
    # come before the patterns they spare.
    window = stem_end + LOOKAROUND
    rest = _KEY_REST.match(text, stem_end, window)
    if rest is None:  # `TokenService.validate(`: a name, not an assignment
        return None
    if stem and text[stem - 1] in _KEY_CHARS:
        key_start = _key_start(text, stem)
        if key_start is None:
            return None
    else:  # the stem starts the key, as in most crafted text
        key_start = stem
    key = text[key_start : rest.end("tail")]
    if not is_secret_key(key):
        return None
    separator = rest["sep"]
    if separator is None:
        return _prose_value(rest)
    raw = rest["value"]
    if raw is None:
        return _unterminated(text, rest.end("sep"))
    begin, end = rest.span("value")
    quoted = raw[0] in _OPENING and (quotes := _quotes(raw)) > 0
    if quoted:
        begin, end = begin + quotes, end - quotes
    prose = not quoted and "=" not in separator and raw.isalpha() and raw.islower()
    if prose and _is_prose(raw, text, end):
        return None
    if text[begin : begin + 1] in _SCHEME_FIRST:
        scheme = SCHEME.match(text, begin, end)
        begin = scheme.end() if scheme else begin
    if not quoted and ":" in separator and key[-6:].lower() == "cookie":
        # A Cookie header holds several `name=value` pairs: all of the line is secret. The
        # line is read once: the masker skips the stems inside a secret it hid.
        line_end = _LINE_END.search(text, end)
        end = line_end.start() if line_end else len(text)
        line = text[begin:end]
        return None if only_placeholders(line) or INERT.fullmatch(line) else (begin, end)
    value = text[begin:end]
    if (value[:1] in _NO_SECRET_FIRST or "(" in value) and _is_no_secret(value):
        return None
    # Read past the window only now the value is taken: the masker then skips the stems
    # inside it, so no stretch of text is read twice.
    return (begin, _run_end(text, end) if not quoted and end >= min(window, len(text)) else end)


def _quotes(value: str) -> int:
    """The length of the quote (or brace) around a value, 0 if it is not between a pair: an
    unquoted value may start with `{` and end with anything."""
    opening = '\\"' if value.startswith('\\"') else value[0]
    closing = _QUOTES.get(opening)  # none for a backslash before anything but a quote
    paired = closing is not None and len(value) >= 2 * len(opening) and value.endswith(closing)
    return len(opening) if paired else 0


def _key_start(text: str, stem: int) -> int | None:
    """Where the key around a stem starts; None when it runs on more than `_KEY_LIMIT`
    characters before the stem (a long dotted name).

    Found by `str.rfind` in a copy of the text in which every character that cannot be in a
    key is a space; that copy keeps non-ASCII characters, which end a key too.
    """
    if not text.isascii():
        return extend_back(text, stem, _KEY_CHARS, _KEY_LIMIT)
    before = key_characters(text).rfind(" ", max(0, stem - _KEY_LIMIT - 1), stem)
    return None if before < 0 and stem > _KEY_LIMIT else before + 1


def _is_no_secret(value: str) -> bool:
    """An empty or inert value, a placeholder or code."""
    first = value[:1]
    return (
        (first in _INERT_FIRST and INERT.fullmatch(value) is not None)
        or (first == "<" and is_placeholder(value))
        or ((first in _CODE_FIRST or "(" in value) and _CODE.fullmatch(value) is not None)
    )


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


def _is_prose(value: str, text: str, end: int) -> bool:
    """Whether a lower-case word after `key:` reads as prose (`Password: must be …`)."""
    return value in _PROSE_WORDS or _PROSE_NEXT.match(text, end) is not None


def _prose_value(rest: re.Match[str]) -> tuple[int, int] | None:
    """`auth token 9f8e…`: the word after the key if it looks random."""
    found = rest["prose"]
    random = any(c.isdigit() for c in found) and any(c.isalpha() for c in found)
    return rest.span("prose") if random and not is_placeholder(found) else None
