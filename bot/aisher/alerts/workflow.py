"""What one alert notification changes, decided without I/O.

Each function here takes the group's current record and returns (record to store, result); the
alert thread store runs them inside an optimistic transaction (and may run them twice), so they
must stay pure. The processor then carries out the decision's plan through the Slack sink.

    first firing of a group              → NEW_CARD: post a card, analyse into its thread
    the group fires again                → UPDATE: refresh the card (count, last seen)
    a resolved group fires again         → REFIRE: refresh the card, note it in the thread
    the group resolves                   → RESOLVE: mark the card resolved, note the duration
    resolved, group unknown              → RESOLVED_CARD: post a resolved card
    the same notification again, soon    → DUPLICATE: nothing (a resend or a second peer)
    another replica is posting the card  → PENDING: record only; that replica catches up
    resolved again                       → RECORD: record only
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from aisher.alerts.target import AlertTarget
from aisher.state.alert_threads import AlertThread
from aisher.state.reports import MessageRef

# Alertmanager resends within minutes (its retries end at the next group interval) and peers
# within seconds; a repeat_interval resend hours later is a real "still firing".
DEFAULT_DUPLICATE_WINDOW = timedelta(minutes=15)
# A replica that has not attached its card after this long is presumed dead; the next
# notification may post the card instead.
DEFAULT_CLAIM_TIMEOUT = timedelta(minutes=2)


class Plan(StrEnum):
    NEW_CARD = "new_card"
    RESOLVED_CARD = "resolved_card"
    UPDATE = "update"
    REFIRE = "refire"
    RESOLVE = "resolve"
    DUPLICATE = "duplicate"
    PENDING = "pending"
    RECORD = "record"


@dataclass(frozen=True, slots=True)
class Rules:
    duplicate_window: timedelta = DEFAULT_DUPLICATE_WINDOW
    claim_timeout: timedelta = DEFAULT_CLAIM_TIMEOUT


DEFAULT_RULES = Rules()


@dataclass(frozen=True, slots=True)
class Decision:
    """The plan for one notification, with the group's record before and after it."""

    plan: Plan
    before: AlertThread | None
    after: AlertThread


def decide(
    current: AlertThread | None,
    target: AlertTarget,
    *,
    now: datetime,
    channel: str,
    claim: str,
    rules: Rules = DEFAULT_RULES,
) -> tuple[AlertThread, Decision]:
    """The record after `target` and what to do about it.

    `claim` is the caller's token for posting the card should this notification start one.
    """
    # An abandoned claim goes first: even a resend of the notification that claimed it must
    # get the card posted at last.
    if current is None or _abandoned(current, now, rules.claim_timeout):
        record = _claimed(current, target, now=now, channel=channel, claim=claim)
        plan = Plan.NEW_CARD if target.status == "firing" else Plan.RESOLVED_CARD
        return record, Decision(plan, current, record)
    if (
        current.last_notification == target.notification_id
        and now - current.last_seen < rules.duplicate_window
    ):
        return current, Decision(Plan.DUPLICATE, current, current)
    record, plan = _next(current, target, now)
    if not current.has_card:
        # Another replica is posting the card; it reads this record when it attaches the card.
        plan = Plan.PENDING
    return record, Decision(plan, current, record)


def attach_card(
    current: AlertThread | None, *, claim: str, message: MessageRef
) -> tuple[AlertThread | None, AlertThread | None]:
    """Record the posted card if the claim is still ours; the result is the record or None."""
    if current is None or current.has_card or current.claim != claim:
        return current, None
    record = current.model_copy(
        update={"channel": message.channel, "ts": message.ts, "claim": "", "claimed_at": None}
    )
    return record, record


def release_claim(current: AlertThread | None, *, claim: str) -> tuple[AlertThread | None, None]:
    """Forget a claim whose card could not be posted, so that the next notification retries."""
    if current is not None and not current.has_card and current.claim == claim:
        return None, None
    return current, None


def claim_resolved_note(
    current: AlertThread | None,
) -> tuple[AlertThread | None, AlertThread | None]:
    """Take the duty to post the resolution note: the record for exactly one caller per
    resolution, None for everyone else."""
    if current is None or current.status != "resolved" or current.resolve_noted:
        return current, None
    record = current.model_copy(update={"resolve_noted": True})
    return record, record


def _abandoned(current: AlertThread, now: datetime, claim_timeout: timedelta) -> bool:
    claimed_at = current.claimed_at or current.last_seen
    return not current.has_card and now - claimed_at >= claim_timeout


def _claimed(
    previous: AlertThread | None,
    target: AlertTarget,
    *,
    now: datetime,
    channel: str,
    claim: str,
) -> AlertThread:
    firing = target.status == "firing"
    # A resend of the notification that made the abandoned claim is not another firing.
    counted = firing and (previous is None or previous.last_notification != target.notification_id)
    return AlertThread(
        group_key=target.group_key,
        status=target.status,
        first_seen=previous.first_seen if previous is not None else now,
        last_seen=now,
        started_at=_earlier(previous.started_at if previous else None, target.started_at),
        fire_count=(previous.fire_count if previous is not None else 0) + (1 if counted else 0),
        resolved_at=None if firing else (target.ended_at or now),
        # A card posted already resolved shows the duration itself; no note is owed.
        resolve_noted=not firing,
        service=target.service or (previous.service if previous is not None else None),
        channel=channel,
        claim=claim,
        claimed_at=now,
        last_notification=target.notification_id,
    )


def _next(current: AlertThread, target: AlertTarget, now: datetime) -> tuple[AlertThread, Plan]:
    seen = {
        "last_seen": now,
        "last_notification": target.notification_id,
        "service": current.service or target.service,
    }
    if target.status == "firing":
        if current.status == "resolved":
            episode = {"started_at": target.started_at, "resolved_at": None}
            return current.model_copy(
                update={
                    **seen,
                    **episode,
                    "status": "firing",
                    "fire_count": current.fire_count + 1,
                    "resolve_noted": False,
                }
            ), Plan.REFIRE
        started_at = _earlier(current.started_at, target.started_at)
        return current.model_copy(
            update={**seen, "started_at": started_at, "fire_count": current.fire_count + 1}
        ), Plan.UPDATE
    if current.status == "firing":
        resolved = {"status": "resolved", "resolved_at": target.ended_at or now}
        # Whoever posts the note claims it here, atomically: when the card is not posted yet,
        # the replica posting it finds resolve_noted false and posts the note itself.
        noted = {"resolve_noted": current.has_card}
        return current.model_copy(update={**seen, **resolved, **noted}), Plan.RESOLVE
    return current.model_copy(update=seen), Plan.RECORD


def _earlier(one: datetime | None, other: datetime | None) -> datetime | None:
    if one is None or other is None:
        return one or other
    return min(one, other)
