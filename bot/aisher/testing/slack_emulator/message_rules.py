"""Slack's server-side checks on a message's text and blocks, as pure functions.

slack_sdk validates Block Kit models on the client, but raw dict blocks go out unchecked, and
some limits are enforced only by Slack: at most 50 blocks, 2,000 characters per section field,
a plain_text header, the cumulative block text (`msg_blocks_too_long`, undocumented, about
12,000 characters) and 40,000 characters of top-level text. The emulator rejects what Slack
rejects, with Slack's error codes and its `[json-pointer:…]` messages.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

MAX_BLOCKS = 50
MAX_TEXT_CHARS = 40_000
BLOCK_TEXT_LIMIT = 12_000
SECTION_TEXT_CHARS = 3_000
SECTION_FIELDS = 10
SECTION_FIELD_CHARS = 2_000
HEADER_TEXT_CHARS = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BLOCK_ID_CHARS = 255


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why Slack would refuse the message: the `error` code and, for blocks, the details."""

    error: str
    errors: tuple[str, ...] = ()


def check_message(
    text: str | None,
    blocks: Any,
    attachments: Any,
    *,
    block_text_limit: int | None = BLOCK_TEXT_LIMIT,
) -> Rejection | None:
    """The first reason Slack would reject this message content, or None when it is fine."""
    if blocks is not None and not _is_block_list(blocks):
        return Rejection("invalid_blocks_format")
    if not text and not blocks and not attachments:
        return Rejection("no_text")
    if text is not None and len(text) > MAX_TEXT_CHARS:
        return Rejection("msg_too_long")
    if not blocks:
        return None
    problems = tuple(block_problems(blocks))
    if problems:
        return Rejection("invalid_blocks", problems)
    if block_text_limit is not None and block_text_chars(blocks) > block_text_limit:
        return Rejection("msg_blocks_too_long")
    return None


def block_problems(blocks: Sequence[dict[str, Any]]) -> Iterator[str]:
    """Slack's `errors` entries for limits the blocks break, in block order."""
    if len(blocks) > MAX_BLOCKS:
        yield f"no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]"
    for index, block in enumerate(blocks):
        where = f"/blocks/{index}"
        block_id = block.get("block_id")
        if isinstance(block_id, str) and len(block_id) > BLOCK_ID_CHARS:
            yield _too_long(BLOCK_ID_CHARS, f"{where}/block_id")
        kind = block.get("type")
        if kind == "section":
            yield from _section_problems(block, where)
        elif kind == "header":
            yield from _header_problems(block, where)
        elif kind == "context":
            yield from _count_problems(block, "elements", CONTEXT_ELEMENTS, where)
        elif kind == "actions":
            yield from _count_problems(block, "elements", ACTIONS_ELEMENTS, where)


def block_text_chars(blocks: Sequence[dict[str, Any]]) -> int:
    """Characters of every `text` string inside the blocks: what `msg_blocks_too_long` counts."""
    return sum(len(text) for text in _texts(blocks))


def _section_problems(block: dict[str, Any], where: str) -> Iterator[str]:
    text = _text_of(block.get("text"))
    fields = block.get("fields")
    if text is None and not fields:
        yield f"must provide text or fields [json-pointer:{where}]"
    if text is not None and len(text) > SECTION_TEXT_CHARS:
        yield _too_long(SECTION_TEXT_CHARS, f"{where}/text/text")
    if isinstance(fields, list):
        yield from _count_problems(block, "fields", SECTION_FIELDS, where)
        for number, item in enumerate(fields):
            field_text = _text_of(item)
            if field_text is not None and len(field_text) > SECTION_FIELD_CHARS:
                yield _too_long(SECTION_FIELD_CHARS, f"{where}/fields/{number}/text")


def _header_problems(block: dict[str, Any], where: str) -> Iterator[str]:
    label = block.get("text")
    if not isinstance(label, dict) or label.get("type") != "plain_text":
        yield f"must be a valid enum value [json-pointer:{where}/text/type]"
    text = _text_of(label)
    if text is not None and len(text) > HEADER_TEXT_CHARS:
        yield _too_long(HEADER_TEXT_CHARS, f"{where}/text/text")


def _count_problems(block: dict[str, Any], key: str, limit: int, where: str) -> Iterator[str]:
    items = block.get(key)
    if isinstance(items, list) and len(items) > limit:
        yield f"no more than {limit} items allowed [json-pointer:{where}/{key}]"


def _too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _text_of(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        text: str = value["text"]
        return text
    return None


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                yield item
            else:
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _is_block_list(blocks: Any) -> bool:
    return isinstance(blocks, list) and all(
        isinstance(block, dict) and isinstance(block.get("type"), str) for block in blocks
    )
