"""Moving old incidents to recent days before loading them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from aisher.evaluation.rebase import NS_PER_DAY, days_to_recent, shift_document, shift_window
from aisher.window import TimeWindow
from tests.support.otlp_documents import checkout_trace, dumps, log_record, logs_document

START_NS = 1_748_851_273_799_456_386


class TestDaysToRecent:
    def test_window_lands_within_the_last_day(self) -> None:
        """Whole days are added so the window ends within a day before now, same time of day."""
        window = TimeWindow.ending_at(datetime(2025, 6, 2, 9, 30, tzinfo=UTC), timedelta(hours=1))
        now = datetime(2025, 7, 10, 8, 0, tzinfo=UTC)
        days = days_to_recent(window, now)
        moved = shift_window(window, days)
        assert days == 37
        assert now - timedelta(days=1) < moved.end <= now
        assert moved.end.time() == window.end.time()

    def test_future_window_moves_back(self) -> None:
        """A window after now moves back into the past."""
        window = TimeWindow.ending_at(datetime(2030, 1, 1, tzinfo=UTC), timedelta(minutes=5))
        assert shift_window(
            window, days_to_recent(window, datetime(2029, 12, 30, tzinfo=UTC))
        ).end <= datetime(2029, 12, 30, tzinfo=UTC)


class TestShiftDocument:
    def test_every_time_field_moves(self) -> None:
        """Span, event and log times move by whole days, as strings or numbers."""
        spans = json.loads(shift_document(dumps(checkout_trace(START_NS)), 2))
        root = spans["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
        assert int(root["startTimeUnixNano"]) == START_NS + 2 * NS_PER_DAY
        event = spans["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["events"][0]
        assert int(event["timeUnixNano"]) > 2 * NS_PER_DAY
        record = log_record("x", time_ns=START_NS, observed_ns=START_NS + 1)
        record["timeUnixNano"] = START_NS  # a number, as some producers write it
        logs = json.loads(shift_document(dumps(logs_document([record])), -1))
        moved = logs["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
        assert moved["timeUnixNano"] == START_NS - NS_PER_DAY
        assert moved["observedTimeUnixNano"] == str(START_NS + 1 - NS_PER_DAY)

    def test_zero_times_and_text_stay(self) -> None:
        """An unset (0) time stays unset, and a body quoting a time field is left alone."""
        body = '{"timeUnixNano":"5"}'
        record = log_record(body, time_ns=None, observed_ns=0)
        moved = json.loads(shift_document(dumps(logs_document([record])), 3))
        kept = moved["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]
        assert kept["observedTimeUnixNano"] == "0"
        assert kept["body"]["stringValue"] == body
