"""A stand-in for Slack behind `AlertSink`: records cards, updates, notes and analyses."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aisher.alerts.target import AlertTarget
from aisher.slack.alert_card import AlertCard, render_alert_card
from aisher.state.reports import MessageRef


class SlackDown(Exception):
    """What a failing Slack call raises in these tests."""


@dataclass
class FakeSink:
    """One Slack workspace shared by every replica in a test.

    `hold_posts` makes `post_card` wait until released, to let other notifications arrive
    while a card is being posted; `fail_posts` makes the next posts raise.
    """

    cards: dict[MessageRef, AlertCard] = field(default_factory=dict)
    updates: list[tuple[MessageRef, AlertCard]] = field(default_factory=list)
    notes: list[tuple[MessageRef, str]] = field(default_factory=list)
    analyses: list[tuple[MessageRef, AlertTarget]] = field(default_factory=list)
    fail_posts: int = 0
    hold_posts: asyncio.Event | None = None
    posting: asyncio.Event = field(default_factory=asyncio.Event)

    async def post_card(self, channel: str, card: AlertCard) -> MessageRef:
        self.posting.set()
        if self.hold_posts is not None:
            await self.hold_posts.wait()
        if self.fail_posts:
            self.fail_posts -= 1
            raise SlackDown("chat.postMessage failed")
        render_alert_card(card)  # what the real sink posts must render within Slack's limits
        message = MessageRef(channel, f"1764151200.{len(self.cards) + 1:06d}")
        self.cards[message] = card
        return message

    async def update_card(self, message: MessageRef, card: AlertCard) -> None:
        assert message in self.cards, "updating a card that was never posted"
        render_alert_card(card)
        self.cards[message] = card
        self.updates.append((message, card))

    async def post_in_thread(self, message: MessageRef, text: str) -> None:
        assert message in self.cards, "a note in the thread of a card that was never posted"
        self.notes.append((message, text))

    async def analyse_into_thread(self, message: MessageRef, target: AlertTarget) -> None:
        assert message in self.cards, "an analysis in the thread of a card never posted"
        self.analyses.append((message, target))

    def only_card(self) -> tuple[MessageRef, AlertCard]:
        assert len(self.cards) == 1, f"expected one card, found {len(self.cards)}"
        return next(iter(self.cards.items()))
