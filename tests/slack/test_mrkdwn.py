"""Untrusted text reaches Slack inert: escaped, defused, without hidden bytes, cut with a marker."""

from __future__ import annotations

import pytest

from aisher.analysis.masking import strip_control
from aisher.slack.mrkdwn import (
    FENCE,
    MIN_MARKED_LIMIT,
    code_block,
    code_blocks,
    cut_marker,
    cut_mrkdwn,
    cut_text,
    inline_code,
    inline_text,
    link,
    plain_text,
    service_ref,
    trace_ref,
)

MARKUP = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<#C1>",
    "<https://evil.example|click>",
    "<!subteam^S012|@oncall>",
]


class TestStripControl:
    def test_keeps_newlines_and_tabs(self) -> None:
        """Line structure and indentation survive."""
        assert strip_control("a\n\tb") == "a\n\tb"

    def test_removes_c0_c1_and_del(self) -> None:
        """NUL, bell, backspace, DEL and C1 controls disappear."""
        assert strip_control("a\x00b\x07c\x08d\x7fe\x85f\x9cg") == "abcdefg"

    def test_removes_ansi_escapes_whole(self) -> None:
        """Colour codes, cursor moves and OSC titles leave no `[31m` debris behind."""
        text = "\x1b[1;31mred\x1b[0m \x1b[2K\x1b]0;title\x07ok \x1b]8;;http://x\x1b\\link \x1bMz"
        assert strip_control(text) == "red ok link z"

    def test_removes_bidi_overrides(self) -> None:
        """Embeddings, overrides and isolates cannot reorder what the reader sees."""
        text = "a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069j"
        assert strip_control(text) == "abcdefghij"

    def test_carriage_returns_become_newlines(self) -> None:
        """CRLF and lone CR both end a line once."""
        assert strip_control("a\r\nb\rc") == "a\nb\nc"

    def test_lone_surrogates_are_replaced(self) -> None:
        """A lone surrogate (invalid UTF-8 for Slack) becomes U+FFFD; a valid pair joins."""
        assert strip_control("a\ud800b") == "a\ufffdb"
        assert strip_control("\ud83d\ude00") == "\U0001f600"

    def test_unterminated_osc_stops_at_the_line_end(self) -> None:
        """A broken OSC sequence swallows at most the rest of its own line."""
        assert strip_control("\x1b]0;never ended\nnext") == "\nnext"


