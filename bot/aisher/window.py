"""Time windows: parsing `30m`/`2h`/`1d`, `--until` timestamps, and the baseline before a window.

Both parsers take text from users and raise nothing but `WindowError` for any of it. An
`--until` must carry its time zone (`Z` or an offset): a time without one is refused rather
than guessed, since reading an operator's local time as UTC would silently shift the window
by hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aisher.errors import WindowError

_WINDOW_RE = re.compile(r"^\s*(\d{1,6})\s*([smhd])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
MIN_WINDOW = timedelta(minutes=1)
NS_PER_S = 1_000_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(minutes=5)  # clocks of the user and the store may disagree a little
_EXAMPLE_UNTIL = "like 2026-11-26T09:30:00Z or 2026-11-26T10:30:00+01:00"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeWindow needs timezone-aware datetimes")
        if self.end <= self.start:
            raise ValueError("TimeWindow must end after it starts")

    @classmethod
    def ending_at(cls, end: datetime, length: timedelta) -> TimeWindow:
        return cls(start=end - length, end=end)

    @classmethod
    def from_ns(cls, start_ns: int, end_ns: int) -> TimeWindow:
        return cls(start=datetime_from_ns(start_ns), end=datetime_from_ns(end_ns))

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def start_ns(self) -> int:
        return to_ns(self.start)

    @property
    def end_ns(self) -> int:
        return to_ns(self.end)

    def baseline(self) -> TimeWindow:
        """The window of equal length right before this one, for before/after comparisons."""
        return TimeWindow(start=self.start - self.length, end=self.start)

    def extended_back(self, factor: int = 2) -> TimeWindow:
        """This window together with `factor - 1` equal windows before it."""
        return TimeWindow(start=self.end - self.length * factor, end=self.end)

    def to_json(self) -> dict[str, str]:
        return {"start": iso(self.start), "end": iso(self.end)}


def to_ns(moment: datetime) -> int:
    """Epoch nanoseconds of an aware datetime, exact to the microsecond."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * NS_PER_S + delta.microseconds * 1000


def datetime_from_ns(ns: int) -> datetime:
    return EPOCH + timedelta(microseconds=ns // 1000)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, to the millisecond."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_from_ns(ns: int) -> str:
    return iso(datetime_from_ns(ns))


def parse_duration(text: str) -> timedelta:
    """Parse `90s`, `30m`, `2h` or `1d` into a timedelta; anything else is a `WindowError`."""
    match = _WINDOW_RE.match(text)
    if not match:
        raise WindowError(
            f"bad window {_quote(text)}: use a number and a unit s, m, h or d, like 30m, 2h or 1d"
        )
    amount, unit = int(match.group(1)), match.group(2).lower()
    length = timedelta(seconds=amount * _UNIT_SECONDS[unit])
    if length < MIN_WINDOW:
        raise WindowError(f"bad window {_quote(text)}: the shortest window is 1m")
    return length


def parse_until(text: str | None, now: datetime) -> datetime:
    """Parse an ISO 8601 `--until` with its time zone, into UTC. Missing means `now`."""
    if text is None:
        return now
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise WindowError(f"bad --until {_quote(text)}: use ISO 8601, {_EXAMPLE_UNTIL}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise WindowError(
            f"bad --until {_quote(text)}: give its time zone, {_EXAMPLE_UNTIL}; "
            "a time without one is ambiguous"
        )
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise WindowError(f"bad --until {_quote(text)}: not a representable time") from None
    if moment < EPOCH:
        raise WindowError(f"bad --until {_quote(text)}: before 1970, older than any telemetry")
    if moment - now > FUTURE_SLACK:
        raise WindowError(f"bad --until {_quote(text)}: it is in the future")
    return moment


def _quote(text: str) -> str:
    """The user's text for an error message: quoted, escaped, and cut short."""
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def resolve_window(
    window: str, until: str | None, *, now: datetime, retention_days: int
) -> TimeWindow:
    """Turn the user's `WINDOW [--until]` into a TimeWindow that lies inside retention."""
    length = parse_duration(window)
    retention = timedelta(days=retention_days)
    if length > retention:
        raise WindowError(
            f"bad window {_quote(window)}: SigNoz keeps {retention_days} days of traces, "
            f"so the window can be at most {retention_days}d"
        )
    end = parse_until(until, now)
    # Compared as distances from now, which cannot overflow the way `end - length` can.
    if now - end + length > retention:
        raise WindowError(
            f"window {_quote(window)} ending {iso(end)} starts before the {retention_days}-day "
            "retention; those spans are gone"
        )
    return TimeWindow(start=end - length, end=end)
