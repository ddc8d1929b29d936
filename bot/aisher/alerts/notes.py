"""The short texts the bot adds to an alert's thread (no user-supplied text goes into them)."""

from __future__ import annotations

from collections.abc import Sequence

from aisher.slack.messages import format_duration, format_moment
from aisher.state.alert_threads import AlertThread


def resolved_note(thread: AlertThread) -> str:
    """The thread note when the group resolves: how long it fired and how often."""
    times = "once" if thread.fire_count <= 1 else f"{thread.fire_count} times"
    resolved_at = thread.resolved_at or thread.last_seen
    if thread.started_at is None:
        return f":white_check_mark: Resolved at {format_moment(resolved_at)} (notified {times})."
    duration = format_duration(resolved_at - thread.started_at)
    return (
        f":white_check_mark: Resolved after {duration} "
        f"(firing since {format_moment(thread.started_at)}, notified {times})."
    )


def refiring_note(thread: AlertThread, previous: AlertThread) -> str:
    """The thread note when a resolved group fires again."""
    if previous.resolved_at is None:
        return f":rotating_light: Firing again at {format_moment(thread.last_seen)}."
    quiet = format_duration(thread.last_seen - previous.resolved_at)
    return (
        f":rotating_light: Firing again at {format_moment(thread.last_seen)}, "
        f"{quiet} after it resolved."
    )


TEST_NOTE = (
    ":test_tube: This is a test notification from SigNoz: alerts reach Aisher, "
    "and real ones get an analysis in their thread."
)


def no_service_note(labels: Sequence[str]) -> str:
    """The thread note when no label names the service to analyse."""
    names = ", ".join(f"`{name}`" for name in labels)
    return (
        ":grey_question: No analysis: none of the labels "
        f"{names} names a service. Add one of them to the alert rule, "
        "or ask `/aisher why SERVICE 30m`."
    )
