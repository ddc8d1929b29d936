"""Masking throughput on ordinary telemetry and on text crafted to be slow (MB/s, and the ratio).

Ordinary: the distinct messages, stack traces and attribute values of the demo's error-span
corpus, each masked as the engine masks it. Adversarial: each crafted unit (`key=`,
`password:`, `-----BEGIN PRIVATE KEY-----`, …) repeated into one value just under the masking
length cap — the worst a single telemetry string can do. Before masking was made linear, one
such value took minutes. Target: the slowest adversarial text within 5× of ordinary text.

Throughput is measured in the CPU time of the measuring thread (best of a few runs): on a shared
machine wall time measures the neighbours, and the process's CPU time the embedded engine's
threads. The ratio pairs each crafted text with ordinary text of its size, measured
alternately, since the machine's speed drifts between the two otherwise.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence

from aisher.analysis.masking.masker import MAX_TEXT_CHARS, Masker
from aisher.bench.results import BenchResult
from aisher.demo import error_span_corpus

RATIO_TARGET = 5.0
# What makes a masking rule work hardest: anchors it must look around (keys, `://`, `@`,
# `-----BEGIN`), prefixes of tokens that never complete, digits in every grouping, values
# that are checked and refused. Shared with the property-based tests of the masker.
ADVERSARIAL_UNITS = (
    "key=", "password:", "-----BEGIN PRIVATE KEY-----", "cookie: a=", "://a:", "://a:b@",
    "a@b.", "@a.b", "eyJ", "eyJhbGciOi.", "sk-", "1 ", "1.", ":1", "+1 ", "4111 ", "123-45-",
    "(415) ", "token ", "auth token ", "bearer ", "basic ", "Password: must ", "mysql -p",
    "redis-cli -a ", "curl -u a:", "--password ", "login a password ", "<password>", "Q~",
    ":AA", "-us1", "AKIAABCDEFGHIJKLMNOP ", "password=f(", "password=\"", '\\"', "DE89 ",
    "/home/", "thin:a/", "k_live_", "xoxb-", "ghp_", "hf_", "SG.", "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8",
    "Cookie: <SECRET_1>", "<SECRET_1>", "::", "%",
    # Dense: a key that is no secret, a secret or an address every few characters.
    "cv ", "key ", "token=a ", "pwd='", "password=a&", "token:a ", "::1 ", "10.0.0.1 ",
)  # fmt: skip
DIGIT_GROUPS = "<random four-digit groups>"
_ADVERSARIAL_CHARS = MAX_TEXT_CHARS - 1024


def ordinary_texts(spans: int) -> list[str]:
    """The distinct texts of `spans` generated error spans: what the engine masks."""
    texts: list[str] = []
    for span in error_span_corpus(spans, seed=7):
        texts += [span.operation, span.status_message]
        texts += [
            text
            for exception in span.exceptions
            for text in (exception.message, exception.stacktrace)
        ]
        texts += [f"{key}={value}" for key, value in span.attributes.items()]
    return list(dict.fromkeys(text for text in texts if text))


def adversarial_text(unit: str, chars: int = _ADVERSARIAL_CHARS) -> str:
    """`unit` repeated to `chars` characters; `DIGIT_GROUPS` is random four-digit groups, the
    costliest text for card numbers (each group may start one, and each candidate differs)."""
    if unit == DIGIT_GROUPS:
        rng = random.Random(5)
        return " ".join(f"{rng.randrange(2000, 7000)}" for _ in range(chars // 5))
    return unit * (chars // len(unit))


def throughput(texts: Sequence[str], repeats: int) -> float:
    """MB/s of CPU time masking the texts with a fresh masker, best of `repeats` runs."""
    return _size(texts) / _best_seconds(texts, repeats) / 1e6


def ordinary_sample(texts: Sequence[str], chars: int = _ADVERSARIAL_CHARS) -> list[str]:
    """About `chars` characters of ordinary texts, taken at a stride through all of them so
    the sample mixes short names, messages and stack traces as the whole corpus does."""
    stride = max(1, _size(texts) // chars)
    return list(texts[::stride])


def measure(spans: int, repeats: int) -> BenchResult:
    """Throughput on the texts of `spans` generated error spans and on every crafted text, each
    the best of `repeats` runs.

    The ratio is taken per crafted text against a sample of ordinary text of about its size,
    the two measured alternately: a shared machine slows down and speeds up over seconds, and
    a slow spell must not fall on one side of a ratio only.
    """
    result = BenchResult("masking_throughput")
    texts = ordinary_texts(spans)
    ordinary = throughput(texts, repeats)
    sample = ordinary_sample(texts)
    per_unit: dict[str, float] = {}
    ratios: dict[str, float] = {}
    for unit in (*ADVERSARIAL_UNITS, DIGIT_GROUPS):
        crafted = [adversarial_text(unit)]
        ordinary_best = crafted_best = float("inf")
        for _ in range(repeats):
            ordinary_best = min(ordinary_best, _best_seconds(sample, 1))
            crafted_best = min(crafted_best, _best_seconds(crafted, 1))
        per_unit[unit] = _size(crafted) / crafted_best / 1e6
        ratios[unit] = (_size(sample) / ordinary_best) / (_size(crafted) / crafted_best)
    worst_unit = max(ratios, key=ratios.__getitem__)
    result.add("masking throughput, ordinary telemetry (CPU)", ordinary, "MB/s",
               higher_is_better=True)  # fmt: skip
    result.add("masking throughput, slowest adversarial text (CPU)", per_unit[worst_unit],
               "MB/s", higher_is_better=True)  # fmt: skip
    result.add("ordinary ÷ slowest adversarial throughput", ratios[worst_unit], "ratio",
               target=RATIO_TARGET)  # fmt: skip
    result.details.update(
        slowest_unit=worst_unit,
        adversarial_text_chars=len(adversarial_text(worst_unit)),
        ordinary_sample_chars=_size(sample),
        adversarial_mb_per_s={unit: round(value, 2) for unit, value in per_unit.items()},
        ratio_per_unit={unit: round(value, 2) for unit, value in ratios.items()},
        growth_8x=round(_growth(worst_unit), 1),
    )
    return result


def _size(texts: Sequence[str]) -> int:
    return sum(len(text) for text in texts)


def _best_seconds(texts: Sequence[str], repeats: int) -> float:
    """The least CPU time of `repeats` fresh maskers masking the texts."""
    best = float("inf")
    for _ in range(repeats):
        masker = Masker()
        started = time.thread_time()
        for text in texts:
            masker.mask(text)
        best = min(best, time.thread_time() - started)
    return max(best, 1e-9)


def _growth(unit: str) -> float:
    """How much longer the slowest unit takes at 8× the size (linear: 8, quadratic: 64)."""
    small = adversarial_text(unit, _ADVERSARIAL_CHARS // 8)
    large = adversarial_text(unit, _ADVERSARIAL_CHARS)
    return throughput([small], 3) / throughput([large], 3) * len(large) / len(small)


async def run_masking_bench(spans: int, repeats: int) -> BenchResult:
    """The masking benchmark, off the event loop: it is all CPU."""
    return await asyncio.to_thread(measure, spans, repeats)
