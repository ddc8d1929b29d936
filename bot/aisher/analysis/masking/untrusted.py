"""Making telemetry text safe to show in Slack mrkdwn or a terminal, and cutting it to size.

`strip_control` removes what would act on whoever reads the text rather than be read: ANSI
escape sequences (colours, clearing the screen, OSC 8 hyperlinks), other C0 and C1 control
characters, bidi overrides and lone surrogates. The Slack renderer and the terminal renderer
both build on it.

Telemetry is untrusted: an exception message can carry `<!channel>`, `<@U024BE7LH>`,
`<!subteam^S012>` or `<https://evil.example|click>`, and Slack would ping or link for them.
`neutralise_mrkdwn` escapes the three characters Slack parses as control characters (`&`, `<`,
`>`; only these, since Slack decodes no other entity), defuses bare `@here`, `@channel`,
`@everyone` and `@handle` that Slack link-ifies in text objects that are not `verbatim`, and
splits runs of backticks so the text cannot close a code block it is shown in.
`truncate_text` shortens text on a character boundary that splits no escape, combining mark
or emoji sequence.
"""

from __future__ import annotations

import re
import unicodedata

ELLIPSIS = "…"
# Invisible, and enough to stop Slack reading `@here` or "```" as syntax.
_ZERO_WIDTH_SPACE = "\u200b"
_ZERO_WIDTH_JOINER = "\u200d"
_BARE_MENTION = re.compile(r"(?<![\w.+\-])@(?=\w)")  # an email's `@` follows a word character
_BACKTICK_PAIR = re.compile(r"`(?=`)")
_ESCAPE = re.compile(r"&(?:amp|lt|gt);")

# CSI (colours, cursor moves), OSC (window titles, hyperlinks; ended by BEL or ESC \ or, when a
# writer forgot the terminator, by the end of the line) and the other two-byte ESC sequences.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-Z\\-_]"
)
# C0 except tab and newline, DEL, C1, and the bidi embeddings, overrides and isolates that can
# make text read differently from what it is (Trojan Source).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def strip_control(text: str) -> str:
    """The text without control characters, ANSI escapes, bidi overrides or lone surrogates.

    Newlines and tabs stay; a lone carriage return becomes a newline.
    """
    if _SURROGATE.search(text):
        # Joins surrogate pairs into their character and replaces lone halves with U+FFFD.
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", _ANSI.sub("", text))


def escape_mrkdwn(text: str) -> str:
    """The text with `&`, `<` and `>` replaced by the entities Slack expects."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def neutralise_mrkdwn(text: str, limit: int | None = None) -> str:
    """Telemetry text that Slack shows as written: no mentions, links or broken code blocks.

    With `limit`, the result is cut to at most that many characters after escaping, so the
    escapes count towards Slack's limit and are never split.
    """
    text = escape_mrkdwn(text)
    text = _BARE_MENTION.sub("@" + _ZERO_WIDTH_SPACE, text)
    text = _BACKTICK_PAIR.sub("`" + _ZERO_WIDTH_SPACE, text)
    return text if limit is None else truncate_text(text, limit)


def truncate_text(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """The text if it fits in `limit` characters, else its start and `ellipsis` within `limit`."""
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return ellipsis[:limit]
    cut = _boundary_before(text, limit - len(ellipsis))
    return text[:cut].rstrip() + ellipsis


def _boundary_before(text: str, cut: int) -> int:
    """The largest position ≤ `cut` that splits neither a character nor an `&amp;`-style escape."""
    while cut > 0 and (_extends_previous(text[cut]) or text[cut - 1] == _ZERO_WIDTH_JOINER):
        cut -= 1
    # Flags are pairs of regional indicators; an odd count before the cut splits one.
    indicators = 0
    while indicators < cut and _is_regional_indicator(text[cut - 1 - indicators]):
        indicators += 1
    if indicators % 2 and _is_regional_indicator(text[cut]):
        cut -= 1
    escape = _ESCAPE.search(text, max(0, cut - 4), cut + 4)
    if escape is not None and escape.start() < cut < escape.end():
        cut = escape.start()
    return cut


def _extends_previous(char: str) -> bool:
    """Whether the character belongs to the one before it (a mark, joiner, modifier, low
    surrogate), so cutting before it would split what the reader sees as one character."""
    return (
        unicodedata.category(char) in {"Mn", "Mc", "Me"}
        or char == _ZERO_WIDTH_JOINER
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin-tone modifiers
        or "\U000e0020" <= char <= "\U000e007f"  # emoji tag sequences
        or "\udc00" <= char <= "\udfff"
    )


def _is_regional_indicator(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"
