"""Properties of the window and `--until` parsers: any text gives a value or a `WindowError`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from aisher.errors import WindowError
from aisher.window import EPOCH, FUTURE_SLACK, parse_duration, parse_until, resolve_window

PURE = settings(max_examples=1_500, deadline=None, database=None)
offsets = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)
# Hypothesis takes naive bounds. Uniform dates seldom land near the ends of the calendar or the
# epoch, where the arithmetic overflows, so those get their own share.
edge_moments = (
    st.datetimes(max_value=datetime.fromisoformat("0001-01-03"))
    | st.datetimes(min_value=datetime.fromisoformat("9999-12-29"))
    | st.datetimes(
        min_value=datetime.fromisoformat("1969-12-30"),
        max_value=datetime.fromisoformat("1970-01-02"),
    )
)
iso_times = st.builds(
    lambda moment, zone, sep, spec: moment.replace(tzinfo=zone).isoformat(sep=sep, timespec=spec),
    st.datetimes() | edge_moments,
    st.none() | offsets | st.just(UTC),
    st.sampled_from(("T", " ")),
    st.sampled_from(("auto", "hours", "minutes", "seconds", "milliseconds", "microseconds")),
)
until_texts = iso_times | iso_times.map(lambda text: text.replace("+00:00", "Z")) | st.text()
window_texts = (
    st.builds(
        lambda n, unit, pad: f"{pad}{n}{unit}{pad}",
        st.integers(min_value=0, max_value=10**7),
        st.sampled_from("smhdSMHDx"),
        st.sampled_from(("", " ", "\t", "\n")),
    )
    | st.text()
)
# The clock's `now`, in this century or the next.
nows = st.datetimes(
    min_value=datetime.fromisoformat("2000-01-01"), max_value=datetime.fromisoformat("2100-01-01")
).map(lambda moment: moment.replace(tzinfo=UTC))


class TestWindowProperties:
    @PURE
    @given(window_texts)
    def test_duration_is_a_minute_or_more_or_a_window_error(self, text: str) -> None:
        """Any text is a duration of at least a minute, or a WindowError."""
        try:
            length = parse_duration(text)
        except WindowError:
            return
        assert length >= timedelta(minutes=1)

    @PURE
    @given(until_texts, nows)
    def test_until_is_an_aware_past_instant_or_a_window_error(
        self, text: str, now: datetime
    ) -> None:
        """Any text is a UTC instant between 1970 and just after now, or a WindowError."""
        try:
            moment = parse_until(text, now)
        except WindowError:
            return
        assert moment.tzinfo is UTC
        assert EPOCH <= moment <= now + FUTURE_SLACK

    @PURE
    @given(window_texts, st.none() | until_texts, nows, st.integers(min_value=1, max_value=400))
    def test_resolved_window_lies_in_retention_or_is_a_window_error(
        self, window: str, until: str | None, now: datetime, retention_days: int
    ) -> None:
        """Any window and --until resolve inside retention, or raise a WindowError."""
        try:
            resolved = resolve_window(window, until, now=now, retention_days=retention_days)
        except WindowError:
            return
        assert resolved.start >= now - timedelta(days=retention_days)
        assert resolved.end <= now + FUTURE_SLACK
