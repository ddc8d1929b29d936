"""The guard keeps every payload within Slack's limits by cutting or splitting, never rejecting."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import ActionsBlock, DividerBlock

from aisher.slack.limits import (
    MAX_BLOCKS,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_TEXT,
    MAX_SECTION_TEXT,
    MessageLimitError,
    SlackMessage,
    button,
    contexts,
    fields_sections,
    fit_message,
    header,
    section,
    split_message,
    validate_message,
)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _valid(message: SlackMessage) -> SlackMessage:
    validate_message(message.blocks, message.text)
    return message


class TestBuilders:
    def test_section_is_cut_with_a_marker(self) -> None:
        """A section over 3,000 characters is cut to fit, and says so."""
        data = section("s" * 5000).to_dict()
        assert len(data["text"]["text"]) <= MAX_SECTION_TEXT
        assert "… (cut, " in data["text"]["text"]

    def test_fields_are_grouped_by_ten_and_cut(self) -> None:
        """25 fields make three sections; each field fits 2,000 characters."""
        sections = [block.to_dict() for block in fields_sections(["f" * 2500] * 25)]
        assert [len(block["fields"]) for block in sections] == [10, 10, 5]
        assert all(len(f["text"]) <= MAX_FIELD_TEXT for b in sections for f in b["fields"])

    def test_header_is_plain_text_within_150(self) -> None:
        """A header from long untrusted text is plain_text and fits."""
        data = header("<!channel> " + "h" * 500).to_dict()
        assert data["text"]["type"] == "plain_text"
        assert len(data["text"]["text"]) <= MAX_HEADER_TEXT
        assert "<" not in data["text"]["text"]

    def test_contexts_hold_ten_elements_each(self) -> None:
        """25 notes make three context blocks; empty ones are skipped."""
        blocks = [block.to_dict() for block in contexts([f"n{i}" for i in range(25)] + [""])]
        assert [len(block["elements"]) for block in blocks] == [10, 10, 5]

    def test_mrkdwn_is_verbatim(self) -> None:
        """Slack is told not to link bare URLs, channels or names found in the text."""
        assert section("see #general").to_dict()["text"]["verbatim"] is True
        assert fields_sections(["f"])[0].to_dict()["fields"][0]["verbatim"] is True
        assert contexts(["c"])[0].to_dict()["elements"][0]["verbatim"] is True

    def test_button_carries_its_value(self) -> None:
        """A button keeps action id and value; an empty value is left out."""
        data = button("Re-run", action_id="a", value="r1").to_dict()
        assert (data["action_id"], data["value"], data["text"]["text"]) == ("a", "r1", "Re-run")
        assert "value" not in button("Open", action_id="b", url="https://x.example").to_dict()


class TestFitMessage:
    def test_too_many_blocks_are_cut_with_a_marker(self) -> None:
        """80 sections become at most 50 blocks, the last before the buttons saying how many
        were cut, and the buttons stay."""
        actions = ActionsBlock(elements=[button("Re-run", action_id="r", value="1")])
        message = _valid(fit_message("t", [section(f"s{i}") for i in range(80)] + [actions]))
        assert len(message.blocks) == MAX_BLOCKS
        assert message.blocks[-1]["type"] == "actions"
        marker = message.blocks[-2]["elements"][0]["text"]
        assert "32 more blocks cut" in marker

    def test_total_text_is_kept_under_the_message_budget(self) -> None:
        """Ten full sections (30,000 characters) are cut to what one message takes."""
        message = _valid(fit_message("t", [section("x" * 3000) for _ in range(10)]))
        assert sum(len(b.get("text", {}).get("text", "")) for b in message.blocks) <= (
            MAX_MESSAGE_TEXT
        )
        assert "more blocks cut" in message.blocks[-1]["elements"][0]["text"]

    def test_fallback_text_is_cut(self) -> None:
        """The top-level text fits 4,000 characters."""
        message = _valid(fit_message("t" * 9000, [section("x")]))
        assert len(message.text) <= MAX_FALLBACK_TEXT

    def test_raw_dicts_are_fixed_not_rejected(self) -> None:
        """Dict blocks over slack_sdk's limits are cut or split into more blocks, then validated."""
        blocks: list[dict[str, Any]] = [
            _section("a" * 3500),
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2500}] * 12},
            {"type": "header", "text": {"type": "mrkdwn", "text": "h" * 400}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 15},
        ]
        fitted = [b for m in split_message("t", blocks) for b in _valid(m).blocks]
        kinds = [block["type"] for block in fitted]
        assert kinds == ["section", "section", "section", "header", "context", "context"]
        assert [len(block.get("fields", ())) for block in fitted[:3]] == [0, 10, 2]
        assert fitted[3]["text"]["type"] == "plain_text"

    def test_split_blocks_keep_their_id_once(self) -> None:
        """A block split in parts keeps its block_id on the first part only (ids are unique)."""
        text = {"type": "mrkdwn", "text": "x"}
        blocks: list[dict[str, Any]] = [
            {"type": "context", "block_id": "c", "elements": [text] * 15},
            {"type": "section", "block_id": "s", "fields": [text] * 15},
        ]
        ids = [block.get("block_id") for block in _valid(fit_message("t", blocks)).blocks]
        assert ids == ["c", None, "s", None]

    def test_one_huge_block_is_shrunk_to_fit(self) -> None:
        """A section whose fields alone exceed the budget is cut evenly instead of lost."""
        block = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2000}] * 10}
        message = _valid(fit_message("t", [block]))
        assert len(message.blocks[0]["fields"]) == 10


