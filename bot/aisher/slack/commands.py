"""The text after `/aisher`, parsed into one command; pure, no Slack and no I/O.

    why SERVICE [WINDOW]   explain a service's errors (WINDOW defaults to 30m)
    trace TRACE_ID         explain one trace
    status                 ClickHouse, Redis, model, cache hit rate, spend
    help                   usage

Bad input raises a `CommandError`, an `InputError` whose subclass says what was wrong (a bad
window is also a `WindowError`); the listener shows it to the user as an ephemeral reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from aisher.errors import InputError, WindowError
from aisher.window import parse_duration

DEFAULT_WINDOW = "30m"
MAX_SERVICE_LENGTH = 200
_TRACE_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_SERVICE_RE = re.compile(r"^[\w.\-/:@]+$")

USAGE = (
    "`/aisher why SERVICE [WINDOW]` explains a service's errors,"
    " e.g. `/aisher why checkout-svc 30m` (WINDOW like 30m, 2h, 1d; default 30m)\n"
    "`/aisher trace TRACE_ID` explains one trace (32 hex characters)\n"
    "`/aisher status` shows ClickHouse, Redis, the LLM model, the cache hit rate"
    " and today's spend\n"
    "`/aisher help` shows this"
)


@dataclass(frozen=True, slots=True)
class WhyCommand:
    """`why SERVICE [WINDOW]`; `window` is the user's text, already checked to parse."""

    service: str
    window: str
    length: timedelta

    @property
    def text(self) -> str:
        return f"why {self.service} {self.window}"


@dataclass(frozen=True, slots=True)
class TraceCommand:
    """`trace TRACE_ID`, the id lower-cased."""

    trace_id: str

    @property
    def text(self) -> str:
        return f"trace {self.trace_id}"


@dataclass(frozen=True, slots=True)
class StatusCommand:
    text: str = "status"


@dataclass(frozen=True, slots=True)
class HelpCommand:
    text: str = "help"


SlashCommand = WhyCommand | TraceCommand | StatusCommand | HelpCommand


class CommandError(InputError):
    """The `/aisher` text cannot be understood; the message says what to type instead."""


class UnknownSubcommand(CommandError):
    def __init__(self, word: str) -> None:
        self.word = word
        super().__init__(f"I don't know `{word}`. Try:\n{USAGE}")


class TooManyArguments(CommandError):
    def __init__(self, subcommand: str, extra: list[str], usage: str) -> None:
        self.subcommand = subcommand
        self.extra = tuple(extra)
        self.usage = usage
        super().__init__(
            f"`{subcommand}` got more than it takes ({' '.join(extra)}); usage: `{usage}`"
        )


class MissingArgument(CommandError):
    def __init__(self, subcommand: str, what: str, usage: str) -> None:
        self.subcommand = subcommand
        self.what = what
        self.usage = usage
        super().__init__(f"`{subcommand}` needs {what}; usage: `{usage}`")


class BadArgument(CommandError):
    """A service name or trace id that cannot be one; `what` says what it should have been."""

    def __init__(self, value: str, what: str, usage: str) -> None:
        self.value = value
        self.what = what
        self.usage = usage
        super().__init__(f"{value[:60]!r} is not {what}; usage: `{usage}`")


class BadWindow(CommandError, WindowError):
    """A window that does not parse; `window` is what the user typed."""

    def __init__(self, window: str, detail: str) -> None:
        self.window = window
        super().__init__(detail)


_WHY_USAGE = "/aisher why SERVICE [WINDOW]"
_TRACE_USAGE = "/aisher trace TRACE_ID"


def parse_command(text: str) -> SlashCommand:
    """The command in `text` (everything after `/aisher`); empty text asks for help."""
    words = text.split()
    if not words:
        return HelpCommand()
    head, args = words[0].lower(), words[1:]
    if head == "why":
        return _parse_why(args)
    if head == "trace":
        return _parse_trace(args)
    if head in ("status", "help"):
        if args:
            raise TooManyArguments(head, args, f"/aisher {head}")
        return StatusCommand() if head == "status" else HelpCommand()
    raise UnknownSubcommand(words[0])


def _parse_why(args: list[str]) -> WhyCommand:
    if not args:
        raise MissingArgument("why", "a service name", _WHY_USAGE)
    if len(args) > 2:
        raise TooManyArguments("why", args[2:], _WHY_USAGE)
    service = args[0]
    if len(service) > MAX_SERVICE_LENGTH or not _SERVICE_RE.match(service):
        raise BadArgument(service, "a service name", _WHY_USAGE)
    window = args[1] if len(args) == 2 else DEFAULT_WINDOW
    try:
        length = parse_duration(window)
    except WindowError as exc:
        raise BadWindow(window, str(exc)) from None
    return WhyCommand(service=service, window=window.lower(), length=length)


def _parse_trace(args: list[str]) -> TraceCommand:
    if not args:
        raise MissingArgument("trace", "a trace id", _TRACE_USAGE)
    if len(args) > 1:
        raise TooManyArguments("trace", args[1:], _TRACE_USAGE)
    trace_id = args[0].lower().replace("-", "")
    if not _TRACE_ID_RE.match(trace_id):
        raise BadArgument(args[0], "a trace id (32 hexadecimal characters)", _TRACE_USAGE)
    return TraceCommand(trace_id=trace_id)