class TestCutText:
    def test_short_text_is_unchanged(self) -> None:
        """Text within the limit, including exactly at it, comes back as it was."""
        assert cut_text("x" * 200, 200) == "x" * 200

    def test_long_text_ends_with_a_marker_within_the_limit(self) -> None:
        """The cut text fits and says how much was left out."""
        out = cut_text("x" * 10_000, 300)
        assert len(out) <= 300
        hidden = 10_000 - out.index("…")
        assert out.endswith(cut_marker(hidden))
        assert "(cut, 9," in out

    def test_marker_counts_an_escape_as_one_character(self) -> None:
        """`&lt;` left out counts as the one `<` the reader would have seen."""
        out = cut_text("a" * 300 + "&lt;" * 100, 300)
        assert out.endswith(cut_marker(len("a" * 300 + "<" * 100) - out.index("…")))

    def test_never_splits_an_escape(self) -> None:
        """The cut falls before an entity, never inside it."""
        for limit in range(MIN_MARKED_LIMIT, MIN_MARKED_LIMIT + 8):
            head = cut_text("&lt;" * 200, limit).split("…")[0]
            assert head == "&lt;" * (len(head) // 4)

    def test_never_splits_an_emoji_sequence(self) -> None:
        """A ZWJ emoji sequence stays whole at the cut."""
        family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
        for limit in range(MIN_MARKED_LIMIT, MIN_MARKED_LIMIT + 10):
            head = cut_text(family * 100, limit).split("…")[0]
            assert head == family * (len(head) // len(family))

    def test_short_limits_get_a_bare_ellipsis(self) -> None:
        """Below the marked limit the cut ends in "…" and still fits."""
        assert cut_text("abcdefghij", 5) == "abcd…"

    def test_singular_marker(self) -> None:
        """One character left out is one character."""
        assert cut_marker(1) == "… (cut, 1 more character)"


class TestCutMrkdwn:
    def test_closes_a_code_block_left_open(self) -> None:
        """Cutting inside a fence still leaves a closed code block."""
        out = cut_mrkdwn("title\n```\n" + "line\n" * 1000 + "```", 500)
        assert len(out) <= 500
        assert out.count(FENCE) == 2
        assert out.endswith("\n```")

    def test_leaves_balanced_text_alone(self) -> None:
        """Text without an open fence gets no closing fence."""
        out = cut_mrkdwn("y" * 1000, 400)
        assert FENCE not in out


class TestInlineText:
    @pytest.mark.parametrize("markup", MARKUP)
    def test_markup_cannot_come_from_data(self, markup: str) -> None:
        """Mentions, channel links and links in telemetry stay text."""
        out = inline_text(f"error {markup} here", 500)
        assert "<" not in out
        assert ">" not in out

    def test_collapses_lines_and_strips_controls(self) -> None:
        """Newlines, tabs and escape codes cannot break the line it is shown on."""
        assert inline_text("a\n\n b\t\x1b[31mc\x00", 100) == "a b c"

    def test_cut_to_the_limit(self) -> None:
        """The escaped text fits the limit."""
        assert len(inline_text("<" * 5000, 400)) <= 400


class TestInlineCode:
    def test_backticks_cannot_end_the_code_span(self) -> None:
        """The only backticks are the two around the span."""
        out = inline_code("a`b```c", 100)
        assert out.count("`") == 2
        assert out.startswith("`")
        assert out.endswith("`")

    def test_empty_text_gives_nothing(self) -> None:
        """No empty `` pair for a missing value."""
        assert inline_code("  ", 100) == ""

    def test_fits_the_limit(self) -> None:
        """The span with its backticks is within the limit."""
        assert len(inline_code("x" * 1000, 50)) <= 50


class TestCodeBlock:
    def test_text_cannot_close_the_fence(self) -> None:
        """Backtick runs in the text are split: the block has exactly its own two fences."""
        out = code_block("before\n```\n<!channel>\n```after", 1000)
        assert out.startswith("```\n")
        assert out.endswith("\n```")
        assert out.count(FENCE) == 2
        assert "<!channel>" not in out

    def test_long_text_is_cut_inside_the_fence(self) -> None:
        """The marker sits inside the block, and the block fits the limit."""
        out = code_block("frame\n" * 2000, 1500)
        assert len(out) <= 1500
        assert "… (cut, " in out
        assert out.endswith("\n```")

    def test_empty_text_still_makes_a_block(self) -> None:
        """An empty stack trace shows as an empty block, not a broken fence."""
        assert code_block("", 100).count(FENCE) == 2


class TestCodeBlocks:
    def test_lines_are_packed_within_the_limit(self) -> None:
        """Many lines become several blocks, each within the limit and fenced."""
        blocks = code_blocks([f"line {i} " + "x" * 90 for i in range(200)], 2000, 200)
        assert len(blocks) > 1
        for block in blocks:
            assert len(block) <= 2000
            assert block.count(FENCE) == 2
        assert sum(block.count("line ") for block in blocks) == 200

    def test_each_line_is_one_line_and_cut(self) -> None:
        """A multi-line, huge log body takes a single cut line."""
        (block,) = code_blocks(["head\n" + "y" * 5000], 3000, 200)
        assert block.count("\n") == 2
        assert "… (cut, " in block


class TestPlainText:
    @pytest.mark.parametrize("markup", MARKUP)
    def test_angle_brackets_become_lookalikes(self, markup: str) -> None:
        """plain_text is shown literally, so brackets are swapped rather than escaped."""
        out = plain_text(markup, 150)
        assert "<" not in out
        assert ">" not in out
        assert "&lt;" not in out

    def test_cut_to_the_limit(self) -> None:
        """A header-length limit holds."""
        assert len(plain_text("z" * 1000, 150)) <= 150


class TestLinks:
    def test_link_text_is_escaped(self) -> None:
        """Link text from data cannot close the link or add markup."""
        assert link("https://s.example/x", "<!here>|a", 100) == (
            "<https://s.example/x|&lt;!here&gt;|a>"
        )

    def test_url_cannot_end_early(self) -> None:
        """`|` and `>` inside the URL are percent-encoded, `&` escaped."""
        out = link("https://s.example/a|b>c&d", "t", 100)
        assert out == "<https://s.example/a%7Cb%3Ec&amp;d|t>"

    def test_refs_without_signoz_are_text(self) -> None:
        """Without SigNoz's URL a trace id is code and a service is text: no link."""
        assert trace_ref("abc", None) == "`abc`"
        assert service_ref("<!channel>", None) == "&lt;!channel&gt;"

    def test_refs_with_signoz_link_to_it(self) -> None:
        """With SigNoz's URL the id and name link to their pages, encoded."""
        assert trace_ref("ab/c", "https://signoz.example/") == (
            "<https://signoz.example/trace/ab%2Fc|ab/c>"
        )
        assert service_ref("a b<", "https://signoz.example") == (
            "<https://signoz.example/services/a%20b%3C|a b&lt;>"
        )
