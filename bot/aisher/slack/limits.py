"""Slack's size limits: block builders that respect them, and the guard for the rest.

slack_sdk's models check each element when `to_dict()` runs (section text, header, fields and
context counts, button sizes). They do not check what only fails on Slack's side: more than 50
blocks, a section field over 2,000 characters, and the undocumented cap on the text of all
blocks together (`msg_blocks_too_long`, seen at about 11-12k characters). The guard fixes those
by cutting with a visible marker (`fit_message`) or by moving blocks into further messages
(`split_message`); it never rejects. `validate_message` is the strict check tests run on every
payload.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from aisher.slack.mrkdwn import cut_mrkdwn, cut_text, plain_text

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000
MAX_FALLBACK_TEXT = 4000
MAX_BUTTON_TEXT = 75
# Slack rejected 11,341 characters of block text in one measurement, so stay well below it.
MAX_MESSAGE_TEXT = 10_000

BlockLike = Block | dict[str, Any]


class MessageLimitError(ValueError):
    """A payload breaks a Slack limit; the message names each block and limit."""


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One message to post: the fallback `text` (notifications, screen readers) and its blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def section(text: str) -> SectionBlock:
    """A section of mrkdwn (already escaped), cut to Slack's 3,000 characters with a marker.

    Like every builder here it takes text the caller has escaped (`aisher.slack.mrkdwn`), and
    cuts it to its limit, so the slack_sdk checks in `to_dict()` never fail on length.
    """
    return SectionBlock(text=_markdown(cut_mrkdwn(text, MAX_SECTION_TEXT)))


def fields_sections(fields: Sequence[str]) -> list[SectionBlock]:
    """Sections of mrkdwn fields (already escaped): ten per section, each cut to 2,000."""
    texts = [_markdown(cut_mrkdwn(text, MAX_FIELD_TEXT)) for text in fields]
    chunks = range(0, len(texts), MAX_FIELDS)
    return [SectionBlock(fields=texts[i : i + MAX_FIELDS]) for i in chunks]


def header(text: str) -> HeaderBlock:
    """A header from untrusted text, as the plain_text Slack requires, cut to 150 characters."""
    return HeaderBlock(text=PlainTextObject(text=plain_text(text, MAX_HEADER_TEXT), emoji=True))


def contexts(texts: Sequence[str]) -> list[ContextBlock]:
    """Context blocks of mrkdwn elements (already escaped), ten elements per block."""
    elements = [_markdown(cut_mrkdwn(text, MAX_CONTEXT_TEXT)) for text in texts if text]
    return [
        ContextBlock(elements=elements[i : i + MAX_CONTEXT_ELEMENTS])
        for i in range(0, len(elements), MAX_CONTEXT_ELEMENTS)
    ]


def button(
    label: str,
    *,
    action_id: str,
    value: str | None = None,
    url: str | None = None,
    style: str | None = None,
) -> ButtonElement:
    """A button with a plain_text label; `value` carries what the action handler needs."""
    return ButtonElement(
        text=PlainTextObject(text=plain_text(label, MAX_BUTTON_TEXT), emoji=True),
        action_id=action_id,
        value=value or None,
        url=url,
        style=style,
    )


def fit_message(text: str, blocks: Sequence[BlockLike]) -> SlackMessage:
    """One message within every limit: blocks that do not fit are left out with a marker.

    A trailing actions block (the buttons) is kept whatever else is cut.
    """
    fitted = _fit_blocks(blocks)
    tail = fitted[-1:] if fitted and fitted[-1].get("type") == "actions" else []
    body = fitted[: len(fitted) - len(tail)]
    room = MAX_MESSAGE_TEXT - sum(map(_text_length, tail)) - len(_left_out(len(body)))
    kept: list[dict[str, Any]] = []
    for block in body:
        size = _text_length(block)
        if len(kept) + len(tail) + 2 > MAX_BLOCKS or size > room:
            break
        kept.append(block)
        room -= size
    if len(kept) < len(body):
        kept.append(ContextBlock(elements=[_markdown(_left_out(len(body) - len(kept)))]).to_dict())
    return SlackMessage(text=fallback_text(text), blocks=kept + tail)


def split_message(text: str, blocks: Sequence[BlockLike]) -> list[SlackMessage]:
    """One or more messages within every limit, the blocks kept in order and none lost.

    Dividers at the edge of a message are dropped; each later message says it continues.
    """
    parts: list[list[dict[str, Any]]] = [[]]
    size = 0
    for block in _fit_blocks(blocks):
        length = _text_length(block)
        if parts[-1] and (len(parts[-1]) >= MAX_BLOCKS or size + length > MAX_MESSAGE_TEXT):
            parts.append([])
            size = 0
        if block.get("type") == "divider" and not parts[-1]:
            continue
        parts[-1].append(block)
        size += length
    for part in parts:
        while part and part[-1].get("type") == "divider":
            part.pop()
    parts = [part for part in parts if part] or [[]]
    if len(parts) == 1:
        return [SlackMessage(text=fallback_text(text), blocks=parts[0])]
    return [
        SlackMessage(text=fallback_text(f"{text} ({number}/{len(parts)})"), blocks=part)
        for number, part in enumerate(parts, start=1)
    ]


def fallback_text(text: str) -> str:
    """The top-level `text` (already escaped) within Slack's 4,000 characters."""
    return cut_mrkdwn(text, MAX_FALLBACK_TEXT)


def validate_message(blocks: Sequence[dict[str, Any]], text: str) -> None:
    """Raise `MessageLimitError` if the payload breaks any Slack limit, naming each problem.

    Each block goes through slack_sdk's own checks (`Block.parse(b).to_dict()`), then the
    limits slack_sdk does not know are checked.
    """
    problems = list(_problems(blocks, text))
    if problems:
        raise MessageLimitError("; ".join(problems))


