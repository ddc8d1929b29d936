"""Masking of secrets and personal data in telemetry before it reaches an LLM, the cache or Slack.

A `Masker` replaces every secret it recognises with a placeholder that is stable within the
instance: `<SECRET_n>` (keys, tokens, passwords, private keys), `<EMAIL_n>`, `<IP_n>`, `<CARD_n>`,
and `<USER>` for the user name in a home-directory path. Use one masker per report, so the same
token in a log line and in a stack trace reads as the same placeholder. Masking masked text
changes nothing. `findings` counts what was masked per kind, never the values.

Recognised by shape: vendor keys and tokens (OpenAI, Anthropic, AWS key ids, Slack, GitHub,
GitLab, Stripe, Google), JWTs, PEM private keys, `Bearer`/`Basic` credentials, passwords in URLs,
emails, IPv4/IPv6 addresses (loopback and unspecified ones stay), Luhn-valid card numbers with a
card-network first digit, home-directory user names. Recognised by name: the value after any
key that looks like a secret (`password=`, `"api_key": "…"`, `X-Api-Key: …`, `?token=…`,
`<password>…</password>`) and every attribute whose key looks like one (`db.password`,
`http.request.header.authorization`). Trace and span ids, UUIDs, versions, ports, status codes
and line numbers are left alone because the analysis cites them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Mapping
from functools import partial
from typing import TypeVar

from aisher.analysis.masking.rules import (
    ASCII_LOWER,
    CARD,
    CARD_RUN,
    DIGIT_GROUP,
    EMAIL,
    INERT,
    IP,
    PLACEHOLDER,
    RULES,
    SCHEME,
    SECRET,
    USER,
    UUID_SHAPE,
    Rule,
    Scan,
    card_end,
)
from aisher.analysis.masking.secret_keys import is_secret_key

# Part of every cache key: an answer built from differently masked evidence must not be served.
# Bump it whenever a rule (masking_rules.py, secret_keys.py) changes what is masked or how
# placeholders read.
MASKING_VERSION = "1"

_K = TypeVar("_K", bound=Hashable)
# Short strings (attribute values, messages) recur constantly; their results are remembered.
_MEMO_TEXT_LIMIT, _MEMO_ENTRIES = 256, 8192

__all__ = ["CARD", "EMAIL", "IP", "MASKING_VERSION", "SECRET", "USER", "Masker", "is_secret_key"]

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
        masked = self._mask_text(text)
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
        if INERT.fullmatch(credential) or PLACEHOLDER.fullmatch(credential):
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

    def _mask_text(self, text: str) -> str:
        lowered_of, lowered = text, text.translate(ASCII_LOWER)
        for rule in RULES:
            if isinstance(rule, Scan):
                if rule.lowered and lowered_of is not text:
                    lowered_of, lowered = text, text.translate(ASCII_LOWER)
                text = self._scan(rule, text, lowered if rule.lowered else text)
            elif (
                not rule.needles or any(needle in lowered for needle in rule.needles)
            ) and rule.pattern.search(text):
                text = rule.pattern.sub(partial(self._replace, rule), text)
        return CARD_RUN.sub(self._mask_card_run, text)

    def _conceal(self, kind: str, category: str, value: str) -> str:
        self._findings[kind] += 1
        self._kinds.append(kind)
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
        if PLACEHOLDER.fullmatch(value) or (rule.accept is not None and not rule.accept(match)):
            return match[0]
        start, end = match.span("value")
        offset = match.start()
        placeholder = self._conceal(rule.kind, rule.category, value)
        return match[0][: start - offset] + placeholder + match[0][end - offset :]

    def _scan(self, rule: Scan, text: str, haystack: str) -> str:
        pieces: list[str] = []
        done = 0
        for anchor_start, anchor_end in rule.find(haystack):
            span = rule.locate(text, anchor_start, anchor_end)
            if span is None or span[0] < done:  # nothing here, or inside a secret just hidden
                continue
            start, end = span
            pieces += [text[done:start], self._conceal(rule.kind, rule.category, text[start:end])]
            done = end
        if not pieces:
            return text  # the same object: `_mask_text` knows its lower-cased copy still holds
        pieces.append(text[done:])
        return "".join(pieces)

    def _mask_card_run(self, match: re.Match[str]) -> str:
        run = match[0]
        if UUID_SHAPE.fullmatch(run):
            return run
        groups = list(DIGIT_GROUP.finditer(run))
        pieces: list[str] = []
        done = index = 0
        while index < len(groups):
            end = card_end(groups, index)
            if end is None:
                index += 1
                continue
            digits = "".join(group[0] for group in groups[index:end])
            pieces += [run[done : groups[index].start()], self._conceal("card", CARD, digits)]
            done, index = groups[end - 1].end(), end
        pieces.append(run[done:])
        return "".join(pieces)
