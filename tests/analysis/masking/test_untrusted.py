"""Telemetry text shown in Slack can neither ping nor link anyone, and is cut cleanly."""

from __future__ import annotations

import pytest

from aisher.analysis.masking.untrusted import (
    ELLIPSIS,
    escape_mrkdwn,
    neutralise_mrkdwn,
    truncate_text,
)

SPECIAL_SEQUENCES = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<@U024BE7LH>",
    "<@W0123ABCD>",
    "<@U024BE7LH|alice>",
    "<#C024BE7LR>",
    "<#C024BE7LR|general>",
    "<!subteam^SAZ94GDB8>",
    "<!subteam^SAZ94GDB8|@oncall>",
    "<!date^1392734382^{date_pretty}|Feb 18>",
    "<https://evil.example/login|reset your password>",
    "<mailto:a@example.com|support>",
]


class TestEscapeMrkdwn:
    def test_escapes_the_three_control_characters(self) -> None:
        """`&`, `<` and `>` become the entities Slack decodes."""
        assert escape_mrkdwn("a & b < c > d") == "a &amp; b &lt; c &gt; d"

    def test_escapes_existing_entities_again(self) -> None:
        """Entities already in telemetry show literally instead of turning into markup."""
        assert escape_mrkdwn("&lt;!channel&gt;") == "&amp;lt;!channel&amp;gt;"

    def test_leaves_other_characters_alone(self) -> None:
        """Quotes, apostrophes and formatting characters are not HTML-escaped."""
        text = 'can\'t "parse" *bold* _it_ ~x~ 100%'
        assert escape_mrkdwn(text) == text


class TestNeutraliseMrkdwn:
    @pytest.mark.parametrize("sequence", SPECIAL_SEQUENCES)
    def test_special_sequences_lose_their_meaning(self, sequence: str) -> None:
        """Mentions, channel links, group pings, dates and links from telemetry stay text."""
        out = neutralise_mrkdwn(f"error: {sequence} failed")
        assert "<" not in out
        assert ">" not in out
        assert sequence not in out

    @pytest.mark.parametrize("word", ["here", "channel", "everyone", "alice", "U024BE7LH"])
    def test_bare_mentions_are_defused(self, word: str) -> None:
        """`@here` and `@handle` written without brackets cannot be link-ified either."""
        out = neutralise_mrkdwn(f"ping @{word} now")
        assert f"@{word}" not in out
        assert out.replace("\u200b", "") == f"ping @{word} now"

    def test_emails_keep_their_at_sign(self) -> None:
        """The `@` inside an email address is not a mention and stays as written."""
        assert neutralise_mrkdwn("mail <EMAIL_1> or bob@example.com") == (
            "mail &lt;EMAIL_1&gt; or bob@example.com"
        )

    def test_backticks_cannot_close_a_code_block(self) -> None:
        """Runs of backticks are split so telemetry cannot end the block it is shown in."""
        out = neutralise_mrkdwn("x ``` *bold* ```` y")
        assert "``" not in out
        assert out.replace("\u200b", "") == "x ``` *bold* ```` y"

    def test_limit_counts_escapes_and_never_splits_one(self) -> None:
        """With a limit the escaped text fits it and no `&lt;` is cut in half."""
        out = neutralise_mrkdwn("<" * 10, limit=12)
        assert len(out) <= 12
        assert out == "&lt;&lt;" + ELLIPSIS

    def test_plain_text_is_unchanged(self) -> None:
        """Ordinary telemetry passes through as it was."""
        text = "HTTP 503 from payment-svc after 30000ms (trace 4bf92f3577b34da6)"
        assert neutralise_mrkdwn(text) == text


class TestTruncateText:
    def test_short_text_is_unchanged(self) -> None:
        """Text within the limit, including exactly at it, comes back as it was."""
        assert truncate_text("abc", 3) == "abc"
        assert truncate_text("", 0) == ""

    def test_long_text_ends_with_an_ellipsis_within_the_limit(self) -> None:
        """A cut text is at most `limit` characters including the ellipsis."""
        out = truncate_text("x" * 50, 10)
        assert out == "x" * 9 + ELLIPSIS

    def test_trailing_space_before_the_ellipsis_is_dropped(self) -> None:
        """The ellipsis follows the last word, not a dangling space."""
        assert truncate_text("hello world again", 7) == "hello" + ELLIPSIS

    @pytest.mark.parametrize(
        ("text", "limit", "expected"),
        [
            ("cafe\u0301 au lait", 5, "caf" + ELLIPSIS),  # e + combining acute stays whole
            ("ab\U0001f469\u200d\U0001f4bbcd", 5, "ab" + ELLIPSIS),  # ZWJ emoji sequence
            ("a\U0001f44d\U0001f3fdbc", 3, "a" + ELLIPSIS),  # emoji + skin tone
            ("a\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea", 3, "a" + ELLIPSIS),  # flags are pairs
            ("a\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea", 4, "a\U0001f1eb\U0001f1f7" + ELLIPSIS),
            ("a &amp; b", 5, "a" + ELLIPSIS),  # an escape is never cut
        ],
    )
    def test_cuts_on_a_character_boundary(self, text: str, limit: int, expected: str) -> None:
        """The cut never splits what a reader sees as one character, nor an escape."""
        assert truncate_text(text, limit) == expected

    def test_custom_ellipsis(self) -> None:
        """Another ellipsis can be given and counts towards the limit."""
        assert truncate_text("abcdefgh", 6, ellipsis="...") == "abc..."

    def test_limit_smaller_than_the_ellipsis(self) -> None:
        """A limit too small for any text returns as much of the ellipsis as fits."""
        assert truncate_text("abcdef", 1) == ELLIPSIS
        assert truncate_text("abcdef", 0) == ""

    def test_negative_limit_is_rejected(self) -> None:
        """A negative limit is a programming error."""
        with pytest.raises(ValueError, match="negative"):
            truncate_text("abc", -1)
