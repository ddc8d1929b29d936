"""Parsing the user's window and `--until`: every bad value is a `WindowError`, in one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aisher.errors import WindowError
from aisher.window import parse_duration, parse_until, resolve_window

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class TestParseUntil:
    def test_zone_offsets_become_utc(self) -> None:
        """A time with an offset is the same instant in UTC."""
        assert parse_until("2026-11-26T10:30:00+01:00", NOW) == datetime(
            2026, 11, 26, 9, 30, tzinfo=UTC
        )
        assert parse_until(None, NOW) == NOW

    @pytest.mark.parametrize("text", ["2026-11-26T09:30:00", "2026-11-26"])
    def test_time_without_a_zone_is_refused(self, text: str) -> None:
        """A time without a zone is refused with an example, not silently read as UTC."""
        with pytest.raises(WindowError, match="give its time zone, like 2026-11-26T09:30:00Z"):
            parse_until(text, NOW)

    @pytest.mark.parametrize(
        ("text", "needle"),
        [
            ("0001-01-01T00:00:00Z", "before 1970"),
            ("0001-01-01T00:00:00+01:00", "not a representable time"),
            ("9999-12-31T23:59:59-23:59", "not a representable time"),
            ("9999-12-31T23:59:59Z", "in the future"),
            ("yesterday", "use ISO 8601"),
        ],
    )
    def test_extreme_times_are_window_errors(self, text: str, needle: str) -> None:
        """Times at the ends of the calendar are refused, never overflow."""
        with pytest.raises(WindowError, match=needle):
            parse_until(text, NOW)

    def test_long_input_is_cut_in_the_message(self) -> None:
        """A huge --until is quoted short, so the error stays one short line."""
        with pytest.raises(WindowError) as caught:
            parse_until("x\n" * 10_000, NOW)
        assert len(str(caught.value)) < 200
        assert "\n" not in str(caught.value)


class TestResolveWindow:
    def test_window_ending_at_until(self) -> None:
        """The window ends at --until and spans the given length."""
        window = resolve_window("30m", "2026-11-26T11:00:00Z", now=NOW, retention_days=15)
        assert (window.start, window.end) == (
            datetime(2026, 11, 26, 10, 30, tzinfo=UTC),
            datetime(2026, 11, 26, 11, 0, tzinfo=UTC),
        )

    def test_window_reaching_before_year_one_is_a_window_error(self) -> None:
        """A window that would start before year 1 is a WindowError, not an OverflowError."""
        with pytest.raises(WindowError, match="before 1970"):
            resolve_window("1d", "0001-01-01T00:00:00Z", now=NOW, retention_days=15)

    def test_retention_edge(self) -> None:
        """A window that starts exactly at the retention edge is accepted; a minute more is not."""
        until = (NOW - timedelta(days=14)).isoformat()
        assert resolve_window("1d", until, now=NOW, retention_days=15).start == NOW - timedelta(
            days=15
        )
        with pytest.raises(WindowError, match="retention"):
            resolve_window("1441m", until, now=NOW, retention_days=15)


class TestParseDuration:
    @pytest.mark.parametrize("text", ["", "30", "m", "0m", "59s", "1000000d", "30m;", "+30m"])
    def test_bad_windows(self, text: str) -> None:
        """Malformed or too short windows are WindowErrors."""
        with pytest.raises(WindowError, match="bad window"):
            parse_duration(text)

    def test_units(self) -> None:
        """s, m, h and d in either case, with spaces around."""
        assert parse_duration(" 90S ") == timedelta(seconds=90)
        assert parse_duration("2h") == timedelta(hours=2)
        assert parse_duration("1D") == timedelta(days=1)
