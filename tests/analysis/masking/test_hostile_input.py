"""Telemetry is hostile input: crafted text costs linear time, huge values are cut, and masking
masked text changes nothing."""

from __future__ import annotations

import time

import pytest

from aisher.analysis.masking import personal_data, rule
from aisher.analysis.masking.keyed import keyed_anchors
from aisher.analysis.masking.masker import MAX_TEXT_CHARS, Masker, cut_to_limit

# The inputs that made one mask call take minutes: each anchor re-read the rest of the text.
CRAFTED = ("key=", "password:", "-----BEGIN PRIVATE KEY-----", "cookie: a=")
SMALL = 4 * 1024  # and 8× that, both below the length cap
GROWTH, QUADRATIC_FREE = 8, 20  # linear growth is 8×, quadratic 64×


def cpu_seconds(text: str, repeats: int = 5) -> float:
    """The least CPU time of a few fresh maskers on the text: the least is the least noisy."""
    best = float("inf")
    for _ in range(repeats):
        masker = Masker()
        started = time.process_time()
        masker.mask(text)
        best = min(best, time.process_time() - started)
    return max(best, 1e-6)


def growth(unit: str, small: int = SMALL) -> float:
    """How much longer masking `unit` repeated takes when the text grows eightfold."""
    times = small // len(unit)
    return cpu_seconds(unit * times * GROWTH) / cpu_seconds(unit * times)


class TestLinearTime:
    @pytest.mark.parametrize("unit", CRAFTED)
    def test_crafted_repetition_grows_linearly(self, unit: str) -> None:
        """Eight times the crafted text costs far less than sixty-four times the time."""
        ratio = growth(unit)
        if ratio > QUADRATIC_FREE:  # one more look, in case the scheduler got in the way
            ratio = min(ratio, growth(unit))
        assert ratio <= QUADRATIC_FREE, f"{unit!r}: {ratio:.1f}x for {GROWTH}x the text"

    def test_crafted_repetition_is_still_masked(self) -> None:
        """Linear time does not come from giving up: the crafted values are still hidden."""
        masker = Masker()
        assert "hunter2" not in masker.mask("password: hunter2 " * 2000)
        assert masker.mask("cookie: a=b; sid=s3cr3t\n" * 500).count("s3cr3t") == 0


class TestDenseText:
    """Crafted text repeats one key or one secret thousands of times: each costs little."""

    def test_stems_of_a_key_that_is_no_secret_are_not_looked_at(self) -> None:
        assert keyed_anchors("key=" * 2000) == []
        assert keyed_anchors("cv " * 2000) == []

    def test_stems_of_secret_keys_are_all_kept(self) -> None:
        text = "key=1 token=a " * 300
        anchors = keyed_anchors(text)
        assert len(anchors) == 300
        assert {text[start:end] for start, end in anchors} == {"token"}
        rule.forget_runs()

    def test_every_repeated_secret_is_hidden(self) -> None:
        masked = Masker().mask("key=1 token=a1 pwd='s3cr3t' 10.1.2.3 " * 500)
        assert "a1" not in masked
        assert "s3cr3t" not in masked
        assert "10.1.2.3" not in masked
        assert masked.count("key=1 ") == 500

    def test_nothing_read_from_a_text_outlives_its_mask_call(self) -> None:
        """The per-text caches (runs, lowered copies, address verdicts) are emptied."""
        Masker().mask("password=hunter2 fe80::1:2 10.1.2.3 key=" * 100)
        caches = (rule.token_runs, rule.capital_runs, rule.key_characters, rule.lowered)
        assert all(cache.cache_info().currsize == 0 for cache in caches)
        verdicts = (personal_data._is_identifying_ipv4, personal_data._is_identifying_ipv6)
        assert all(cache.cache_info().currsize == 0 for cache in verdicts)


class TestLengthCap:
    def test_a_huge_value_is_cut_with_a_marker(self) -> None:
        """An 80 KB exception message is cut to the cap and says how much was cut."""
        text = "key=" * 20_000
        masked = Masker().mask(text)
        assert len(masked) < MAX_TEXT_CHARS + 64
        assert masked.endswith("characters cut before masking]")
        assert str(len(text) - MAX_TEXT_CHARS) in masked[-64:]

    def test_the_cut_backs_off_to_whitespace(self) -> None:
        """A cut never splits a token: a secret straddling the cap is dropped whole."""
        token = "ghp_" + "A1b2C3d4E5" * 4
        text = "x " * (MAX_TEXT_CHARS // 2 - 10) + token + " tail"
        cut = cut_to_limit(text)
        assert token[:8] not in cut
        assert cut.startswith("x x x")

    def test_short_text_is_not_cut(self) -> None:
        """Text within the cap passes whole."""
        text = "y" * MAX_TEXT_CHARS
        assert cut_to_limit(text) is text

    def test_cut_text_is_not_cut_again(self) -> None:
        """Masking a cut and masked text again leaves it as it is."""
        masker = Masker()
        once = masker.mask("x@a.io " * 20_000)
        assert len(once) > MAX_TEXT_CHARS  # placeholders are longer than what they replace
        assert masker.mask(once) == once


class TestIdempotence:
    @pytest.mark.parametrize(
        "text",
        [
            "Cookie: <SECRET_3><SECRET_4>}<IP_2>",
            "Set-Cookie: <SECRET_1>",
            "password=<SECRET_1><SECRET_2>",
            "password='<SECRET_1>",
            "postgres://app:<SECRET_1>@db.internal:5432/orders",
            "auth token <SECRET_7> rejected",
            "card <CARD_1> orderId=4024007136512380",
        ],
    )
    def test_masked_text_is_left_as_it_is(self, text: str) -> None:
        """Text that is already masked holds nothing more to hide."""
        masker = Masker()
        assert masker.mask(text) == text
        assert masker.findings == {}

    @pytest.mark.parametrize(
        "text",
        [
            "password={password={",  # found by hypothesis on the code before these fixes
            "{cookie={{{{{<IP_2>;}",
            "Cookie: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlMTIz; sid=abc9",
            "a@example.coma@example.comeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            "c2lnbmF0dXJlMTIza@example.com",
            "cookie={{}token: }/home/bob/x<SECRET_3>}sk-proj-Ab3dEfGh1JkLmN0pQrStUvWx",
            "{cookie={{{{{<IP_2>;}" * 50,  # dense: the keyed scan runs once, not twice
            # A prose value ran into a key whose value the same pass hid (hypothesis, text × 20).
            "auth token 0000000password=slack_sdk.errors.SlackApiError: invalid_auth",
        ],
    )
    def test_masking_twice_equals_masking_once(self, text: str) -> None:
        """A second pass over masked text finds nothing new."""
        masker = Masker()
        once = masker.mask(text)
        assert masker.mask(once) == once
        assert Masker().mask(once) == once
