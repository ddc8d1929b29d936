"""Untrusted text made safe for a terminal: no escapes, no forged lines, no endless names."""

from __future__ import annotations

import re

from aisher.errors import UnknownServiceError
from aisher.render.safe_text import LINE_BREAK, MESSAGE_LIMIT, block, error_line, one_line, prose

# Everything a terminal would act on rather than show: CSI, OSC 8, 8-bit CSI, C0, C1, bidi.
UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
HOSTILE = (
    "\x1b[2J\x1b[H\x1b[31mpayment\x1b[0m"
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\"
    "\x9b1A\x07\x00\u202eevil\u202c"
)


class TestOneLine:
    def test_escape_sequences_and_controls_are_removed(self) -> None:
        """Colours, screen clears, OSC 8 links, C0/C1 controls and bidi overrides disappear."""
        assert one_line(HOSTILE) == "paymentclickevil"

    def test_a_hidden_line_break_shows_as_a_mark(self) -> None:
        """A newline in a name becomes a visible ⏎, so the name cannot start a line of its own."""
        text = one_line("POST /x\nRoot cause (high confidence): frontend\r\nand more")
        assert "\n" not in text
        assert text.split(LINE_BREAK) == [
            "POST /x",
            "Root cause (high confidence): frontend",
            "and more",
        ]

    def test_unicode_line_separators_and_tabs_stay_on_the_line(self) -> None:
        """U+2028/U+2029 become ⏎ and a tab a space, so no column or line breaks."""
        assert one_line("a\u2028b\u2029c\td") == f"a{LINE_BREAK}b{LINE_BREAK}c d"

    def test_a_huge_name_is_cut_with_an_ellipsis(self) -> None:
        """A 100 KB name comes out at the limit, ending in …"""
        text = one_line("svc-" + "x" * 100_000, 200)
        assert len(text) == 200
        assert text.endswith("…")

    def test_lone_surrogates_cannot_break_printing(self) -> None:
        """A lone surrogate (undecodable telemetry) becomes U+FFFD and encodes as UTF-8."""
        assert one_line("a\ud800b").encode("utf-8") == "a\ufffdb".encode()


class TestProse:
    def test_line_breaks_become_spaces(self) -> None:
        """Sentences keep reading as sentences: breaks and runs of spaces are one space."""
        assert prose("Payment fails.\n\nRoot cause (high confidence): x\t y") == (
            "Payment fails. Root cause (high confidence): x y"
        )

    def test_prose_is_stripped_and_cut(self) -> None:
        """Control characters go and long prose is cut at its limit."""
        text = prose(HOSTILE + " word" * 1000, 300)
        assert not UNSAFE.search(text)
        assert len(text) == 300


class TestBlock:
    def test_stack_trace_keeps_its_lines_but_not_its_controls(self) -> None:
        """A stack trace stays multi-line; each line loses escapes and bidi overrides."""
        trace = 'Traceback:\n  File "a.py", line 1\x1b[2J\n\tKeyError: \u202ex\r\n'
        assert block(trace, max_lines=10) == [
            "Traceback:",
            '  File "a.py", line 1',
            "    KeyError: x",
        ]

    def test_long_traces_say_how_much_is_left_out(self) -> None:
        """At most `max_lines` lines, the last counting those not shown; each line is cut."""
        lines = block("\n".join("y" * 500 for _ in range(100)), max_lines=5, line_limit=80)
        assert len(lines) == 5
        assert lines[-1] == "… 96 more lines"
        assert all(len(line) <= 80 for line in lines)


class TestErrorLine:
    def test_error_messages_are_one_bounded_clean_line(self) -> None:
        """An error echoing hostile telemetry prints as one line without escapes, capped."""
        error = UnknownServiceError("pay", [HOSTILE + "\n" + "z" * 100_000], 3)
        line = error_line(error)
        assert "\n" not in line
        assert not UNSAFE.search(line)
        assert len(line) <= MESSAGE_LIMIT

    def test_an_unbounded_message_is_capped(self) -> None:
        """Whatever an error says, the line is at most `MESSAGE_LIMIT` characters."""
        assert len(error_line(ValueError("v" * 100_000))) == MESSAGE_LIMIT
