"""Parsing the text after `/aisher`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aisher.errors import InputError, WindowError
from aisher.slack.commands import (
    BadArgument,
    BadWindow,
    HelpCommand,
    MissingArgument,
    StatusCommand,
    TooManyArguments,
    TraceCommand,
    UnknownSubcommand,
    WhyCommand,
    parse_command,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


class TestParseCommand:
    def test_why_with_window(self) -> None:
        """`why SERVICE WINDOW` keeps both, the window parsed to a length."""
        assert parse_command("why checkout-svc 2h") == WhyCommand(
            "checkout-svc", "2h", timedelta(hours=2)
        )

    def test_why_defaults_to_thirty_minutes(self) -> None:
        """`why SERVICE` looks at the last 30 minutes."""
        command = parse_command("why checkout-svc")
        assert isinstance(command, WhyCommand)
        assert command.window == "30m"
        assert command.length == timedelta(minutes=30)

    def test_extra_spaces_and_case(self) -> None:
        """Subcommands are case-insensitive and extra whitespace is ignored."""
        assert parse_command("  WHY   frontend   1D ") == WhyCommand(
            "frontend", "1d", timedelta(days=1)
        )

    def test_trace(self) -> None:
        """`trace ID` lower-cases the id and drops dashes."""
        assert parse_command(f"trace {TRACE_ID.upper()}") == TraceCommand(TRACE_ID)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [("status", StatusCommand()), ("help", HelpCommand()), ("", HelpCommand())],
    )
    def test_status_help_and_empty(self, text: str, expected: object) -> None:
        """`status`, `help` and an empty text each give their command."""
        assert parse_command(text) == expected

    def test_text_round_trips(self) -> None:
        """A command's `text` is what the user would type for it."""
        assert parse_command("why a").text == "why a 30m"
        assert parse_command(f"trace {TRACE_ID}").text == f"trace {TRACE_ID}"

    def test_unknown_subcommand(self) -> None:
        """An unknown word is named and the usage follows."""
        with pytest.raises(UnknownSubcommand, match="explode") as caught:
            parse_command("explode checkout-svc")
        assert "/aisher why SERVICE" in str(caught.value)

    @pytest.mark.parametrize("text", ["why a 30m extra", "trace abc def", "status now", "help me"])
    def test_too_many_arguments(self, text: str) -> None:
        """Words beyond what a subcommand takes are refused, not ignored."""
        with pytest.raises(TooManyArguments):
            parse_command(text)

    @pytest.mark.parametrize("text", ["why", "trace"])
    def test_missing_argument(self, text: str) -> None:
        """A subcommand without its argument says what it needs."""
        with pytest.raises(MissingArgument, match="needs"):
            parse_command(text)

    @pytest.mark.parametrize("window", ["30x", "0m", "m30", "30m;DROP"])
    def test_bad_window(self, window: str) -> None:
        """A window that does not parse raises the shared `WindowError`."""
        with pytest.raises(WindowError, match="window") as caught:
            parse_command(f"why checkout-svc {window}")
        assert isinstance(caught.value, BadWindow)
        assert caught.value.window == window

    @pytest.mark.parametrize("trace_id", ["xyz", TRACE_ID[:-1], TRACE_ID + "0"])
    def test_bad_trace_id(self, trace_id: str) -> None:
        """A trace id must be 32 hexadecimal characters."""
        with pytest.raises(BadArgument, match="not a trace id"):
            parse_command(f"trace {trace_id}")

    def test_bad_service_name(self) -> None:
        """Quotes and semicolons cannot be in a service name."""
        with pytest.raises(BadArgument, match="not a service name"):
            parse_command("why x';DROP")

    def test_every_error_is_input_error(self) -> None:
        """The listener can catch `InputError` for every parse failure."""
        for text in ("nope", "why", "why a b c", "why a 9q", "trace 1"):
            with pytest.raises(InputError):
                parse_command(text)
