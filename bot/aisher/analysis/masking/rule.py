"""What a masking rule is, and the small helpers every rule module shares.

A rule either matches a pattern (`Rule`) or scans for a cheap anchor — a literal, a key stem,
an `@` or a `:` — and then locates the secret around it (`Scan`).

Telemetry is hostile input, so every rule is linear in the text: patterns use bounded
quantifiers only and never nest them, and a `Scan`'s `locate` reads at most a fixed window
around its anchor (`LOOKAROUND`) unless it finds a secret there — which the masker then skips
whole, anchors and all — so a crafted text cannot make one anchor cost the rest of it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import _lru_cache_wrapper, lru_cache
from typing import TypeVar

SECRET, EMAIL, IP, CARD, PHONE, IBAN, SSN, USER = (
    "SECRET", "EMAIL", "IP", "CARD", "PHONE", "IBAN", "SSN", "USER",
)  # fmt: skip
NUMBERED = (SECRET, EMAIL, IP, CARD, PHONE, IBAN, SSN)  # placeholders `<KIND_n>`
_PLACEHOLDER_SOURCE = rf"<(?:{'|'.join(NUMBERED)})_\d{{1,9}}>|<USER>"
PLACEHOLDER = re.compile(_PLACEHOLDER_SOURCE)
PLACEHOLDER_SOURCE = _PLACEHOLDER_SOURCE  # for patterns that must step over placeholders

# The most any `locate` reads beyond its anchor: long enough for a cookie header, a URL or
# a private key's first lines, short enough that a crafted text stays cheap.
LOOKAROUND = 512
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # keeps positions
# Placeholders whose word holds a key stem (`sec`, `ssn`): masked text holds one per secret,
# and each would cost a look at a key that is no key. Blanked by a fixed string each, in C.
_STEMMED_PLACEHOLDERS = tuple(
    (re.compile(rf"<{word}_(?=\d{{1,9}}>)"), "<" + "_" * (len(word) + 1))
    for word in ("SECRET", "SSN")
)

DIGITS = frozenset(string.digits)
HEX = frozenset(string.hexdigits)
WORD = frozenset(string.ascii_letters + string.digits + "_")
WORD_OR_DASH = WORD | {"-"}

_Result = TypeVar("_Result")
_TEXT_SCOPED: list[Callable[[], None]] = []  # the `cache_clear` of every text-scoped cache


def text_scoped(maxsize: int) -> Callable[[Callable[..., _Result]], _lru_cache_wrapper[_Result]]:
    """A function's answers remembered until `forget_runs`, which the masker calls after every
    text: scans ask the same question of one text in turn, crafted text repeats one value
    thousands of times, and no telemetry may outlive the mask call that read it."""

    def remember(function: Callable[..., _Result]) -> _lru_cache_wrapper[_Result]:
        cached = lru_cache(maxsize=maxsize)(function)
        _TEXT_SCOPED.append(cached.cache_clear)
        return cached

    return remember


Accept = Callable[[re.Match[str]], bool]
# For a scan: the span of the secret around an anchor's span, or None when there is none.
Locate = Callable[[str, int, int], "tuple[int, int] | None"]
# For a scan: the spans of its anchors in a text, in order of position.
Find = Callable[[str], "list[tuple[int, int]]"]


@dataclass(frozen=True, slots=True)
class Rule:
    """A pattern whose group `value` (else the whole match) is replaced.

    `needles` are lower-case literals one of which every match contains; a rule with needles
    runs only on text holding one, which keeps the many vendor patterns off ordinary text.
    """

    kind: str
    category: str
    pattern: re.Pattern[str]
    needles: tuple[str, ...] = ()
    accept: Accept | None = None


@dataclass(frozen=True, slots=True)
class Scan:
    """A rule that finds a cheap anchor (`@`, `:`, `token`) and whose `locate` widens it,
    backwards too, to the secret: regexes that start with a lookbehind, a broad character class
    or an alternation of words cost tens of milliseconds per megabyte, an anchor a fraction of one.

    The anchor is a pattern, a tuple of words or a function that finds them; with `lowered`
    it is searched in an ASCII-lower-cased copy of the text. `needles` work as for `Rule`.
    `idempotent` says a scan finds nothing in its own output, so the masker need not run it
    again on that (an email's domain can end where a second email starts: that scan is not).
    `leaves_earlier_rules_alone` says its placeholders give no earlier rule a new match, so
    the rules before it need not run again because of it.
    """

    kind: str
    category: str
    anchor: re.Pattern[str] | tuple[str, ...] | Find
    locate: Locate
    lowered: bool = False
    needles: tuple[str, ...] = ()
    idempotent: bool = False
    leaves_earlier_rules_alone: bool = False

    def find(self, haystack: str) -> list[tuple[int, int]]:
        """The anchors' spans in order of position."""
        if isinstance(self.anchor, re.Pattern):
            return [match.span() for match in self.anchor.finditer(haystack)]
        if not isinstance(self.anchor, tuple):
            return self.anchor(haystack)
        return find_words(haystack, self.anchor)


def find_words(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """The spans of every occurrence of each word, overlaps too, in order of position."""
    spans = []
    for word in words:  # one `str.find` per word beats one regex alternation
        start = text.find(word)
        while start >= 0:
            spans.append((start, start + len(word)))
            start = text.find(word, start + 1)
    return sorted(spans)


def rule(
    kind: str,
    category: str,
    pattern: str,
    needles: tuple[str, ...] = (),
    accept: Accept | None = None,
) -> Rule:
    """A `Rule` from its pattern source; without a `value` group the whole match is replaced."""
    if "(?P<value>" not in pattern:
        pattern = f"(?P<value>{pattern})"
    return Rule(kind, category, re.compile(pattern, re.ASCII), needles, accept)


@text_scoped(maxsize=2)  # the masker and the keyed scan ask in turn
def lowered(text: str) -> str:
    """The text with ASCII letters lower-cased, where scans look for their anchors: positions
    are kept, and the words of placeholders are blanked, for no secret is inside one."""
    if "<" in text:
        for placeholder, blank in _STEMMED_PLACEHOLDERS:
            text = placeholder.sub(blank, text)
    return text.translate(ASCII_LOWER)


def extend_back(text: str, index: int, chars: frozenset[str], limit: int) -> int | None:
    """Where the run of `chars` ending at `index` starts; None if longer than `limit`."""
    start, floor = index, max(0, index - limit)
    while start > floor and text[start - 1] in chars:
        start -= 1
    return None if start == floor and start > 0 and text[start - 1] in chars else start


def is_placeholder(value: str) -> bool:
    return PLACEHOLDER.fullmatch(value) is not None


def only_placeholders(value: str) -> bool:
    """Whether nothing but placeholders and punctuation is left: masked text, nothing to hide."""
    rest = PLACEHOLDER.sub("", value)
    return rest != value and not any(char.isalnum() for char in rest)


# Every character outside a class becomes a space: the copy keeps positions, and `str.split`
# then finds the runs of the class in C, far faster than a regex that starts with a class.
def _spacing_table(kept: str) -> dict[int, str]:
    return str.maketrans({chr(code): " " for code in range(128) if chr(code) not in kept})


_TOKEN_TABLE = _spacing_table(string.ascii_letters + string.digits + "+/_-")
_CAPITALS_TABLE = _spacing_table(string.ascii_uppercase + string.digits)
KEY_CHARACTERS = string.ascii_letters + string.digits + "_.-"  # of a key such as `db.pass_word`
_KEY_TABLE = _spacing_table(KEY_CHARACTERS)


@text_scoped(maxsize=2)  # two scans ask about the same text in turn
def token_runs(text: str, shortest: int) -> tuple[tuple[int, int], ...]:
    """The spans of the runs of ASCII token characters (`A-Za-z0-9+/_-`) at least `shortest`
    long, in order."""
    return _runs(text.translate(_TOKEN_TABLE), shortest)


@text_scoped(maxsize=2)
def capital_runs(text: str, shortest: int) -> tuple[tuple[int, int], ...]:
    """The spans of the runs of capitals and digits at least `shortest` long, in order."""
    return _runs(text.translate(_CAPITALS_TABLE), shortest)


@text_scoped(maxsize=1)
def key_characters(text: str) -> str:
    """The text with every ASCII character that cannot be part of a key made a space."""
    return text.translate(_KEY_TABLE)


def forget_runs() -> None:
    """Empty every text-scoped cache: the masker calls this after each text."""
    for clear in _TEXT_SCOPED:
        clear()


def _runs(spaced: str, shortest: int) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    position = 0
    for token in [token for token in spaced.split() if len(token) >= shortest]:
        if not token.isascii():
            continue
        start = spaced.find(token, position)
        # A run found inside a longer one (that had a non-ASCII character) is not this one.
        while (start > 0 and not spaced[start - 1].isspace()) or (
            start + len(token) < len(spaced) and not spaced[start + len(token)].isspace()
        ):
            start = spaced.find(token, start + 1)
        position = start + len(token)
        spans.append((start, position))
    return tuple(spans)
