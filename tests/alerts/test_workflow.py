"""The pure decisions about one notification against the group's record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aisher.alerts.payload import parse_alert_payload
from aisher.alerts.target import AlertTarget, alert_target
from aisher.alerts.workflow import (
    Plan,
    Rules,
    attach_card,
    claim_resolved_note,
    decide,
    release_claim,
)
from aisher.state.alert_threads import AlertThread
from aisher.state.reports import MessageRef
from tests.alerts.payloads import GROUP_KEY, alertmanager_alert, alertmanager_payload, body

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
CHANNEL = "C0ALERTS"
CARD = MessageRef(CHANNEL, "1764151200.000100")


def target(status: str = "firing", *, fingerprint: str = "a", at: datetime = T0) -> AlertTarget:
    ends_at = "2026-11-26T10:40:00Z" if status == "resolved" else "0001-01-01T00:00:00Z"
    alert = alertmanager_alert(
        status=status, fingerprint=fingerprint, starts_at="2026-11-26T09:58:00Z", ends_at=ends_at
    )
    payload = alertmanager_payload(status=status, alerts=[alert])
    return alert_target(parse_alert_payload(body(payload)), now=at)


def run(
    current: AlertThread | None, notification: AlertTarget, *, at: datetime, claim: str = "c1"
) -> tuple[AlertThread, Plan]:
    record, decision = decide(current, notification, now=at, channel=CHANNEL, claim=claim)
    assert decision.after == record
    assert decision.before == current
    return record, decision.plan


def posted(record: AlertThread) -> AlertThread:
    attached, result = attach_card(record, claim=record.claim, message=CARD)
    assert attached is not None
    assert result == attached
    return attached


class TestDecide:
    def test_first_firing_claims_a_new_card(self) -> None:
        """An unknown group firing gets a new card, claimed but not yet posted."""
        record, plan = run(None, target(), at=T0)
        assert plan is Plan.NEW_CARD
        assert (record.status, record.fire_count, record.channel) == ("firing", 1, CHANNEL)
        assert record.ts is None
        assert record.claim == "c1"
        assert record.claimed_at == T0
        assert record.started_at == datetime(2026, 11, 26, 9, 58, tzinfo=UTC)
        assert record.service == "checkout-svc"
        assert (record.first_seen, record.last_seen) == (T0, T0)

    def test_repeat_firing_updates(self) -> None:
        """The group firing again with another alert set updates the card and counts."""
        first = posted(run(None, target(), at=T0)[0])
        later = T0 + timedelta(minutes=5)
        record, plan = run(first, target(fingerprint="b", at=later), at=later)
        assert plan is Plan.UPDATE
        assert (record.fire_count, record.last_seen, record.first_seen) == (2, later, T0)
        assert record.ts == CARD.ts

    def test_identical_notification_soon_is_a_duplicate(self) -> None:
        """The same notification within the window changes nothing."""
        first = posted(run(None, target(), at=T0)[0])
        soon = T0 + timedelta(minutes=1)
        record, plan = run(first, target(at=soon), at=soon)
        assert plan is Plan.DUPLICATE
        assert record == first

    def test_identical_notification_after_the_window_is_a_repeat(self) -> None:
        """A repeat_interval resend hours later counts as still firing."""
        first = posted(run(None, target(), at=T0)[0])
        later = T0 + timedelta(hours=4)
        record, plan = run(first, target(at=later), at=later)
        assert plan is Plan.UPDATE
        assert record.fire_count == 2

    def test_duplicate_window_is_configurable(self) -> None:
        """With a one-minute window, a resend two minutes later is a repeat."""
        first = posted(run(None, target(), at=T0)[0])
        later = T0 + timedelta(minutes=2)
        rules = Rules(duplicate_window=timedelta(minutes=1))
        _, decision = decide(
            first, target(at=later), now=later, channel=CHANNEL, claim="x", rules=rules
        )
        assert decision.plan is Plan.UPDATE

    def test_resolution_marks_and_claims_the_note(self) -> None:
        """Firing → resolved records when it ended and that the note is being posted."""
        first = posted(run(None, target(), at=T0)[0])
        at = T0 + timedelta(minutes=41)
        record, plan = run(first, target("resolved", at=at), at=at)
        assert plan is Plan.RESOLVE
        assert record.status == "resolved"
        assert record.resolved_at == datetime(2026, 11, 26, 10, 40, tzinfo=UTC)
        assert record.resolve_noted

    def test_second_resolved_only_records(self) -> None:
        """Another resolved notification for a resolved group shows nothing new."""
        first = posted(run(None, target(), at=T0)[0])
        resolved, _ = run(first, target("resolved", at=T0), at=T0 + timedelta(minutes=41))
        at = T0 + timedelta(minutes=50)
        record, plan = run(resolved, target("resolved", fingerprint="z", at=at), at=at)
        assert plan is Plan.RECORD
        assert record.resolved_at == resolved.resolved_at

    def test_refiring_opens_a_new_episode(self) -> None:
        """A resolved group firing again: counted, resolution cleared, note owed again later."""
        first = posted(run(None, target(), at=T0)[0])
        resolved, _ = run(first, target("resolved"), at=T0 + timedelta(minutes=41))
        at = T0 + timedelta(hours=2)
        record, plan = run(resolved, target(at=at), at=at)
        assert plan is Plan.REFIRE
        assert (record.status, record.fire_count) == ("firing", 2)
        assert record.resolved_at is None
        assert not record.resolve_noted

    def test_resolved_unknown_group_posts_a_resolved_card(self) -> None:
        """A resolved notification for a group never seen gets a resolved card, no note owed."""
        record, plan = run(None, target("resolved"), at=T0)
        assert plan is Plan.RESOLVED_CARD
        assert (record.status, record.fire_count, record.resolve_noted) == ("resolved", 0, True)
        assert record.resolved_at == datetime(2026, 11, 26, 10, 40, tzinfo=UTC)

    def test_notifications_while_the_card_is_posted_are_pending(self) -> None:
        """Another replica's claim is fresh: the record changes, nothing is shown yet."""
        claimed, _ = run(None, target(), at=T0)
        at = T0 + timedelta(seconds=20)
        record, plan = run(claimed, target(fingerprint="b", at=at), at=at, claim="c2")
        assert plan is Plan.PENDING
        assert record.fire_count == 2
        assert record.claim == "c1"
        resolved, plan = run(record, target("resolved", at=at), at=at, claim="c3")
        assert plan is Plan.PENDING
        assert resolved.status == "resolved"
        assert not resolved.resolve_noted

    def test_resend_after_an_abandoned_claim_posts_the_card(self) -> None:
        """The same notification again, once the claim is abandoned, claims the card anew."""
        claimed, _ = run(None, target(), at=T0)
        at = T0 + timedelta(minutes=3)
        record, plan = run(claimed, target(at=at), at=at, claim="c2")
        assert plan is Plan.NEW_CARD
        assert (record.claim, record.fire_count) == ("c2", 1)

    def test_abandoned_claim_is_taken_over(self) -> None:
        """A claim older than the timeout is presumed dead and claimed anew."""
        claimed, _ = run(None, target(), at=T0)
        at = T0 + timedelta(minutes=3)
        record, plan = run(claimed, target(fingerprint="b", at=at), at=at, claim="c2")
        assert plan is Plan.NEW_CARD
        assert (record.claim, record.claimed_at, record.fire_count) == ("c2", at, 2)
        assert record.first_seen == T0


