"""Untrusted text made safe for a terminal: shown as written, never acting on the terminal.

Span names, exception types, log bodies, stack traces and LLM answers come from outside: an
ANSI escape in them could clear the screen, recolour or hide what follows, or plant an OSC 8
hyperlink; a newline could start a line that looks like Aisher's own ("Root cause (high
confidence): …"); a 100 KB name would bury everything else. Every human-facing terminal output
(the text report, the CLI's error line) passes its untrusted parts through one of these:

    one_line    a name or short field: line breaks shown as ⏎, cut with … at `limit`
    prose       sentences: line breaks and runs of spaces become one space, cut with …
    block       multi-line text (a stack trace): its lines kept, each cut, at most `max_lines`
    error_line  an exception's message as the one line the CLI prints

Control characters are removed by `strip_control`, which the Slack renderer uses too.
"""

from __future__ import annotations

from aisher.analysis.masking import strip_control, truncate_text

NAME_LIMIT = 200
PROSE_LIMIT = 1000
MESSAGE_LIMIT = 2000
LINE_BREAK = "⏎"
# What `strip_control` leaves that would still break a line or a column: newlines, tabs, and
# the Unicode line and paragraph separators some terminals and pagers honour.
_ONE_LINE = str.maketrans({"\n": LINE_BREAK, "\u2028": LINE_BREAK, "\u2029": LINE_BREAK, "\t": " "})


def one_line(text: str, limit: int = NAME_LIMIT) -> str:
    """A name or short field as one terminal line: no control characters, line breaks shown as
    a visible ⏎ (so a name that hides one cannot pose as a line of its own), cut with …"""
    return truncate_text(strip_control(text).strip().translate(_ONE_LINE), limit)


def prose(text: str, limit: int = PROSE_LIMIT) -> str:
    """Sentences (a summary, a note, a log body) as one terminal line, whitespace collapsed."""
    return truncate_text(" ".join(strip_control(text).split()), limit)


def block(text: str, *, max_lines: int, line_limit: int = NAME_LIMIT) -> list[str]:
    """Multi-line text (a stack trace) as lines: control characters gone, newlines kept, each
    line cut to `line_limit`, and at most `max_lines` lines, the last saying how many were left
    out."""
    lines = strip_control(text).expandtabs(4).strip("\n").split("\n")
    shown = [
        truncate_text(line.rstrip().translate(_ONE_LINE), line_limit) for line in lines[:max_lines]
    ]
    hidden = len(lines) - len(shown)
    if hidden > 0:
        shown[-1] = f"… {hidden + 1:,} more lines"
    return shown


def error_line(error: BaseException) -> str:
    """The error's message as one line for stderr: no control characters, at most
    `MESSAGE_LIMIT` characters, whatever telemetry or input the message echoes."""
    return one_line(str(error), MESSAGE_LIMIT)
