"""Moving an incident's telemetry, and its window, to recent times before loading it.

SigNoz's tables drop rows older than their retention as they are inserted, and a suite's
incidents happened at fixed times, often long ago. Every OTLP time field is shifted by the same
whole number of days, so the window ends within the last day and keeps its time of day.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from aisher.window import NS_PER_S, TimeWindow

DAY = timedelta(days=1)
NS_PER_DAY = 86_400 * NS_PER_S

# The OTLP fields that hold times, as numbers or strings of nanoseconds. Inside a JSON string
# value a quote is escaped, so an attribute that merely contains such text never matches.
_TIME_FIELD = re.compile(
    r'("(?:startTimeUnixNano|endTimeUnixNano|timeUnixNano|observedTimeUnixNano)"\s*:\s*"?)(\d+)'
)


def days_to_recent(window: TimeWindow, now: datetime) -> int:
    """How many whole days to add so the window ends at most a day before `now`."""
    return (now - window.end) // DAY


def shift_window(window: TimeWindow, days: int) -> TimeWindow:
    return TimeWindow(start=window.start + days * DAY, end=window.end + days * DAY)


def shift_document(text: str, days: int) -> str:
    """One OTLP/JSON document with every time field moved by `days` (0 or unset times stay)."""
    if days == 0:
        return text
    delta = days * NS_PER_DAY

    def moved(match: re.Match[str]) -> str:
        value = int(match.group(2))
        return match.group(1) + (str(value + delta) if value else "0")

    return _TIME_FIELD.sub(moved, text)