class TestCardClaims:
    def test_attach_only_with_our_claim(self) -> None:
        """The card is attached by the claim's owner, once."""
        claimed, _ = run(None, target(), at=T0)
        same, result = attach_card(claimed, claim="other", message=CARD)
        assert (same, result) == (claimed, None)
        attached = posted(claimed)
        assert attached.has_card
        assert attached.claim == ""
        assert attached.claimed_at is None
        again, result = attach_card(attached, claim="c1", message=CARD)
        assert (again, result) == (attached, None)

    def test_release_forgets_only_our_unposted_claim(self) -> None:
        """A failed post deletes the claim; a posted card or another claim stays."""
        claimed, _ = run(None, target(), at=T0)
        assert release_claim(claimed, claim="c1") == (None, None)
        assert release_claim(claimed, claim="other") == (claimed, None)
        attached = posted(claimed)
        assert release_claim(attached, claim="c1") == (attached, None)
        assert release_claim(None, claim="c1") == (None, None)

    def test_resolution_note_is_claimed_once(self) -> None:
        """Exactly one caller gets the duty to post the resolution note."""
        claimed, _ = run(None, target(), at=T0)
        resolved, _ = run(claimed, target("resolved"), at=T0 + timedelta(seconds=10), claim="c2")
        record, duty = claim_resolved_note(resolved)
        assert duty is not None
        assert record == duty
        assert duty.resolve_noted
        assert claim_resolved_note(record) == (record, None)
        firing = posted(claimed)
        assert claim_resolved_note(firing) == (firing, None)
        assert claim_resolved_note(None) == (None, None)

    def test_group_key_is_kept(self) -> None:
        """Records carry the group key they belong to."""
        record, _ = run(None, target(), at=T0)
        assert record.group_key == GROUP_KEY
