"""Masking of secrets and personal data in telemetry before it reaches an LLM, the cache or Slack.

A `Masker` replaces every secret it recognises with a placeholder that is stable within the
instance: `<SECRET_n>` (keys, tokens, passwords, private keys), `<EMAIL_n>`, `<IP_n>`, `<CARD_n>`,
`<PHONE_n>`, `<IBAN_n>`, `<SSN_n>`, and `<USER>` for the user name in a home-directory path. Use
one masker per report, so the same token in a log line and in a stack trace reads as the same
placeholder. Masking masked text changes nothing. `findings` counts what was masked per kind,
never the values.

Recognised by shape (`rules` lists them): vendor keys and tokens (OpenAI, Anthropic, AWS, Slack,
GitHub, GitLab, Stripe, Google, SendGrid, PyPI, Hugging Face, Twilio and thirty more), JWTs, PEM
private keys, `Bearer`/`Basic` credentials, passwords in URLs and on command lines, long random
strings, emails, IP addresses, card numbers, phone numbers, IBANs, US SSNs and home-directory
user names. Recognised by name: the value after any key that looks like a secret
(`password=`, `"api_key": "…"`, `X-Api-Key: …`, `?token=…`, `<password>…</password>`,
`auth token 9f8e…`) and every attribute whose key looks like one (`db.password`,
`http.request.header.authorization`). Trace and span ids, UUIDs, versions, ports, status codes,
times and line numbers are left alone because the analysis cites them.

Telemetry is hostile input: masking is linear in the text, and a string longer than
`MAX_TEXT_CHARS` is cut, with a visible marker, before it is masked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Mapping
from functools import partial
from typing import TypeVar

from aisher.analysis.masking.cards import CARD_RUN, UUID_SHAPE, find_cards, labelled_as_id
from aisher.analysis.masking.keyed import INERT, SCHEME
from aisher.analysis.masking.rule import (
    CARD,
    EMAIL,
    IP,
    SECRET,
    USER,
    Rule,
    Scan,
    forget_runs,
    is_placeholder,
)
from aisher.analysis.masking.rule import lowered as lowered_text
from aisher.analysis.masking.rules import RULES
from aisher.analysis.masking.secret_keys import is_secret_key

# Part of every cache key: an answer built from differently masked evidence must not be served.
# Bump it whenever a rule (the modules of this package) changes what is masked or how
# placeholders read.
MASKING_VERSION = "3"

# No single string may cost unbounded time: 64 KiB holds any real stack trace's useful part.
MAX_TEXT_CHARS = 64 * 1024
_CUT_SEARCH = 1024  # a cut backs off to whitespace this close, so it splits no token
_CUT_MARKER = "\n…[{} characters cut before masking]"
_CUT_MARKED = re.compile(r"\n…\[\d{1,12} characters cut before masking\]\Z")
# Masking lengthens text by its placeholders only: a cut and masked text stays well below this.
_CUT_AGAIN = 4 * MAX_TEXT_CHARS

# A rule decides by what surrounds a match, and a later rule's placeholder can change that (an
# email's local part that ran into a token is one once the token is hidden). So text in which
# something was hidden is masked again, until a pass finds nothing: masking is idempotent.
_PASSES = 4

_K = TypeVar("_K", bound=Hashable)
# Short strings (attribute values, messages) recur constantly; their results are remembered.
_MEMO_TEXT_LIMIT, _MEMO_ENTRIES = 256, 8192

__all__ = [
    "CARD",
    "EMAIL",
    "IP",
    "MASKING_VERSION",
    "MAX_TEXT_CHARS",
    "SECRET",
    "USER",
    "Masker",
    "cut_to_limit",
    "is_secret_key",
]


def cut_to_limit(text: str) -> str:
    """The text, or its first `MAX_TEXT_CHARS` characters and a marker saying how many went.

    The cut backs off to a whitespace so that it splits no secret in two; text already cut
    (it ends with the marker) is not cut again, which keeps masking idempotent.
    """
    if len(text) <= MAX_TEXT_CHARS or (
        len(text) <= _CUT_AGAIN and _CUT_MARKED.search(text, len(text) - 64)
    ):
        return text
    cut = MAX_TEXT_CHARS
    for index in range(MAX_TEXT_CHARS, MAX_TEXT_CHARS - _CUT_SEARCH, -1):
        if text[index].isspace():
            cut = index
            break
    return text[:cut] + _CUT_MARKER.format(len(text) - cut)


# --- the masker ----------------------------------------------------------------------------


class Masker:
    """Replaces secrets with placeholders that stay the same for the life of the instance.

    Create one per report and do not log or keep it afterwards: it remembers the values it
    replaced, which is what keeps the placeholders stable.
    """

    def __init__(self) -> None:
        self._placeholders: dict[tuple[str, str], str] = {}
        self._issued: Counter[str] = Counter()
        self._findings: Counter[str] = Counter()
        # Service names, operations and attribute keys repeat across thousands of spans.
        self._memo: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._kinds: list[str] = []  # what the text being masked held, for the memo

    @property
    def findings(self) -> dict[str, int]:
        """How many values were masked so far, per kind (`jwt`, `email`, …); never the values."""
        return dict(sorted(self._findings.items()))

    def mask(self, text: str) -> str:
        """The text with every recognised secret replaced by its placeholder."""
        if not text:
            return text
        memo = self._memo.get(text)
        if memo is not None:
            self._findings.update(memo[1])
            return memo[0]
        self._kinds = []
        masked, until = cut_to_limit(text), len(RULES) + 1  # the first pass runs every rule
        for _ in range(_PASSES):
            masked, until = self._mask_text(masked, until)
            if until < 0:
                break
        forget_runs()
        if len(text) <= _MEMO_TEXT_LIMIT and len(self._memo) < _MEMO_ENTRIES:
            self._memo[text] = (masked, tuple(self._kinds))
        return masked

    def mask_value_for_key(self, key: str, value: str) -> str:
        """The value hidden whole if the key names a secret, else masked like any text."""
        if not is_secret_key(key):
            return self.mask(value)
        credential = value.strip()
        scheme = SCHEME.match(credential)
        prefix = scheme[0] if scheme else ""
        credential = credential[len(prefix) :]
        if INERT.fullmatch(credential) or is_placeholder(credential):
            return value
        # `Bearer <SECRET_n>`: the scheme stays, so a token reads the same here and in text.
        return prefix + self._conceal("secret_attribute", SECRET, credential)

    def mask_attributes(self, attributes: Mapping[str, str]) -> dict[str, str]:
        """Span, resource or log attributes with secret-named values hidden and the rest masked."""
        return {
            self.mask(key): self.mask_value_for_key(key, value) for key, value in attributes.items()
        }

    def mask_mapping_values(self, mapping: Mapping[_K, str]) -> dict[_K, str]:
        """The mapping with each value masked as text; keys are kept as they are."""
        return {key: self.mask(value) for key, value in mapping.items()}

    def _mask_text(self, text: str, until: int) -> tuple[str, int]:
        """One pass of the rules (the card numbers last, as rule `len(RULES)`) and the index of
        the last rule that hid something, or -1.

        A rule sees again only what a later rule changed, so once this pass has changed
        nothing and has reached `until` (the last rule that hid something in the pass before),
        the rest would find exactly what they found then: nothing new. An idempotent scan at
        `until` would meet only its own output. A scan that leaves earlier rules alone hides
        values between separators that stay, so they need no second pass for it: text dense
        with keyed secrets is read once, not twice.
        """
        last = unsettling = -1  # the last rule that hid something; of those, one that may
        # give an earlier rule something new
        lowered_of, lowered = text, lowered_text(text)
        at_until = RULES[until] if until < len(RULES) else None
        stop = until if isinstance(at_until, Scan) and at_until.idempotent else until + 1
        for index, rule in enumerate(RULES):
            if last < 0 and index >= stop:
                return text, last
            found = len(self._kinds)
            # Needles may be looked up in a lower-cased copy of an earlier text: masking only
            # removes text (a needle found there and gone now costs one search, nothing more).
            if rule.needles and not any(needle in lowered for needle in rule.needles):
                continue
            if isinstance(rule, Scan):
                if rule.lowered and lowered_of is not text:
                    lowered_of, lowered = text, lowered_text(text)
                text = self._scan(rule, text, lowered if rule.lowered else text)
            elif rule.pattern.search(text):
                text = rule.pattern.sub(partial(self._replace, rule), text)
            if len(self._kinds) > found:
                last = index
                if not (isinstance(rule, Scan) and rule.leaves_earlier_rules_alone):
                    unsettling = index
        if last < 0 and until <= len(RULES):  # the card numbers are rule `len(RULES)`
            return text, last
        found = len(self._kinds)
        text = CARD_RUN.sub(self._mask_card_run, text)
        return text, len(RULES) if len(self._kinds) > found else unsettling

    def _conceal(self, kind: str, category: str, value: str) -> str:
        self._findings[kind] += 1
        self._kinds.append(kind)
        return self._placeholder(category, value)

    def _placeholder(self, category: str, value: str) -> str:
        if category == USER:
            return "<USER>"
        slot = (category, value)
        placeholder = self._placeholders.get(slot)
        if placeholder is None:
            self._issued[category] += 1
            placeholder = f"<{category}_{self._issued[category]}>"
            self._placeholders[slot] = placeholder
        return placeholder

    def _replace(self, rule: Rule, match: re.Match[str]) -> str:
        value = match["value"]
        if is_placeholder(value) or (rule.accept is not None and not rule.accept(match)):
            return match[0]
        start, end = match.span("value")
        offset = match.start()
        placeholder = self._conceal(rule.kind, rule.category, value)
        return match[0][: start - offset] + placeholder + match[0][end - offset :]

    def _scan(self, rule: Scan, text: str, haystack: str) -> str:
        pieces: list[str] = []  # text kept and values found, in turn
        done = 0
        locate = rule.locate  # crafted text holds thousands of anchors
        for anchor_start, anchor_end in rule.find(haystack):
            if anchor_start < done:  # inside a secret just hidden: never read twice
                continue
            span = locate(text, anchor_start, anchor_end)
            if span is None or span[0] < done:  # nothing here, or overlapping the last one
                continue
            start, end = span
            pieces += (text[done:start], text[start:end])
            done = end
        if not pieces:
            return text  # the same object: `_mask_text` knows its lower-cased copy still holds
        values = pieces[1::2]
        self._findings[rule.kind] += len(values)
        self._kinds += [rule.kind] * len(values)
        pieces[1::2] = [self._placeholder(rule.category, value) for value in values]
        pieces.append(text[done:])
        return "".join(pieces)

    def _mask_card_run(self, match: re.Match[str]) -> str:
        run = match[0]
        if UUID_SHAPE.fullmatch(run):
            return run
        pieces: list[str] = []
        done = 0
        text, offset = match.string, match.start()
        for start, end in find_cards(run, lambda at: labelled_as_id(text, offset + at)):
            digits = run[start:end].replace(" ", "").replace("-", "")
            pieces += [run[done:start], self._conceal("card", CARD, digits)]
            done = end
        pieces.append(run[done:])
        return "".join(pieces)
