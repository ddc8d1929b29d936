"""What a user reads when their request fails: every error as one short mrkdwn text, no traces.

Bad input (an unknown service, a bad window, a command that does not parse) is explained with
what to type instead; a failure on our side (ClickHouse down, a timeout) is named in one line;
anything unexpected gets a generic line while the details go to the log.
"""

from __future__ import annotations

from aisher.errors import AisherError, InputError, UnknownServiceError, WindowError
from aisher.slack.commands import (
    BadArgument,
    BadWindow,
    MissingArgument,
    TooManyArguments,
    UnknownSubcommand,
)
from aisher.slack.messages import (
    analysis_failed_text,
    bad_window_text,
    missing_argument_text,
    too_many_arguments_text,
    unknown_service_text,
    unknown_subcommand_text,
)
from aisher.slack.mrkdwn import inline_code, inline_text

UNEXPECTED = "an unexpected error on my side; it is in the bot's log"
_NAME = 120
_DETAIL = 500


def describe_failure(error: BaseException, *, window: str | None = None) -> str:
    """The user's explanation of `error`; `window` is the window text they asked for, if any."""
    if isinstance(error, UnknownSubcommand):
        return unknown_subcommand_text(error.word)
    if isinstance(error, TooManyArguments):
        return too_many_arguments_text(error.subcommand, error.extra, error.usage)
    if isinstance(error, MissingArgument):
        return missing_argument_text(error.subcommand, error.what, error.usage)
    if isinstance(error, BadArgument):
        return (
            f"{inline_code(error.value, _NAME)} is not {error.what}. "
            f"Usage: {inline_code(error.usage, _NAME)}"
        )
    if isinstance(error, BadWindow):
        return bad_window_text(error.window)
    if isinstance(error, WindowError):
        # It parsed but lies outside what SigNoz keeps: the message says by how much.
        return bad_window_text(window or "that window", str(error))
    if isinstance(error, UnknownServiceError):
        return unknown_service_text(error.service, error.suggestions, error.known_count)
    if isinstance(error, InputError):
        return inline_text(str(error), _DETAIL)
    if isinstance(error, AisherError):
        return analysis_failed_text(str(error))
    return analysis_failed_text(UNEXPECTED)