class TestSplitMessage:
    def test_many_blocks_are_split_in_order_and_none_lost(self) -> None:
        """120 sections become three messages of at most 50, in their order."""
        messages = [_valid(m) for m in split_message("t", [section(f"s{i}") for i in range(120)])]
        assert [len(m.blocks) for m in messages] == [50, 50, 20]
        texts = [b["text"]["text"] for m in messages for b in m.blocks]
        assert texts == [f"s{i}" for i in range(120)]

    def test_long_text_is_split_by_the_message_budget(self) -> None:
        """Text-heavy blocks spread over messages that each stay under the budget."""
        messages = [_valid(m) for m in split_message("t", [section("x" * 2900)] * 12)]
        assert len(messages) == 4
        assert sum(len(m.blocks) for m in messages) == 12

    def test_later_messages_say_they_continue(self) -> None:
        """The fallback text of each part is numbered when there is more than one."""
        messages = split_message("Details", [section("x" * 2900)] * 8)
        assert [m.text for m in messages] == ["Details (1/3)", "Details (2/3)", "Details (3/3)"]

    def test_dividers_at_the_edges_are_dropped(self) -> None:
        """No message starts or ends with a divider."""
        blocks = [DividerBlock(), section("x" * 2900), DividerBlock()] * 6
        for message in split_message("t", blocks):
            assert message.blocks[0]["type"] != "divider"
            assert message.blocks[-1]["type"] != "divider"

    def test_single_message_keeps_its_text(self) -> None:
        """What fits stays one message with the text as given."""
        assert split_message("just this", [section("x")]) == [
            SlackMessage(text="just this", blocks=[section("x").to_dict()])
        ]

    def test_unknown_block_type_is_an_error(self) -> None:
        """A block slack_sdk does not know is a programming error, reported by name."""
        with pytest.raises(MessageLimitError, match="wobble"):
            split_message("t", [{"type": "wobble"}])


class TestValidateMessage:
    def test_valid_payload_passes(self) -> None:
        """A normal message raises nothing."""
        validate_message([section("ok").to_dict(), DividerBlock().to_dict()], "ok")

    @pytest.mark.parametrize(
        ("blocks", "text", "problem"),
        [
            ([_section("x")] * 51, "t", "51 blocks"),
            ([_section("x" * 3001)], "t", "blocks/0"),
            (
                [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
                "t",
                "fields/0",
            ),
            ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "t", "plain_text"),
            ([_section("x" * 2500)] * 5, "t", "characters of text"),
            ([_section("x")], "", "empty"),
            ([_section("x")], "t" * 4001, "4001 characters"),
            ([{"type": "wobble"}], "t", "unknown block type"),
            (
                [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
                "t",
                "blocks/0: elements attribute cannot exceed 10",
            ),
        ],
    )
    def test_each_broken_limit_is_named(
        self, blocks: list[dict[str, Any]], text: str, problem: str
    ) -> None:
        """Every limit Slack would refuse is reported with where it broke."""
        with pytest.raises(MessageLimitError, match=problem):
            validate_message(blocks, text)