def _problems(blocks: Sequence[dict[str, Any]], text: str) -> Iterator[str]:
    if not text.strip():
        yield "text: the fallback text is empty"
    if len(text) > MAX_FALLBACK_TEXT:
        yield f"text: {len(text)} characters, the limit is {MAX_FALLBACK_TEXT}"
    if len(blocks) > MAX_BLOCKS:
        yield f"blocks: {len(blocks)} blocks, the limit is {MAX_BLOCKS}"
    total = sum(map(_text_length, blocks))
    if total > MAX_MESSAGE_TEXT:
        yield f"blocks: {total} characters of text, the limit is {MAX_MESSAGE_TEXT}"
    for index, block in enumerate(blocks):
        parsed = Block.parse(block)
        if parsed is None:
            yield f"blocks/{index}: unknown block type {block.get('type')!r}"
            continue
        try:
            parsed.to_dict()
        except SlackObjectFormationError as exc:
            yield f"blocks/{index}: {exc}"
        for number, item in enumerate(block.get("fields") or ()):
            if len(item.get("text", "")) > MAX_FIELD_TEXT:
                yield f"blocks/{index}/fields/{number}: over {MAX_FIELD_TEXT} characters"
        if block.get("type") == "header" and block.get("text", {}).get("type") != "plain_text":
            yield f"blocks/{index}/text: a header must be plain_text"


def _fit_blocks(blocks: Sequence[BlockLike]) -> list[dict[str, Any]]:
    """Blocks as dicts with every element within its limit, validated by slack_sdk."""
    fitted: list[dict[str, Any]] = []
    for block in blocks:
        data = block.to_dict() if isinstance(block, Block) else block
        for piece in _fit_block(data):
            parsed = Block.parse(piece)
            if parsed is None:
                raise MessageLimitError(f"unknown block type {piece.get('type')!r}")
            fitted.append(_shrink(parsed.to_dict(), MAX_MESSAGE_TEXT // 2))
    return fitted


def _fit_block(block: dict[str, Any]) -> list[dict[str, Any]]:
    """The block with over-long texts cut, split where Slack counts its elements."""
    kind = block.get("type")
    if kind == "header":
        text = dict(block.get("text") or {})
        text["type"] = "plain_text"
        text["text"] = cut_text(str(text.get("text", "")), MAX_HEADER_TEXT)
        return [{**block, "text": text}]
    if kind == "context":
        elements = [_cut_leaf(e, MAX_CONTEXT_TEXT) for e in block.get("elements") or ()]
        rest = {key: value for key, value in block.items() if key != "block_id"}
        return [
            {**(block if start == 0 else rest), "elements": elements[start : start + size]}
            for start, size in _chunks(len(elements), MAX_CONTEXT_ELEMENTS)
        ]
    if kind != "section":
        return [block]
    first = {key: value for key, value in block.items() if key != "fields"}
    if "text" in block:
        first["text"] = _cut_leaf(block["text"], MAX_SECTION_TEXT)
    fields = [_cut_leaf(item, MAX_FIELD_TEXT) for item in block.get("fields") or ()]
    sections = [first] if "text" in block else []
    for start, size in _chunks(len(fields), MAX_FIELDS):
        if sections and start == 0:
            sections[0]["fields"] = fields[:size]
        elif start == 0:  # the block's id and accessory stay with its first part only
            sections.append({**first, "fields": fields[:size]})
        else:
            sections.append({"type": "section", "fields": fields[start : start + size]})
    return sections or [block]


def _chunks(count: int, size: int) -> list[tuple[int, int]]:
    """(start, size) of consecutive chunks of at most `size` items covering `count` items."""
    return [(start, size) for start in range(0, count, size)]


def _shrink(block: dict[str, Any], budget: int) -> dict[str, Any]:
    """The block with each text cut evenly if all of it together is over `budget`."""
    leaves = _count_leaves(block)
    if _text_length(block) <= budget or not leaves:
        return block
    shrunk: dict[str, Any] = _map_leaves(block, max(budget // leaves, 60))
    return shrunk


def _cut_leaf(obj: Any, limit: int) -> Any:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return {**obj, "text": cut_mrkdwn(obj["text"], limit)}
    return obj


def _map_leaves(obj: Any, limit: int) -> Any:
    if isinstance(obj, dict):
        cut = _cut_leaf(obj, limit)
        return {key: _map_leaves(value, limit) for key, value in cut.items()}
    if isinstance(obj, list):
        return [_map_leaves(item, limit) for item in obj]
    return obj


def _count_leaves(obj: Any) -> int:
    if isinstance(obj, dict):
        own = 1 if isinstance(obj.get("text"), str) else 0
        return own + sum(_count_leaves(value) for value in obj.values())
    if isinstance(obj, list):
        return sum(_count_leaves(item) for item in obj)
    return 0


def _text_length(obj: Any) -> int:
    """Characters of text in a block, the measure behind Slack's `msg_blocks_too_long`."""
    if isinstance(obj, dict):
        own = len(obj["text"]) if isinstance(obj.get("text"), str) else 0
        return own + sum(_text_length(value) for value in obj.values())
    if isinstance(obj, list):
        return sum(_text_length(item) for item in obj)
    return 0


def _left_out(count: int) -> str:
    noun = "block" if count == 1 else "blocks"
    return f"_… {count} more {noun} cut: too long for one Slack message_"


def _markdown(text: str) -> MarkdownTextObject:
    """A mrkdwn object that Slack renders as written: `verbatim` stops it from turning bare
    URLs, `#channel` and `@name` in telemetry into links; our own `<url|text>` links still work."""
    return MarkdownTextObject(text=text, verbatim=True)
