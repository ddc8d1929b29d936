"""Telemetry text made safe for Slack: no mentions, links, broken code blocks or hidden bytes.

Every string that comes from telemetry (service and operation names, exception messages, log
bodies, stack traces, alert labels) and every string a user typed goes through one of the
functions here before it reaches a Block Kit payload:

    inline_text    one line of mrkdwn: escaped, mentions defused, whitespace collapsed, cut
    inline_code    the same inside `…`, with backticks swapped for a look-alike
    code_block     many lines inside a ``` fence that the text itself can neither close nor open
    code_blocks    lines packed into as few fenced blocks as a size limit allows
    plain_text     for `plain_text` objects (headers, button labels), which Slack never parses
    link           `<url|text>` with both halves escaped; `trace_ref`/`service_ref` for SigNoz

Escaping (`&`, `<`, `>`), defusing bare `@here` and splitting backtick runs is the job of
`aisher.analysis.masking` (`neutralise_mrkdwn`), and so is removing control characters, ANSI
escapes and bidi overrides and replacing lone surrogates (`strip_control`, shared with the
terminal renderer; Slack rejects payloads that are not valid UTF-8); this module adds cutting
with a marker that says how much was left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote

from aisher.analysis.masking import (
    escape_mrkdwn,
    neutralise_mrkdwn,
    strip_control,
    truncate_text,
)

FENCE = "```"
MIN_MARKED_LIMIT = 160
_FENCE_CLOSE = "\n" + FENCE
# Modifier letter grave accent: looks like a backtick, but Slack does not end inline code on it.
_BACKTICK_LOOKALIKE = "\u02cb"
# Single guillemets look like angle brackets in plain_text and can never be read as markup.
_ANGLE_LOOKALIKES = str.maketrans({"<": "\u2039", ">": "\u203a"})

_ENTITY = re.compile(r"&(?:amp|lt|gt);")
_INVISIBLE = "\u200b"


def cut_text(text: str, limit: int) -> str:
    """The text if it fits in `limit` characters, else its start and a marker within `limit`.

    The marker says how many characters were left out ("… (cut, 9,990 more characters)"); the
    cut never splits an `&lt;`-style escape or a character. Escapes count as one character in
    the marker, since that is what the reader would have seen. Below `MIN_MARKED_LIMIT` (names,
    headers) the marker would take most of the room, so a bare "…" marks the cut instead.
    """
    if len(text) <= limit:
        return text
    widest = cut_marker(len(text))
    if limit < MIN_MARKED_LIMIT:
        return truncate_text(text, limit)
    head = truncate_text(text, limit - len(widest), ellipsis="")
    return head + cut_marker(_shown_length(text[len(head) :]))


def cut_marker(hidden: int) -> str:
    """The visible marker at the end of text that was cut, naming how much was left out."""
    noun = "character" if hidden == 1 else "characters"
    return f"… (cut, {hidden:,} more {noun})"


def cut_mrkdwn(text: str, limit: int) -> str:
    """Like `cut_text`, for mrkdwn that may hold ``` code blocks: a block left open is closed."""
    if len(text) <= limit:
        return text
    out = cut_text(text, limit - len(_FENCE_CLOSE))
    return out + _FENCE_CLOSE if out.count(FENCE) % 2 else out


def inline_text(text: str, limit: int) -> str:
    """One line of untrusted text as mrkdwn that shows exactly as written, at most `limit` long."""
    return cut_text(neutralise_mrkdwn(" ".join(strip_control(text).split())), limit)


def inline_code(text: str, limit: int) -> str:
    """Untrusted text as inline code (`…`); its own backticks cannot end the code span."""
    flat = " ".join(strip_control(text).split()).replace("`", _BACKTICK_LOOKALIKE)
    return f"`{cut_text(neutralise_mrkdwn(flat), max(limit - 2, 1))}`" if flat else ""


def code_block(text: str, limit: int) -> str:
    """Untrusted multi-line text inside a ``` fence, at most `limit` characters with the fence.

    Backtick runs in the text are split so it can neither close this block nor open another.
    """
    body = neutralise_mrkdwn(strip_control(text).strip("\n")) or " "
    inner = limit - len(FENCE) - len(_FENCE_CLOSE) - 1
    return f"{FENCE}\n{cut_text(body, inner)}{_FENCE_CLOSE}"


def code_blocks(lines: Sequence[str], limit: int, line_limit: int) -> list[str]:
    """Untrusted lines packed into as few ``` blocks of at most `limit` characters as they need.

    Each line is flattened to one line and cut to `line_limit` with a marker, so a huge log
    body takes one line of the block, not the whole of it.
    """
    inner = limit - len(FENCE) - len(_FENCE_CLOSE) - 1
    blocks: list[list[str]] = [[]]
    size = 0
    for raw in lines:
        line = cut_text(neutralise_mrkdwn(_flatten(raw)), min(line_limit, inner))
        if blocks[-1] and size + len(line) + 1 > inner:
            blocks.append([])
            size = 0
        blocks[-1].append(line)
        size += len(line) + 1
    return [FENCE + "\n" + "\n".join(block) + _FENCE_CLOSE for block in blocks if block]


def plain_text(text: str, limit: int) -> str:
    """Untrusted text for a `plain_text` object: one line, no control characters, cut.

    Slack shows plain_text literally, so escapes would show as `&lt;`; angle brackets become
    look-alikes instead, which keeps any `<!channel>` in the payload from reading as markup.
    """
    flat = " ".join(strip_control(text).split()).translate(_ANGLE_LOOKALIKES)
    return cut_text(flat, limit)


def link(url: str, text: str, limit: int) -> str:
    """A mrkdwn link `<url|text>`; `text` is untrusted and escaped, `url` is made inert.

    `|` and `>` would end the URL part early, so they are percent-encoded; `&` and `<` are
    escaped as Slack asks for URLs too.
    """
    safe_url = escape_mrkdwn(url.replace("|", "%7C").replace(">", "%3E"))
    return f"<{safe_url}|{inline_text(text, limit)}>"


def trace_ref(trace_id: str, signoz_url: str | None, limit: int = 80) -> str:
    """A trace id as mrkdwn: a link to the trace in SigNoz when its URL is known."""
    if not signoz_url:
        return inline_code(trace_id, limit)
    return link(signoz_trace_url(signoz_url, trace_id), trace_id, limit)


def service_ref(service: str, signoz_url: str | None, limit: int = 120) -> str:
    """A service name as mrkdwn: a link to the service page in SigNoz when its URL is known."""
    if not signoz_url:
        return inline_text(service, limit)
    return link(signoz_service_url(signoz_url, service), service, limit)


def signoz_trace_url(signoz_url: str, trace_id: str) -> str:
    """SigNoz's page for one trace; the id is percent-encoded since it comes from data."""
    return f"{signoz_url.rstrip('/')}/trace/{quote(trace_id, safe='')}"


def signoz_service_url(signoz_url: str, service: str) -> str:
    """SigNoz's page for one service; the name is percent-encoded since it comes from data."""
    return f"{signoz_url.rstrip('/')}/services/{quote(service, safe='')}"


def _flatten(text: str) -> str:
    """One line: control characters gone, runs of spaces kept (they line up columns)."""
    return strip_control(text).replace("\t", "    ").replace("\n", " ")


def _shown_length(text: str) -> int:
    """How many characters a reader sees: an escape is one, a zero-width space none."""
    return len(_ENTITY.sub("&", text)) - text.count(_INVISIBLE)
