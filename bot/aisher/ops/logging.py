"""Logging for a long-running process: JSON lines (or console text), one context per analysis.

`configure_logging` is called once at start-up by the entry point (nothing here runs at import):
it puts one handler on the root logger that writes JSON lines, or readable text when stderr is a
terminal (`AISHER_LOG_FORMAT=json|text|auto`, `AISHER_LOG_LEVEL`). Modules keep logging through
`logging.getLogger(__name__)` and never know the format.

`log_context(request_id=…)` binds fields for the block through a context variable, so every line
logged while one analysis runs, in its tasks and worker threads too, carries its request or
alert id. Every line goes through `SecretRedactor` last: the configured secrets (tokens, keys,
passwords in DSNs) and credential-shaped strings never reach the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TextIO
from urllib.parse import urlsplit

from pydantic import SecretStr

from aisher.config import OpsSettings, Settings

_CONTEXT: ContextVar[Mapping[str, str]] = ContextVar(
    "aisher_log_context", default=MappingProxyType({})
)
REDACTED = "***"
# Shorter values are too likely to occur by chance in ordinary text to be replaced everywhere.
MIN_SECRET_CHARS = 6
# Libraries whose INFO lines are noise at INFO: one line per HTTP request, per socket ping.
QUIET_LOGGERS = ("aiohttp.access", "slack_sdk.socket_mode", "slack_bolt", "httpx", "LiteLLM")
_CREDENTIAL_SHAPES = (
    # user:password@ in any URL (DSNs, Redis URLs)
    (re.compile(r"(?P<keep>\b[a-z][a-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@", re.IGNORECASE), "@"),
    (re.compile(r"(?P<keep>\bBearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE), ""),
    (re.compile(r"(?P<keep>)\bx(?:ox[abposr]|app)-[A-Za-z0-9-]{8,}"), ""),  # Slack tokens
    (re.compile(r"(?P<keep>)\bsk-[A-Za-z0-9_-]{16,}"), ""),  # OpenAI-style API keys
)


def new_id() -> str:
    """A short random id for one request or analysis."""
    return uuid.uuid4().hex[:16]


@contextmanager
def log_context(**fields: str | None) -> Iterator[Mapping[str, str]]:
    """Add `fields` (None values are left out) to every line logged inside the block."""
    merged = {**_CONTEXT.get(), **{key: value for key, value in fields.items() if value}}
    token = _CONTEXT.set(merged)
    try:
        yield merged
    finally:
        _CONTEXT.reset(token)


def bind_log_context(**fields: str | None) -> None:
    """Add `fields` to the current context for good: for a context made for one task
    (`contextvars.copy_context().run(bind_log_context, …)`), never for a shared one."""
    _CONTEXT.set({**_CONTEXT.get(), **{key: value for key, value in fields.items() if value}})


def current_log_context() -> Mapping[str, str]:
    """The fields bound by the enclosing `log_context` blocks."""
    return _CONTEXT.get()


class SecretRedactor:
    """Replaces known secret values and credential-shaped strings with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = sorted(
            {value for value in secrets if len(value) >= MIN_SECRET_CHARS}, key=len, reverse=True
        )
        self._values = re.compile("|".join(map(re.escape, values))) if values else None

    def __call__(self, text: str) -> str:
        if self._values is not None:
            text = self._values.sub(REDACTED, text)
        for pattern, tail in _CREDENTIAL_SHAPES:
            text = pattern.sub(rf"\g<keep>{REDACTED}{tail}", text)
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context, the exception."""

    def __init__(self, redact: SecretRedactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": self._redact(record.getMessage()),
        }
        line.update(current_log_context())
        if record.exc_info:
            line["exception"] = self._redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time level logger [key=value …]: message` for a person at a terminal."""

    def __init__(self, redact: SecretRedactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        context = current_log_context()
        record.context = (
            " [" + " ".join(f"{key}={value}" for key, value in context.items()) + "]"
            if context
            else ""
        )
        return self._redact(super().format(record))


def use_json(log_format: str, stream: TextIO) -> bool:
    """JSON unless asked for text, or left to `auto` with a terminal to write to."""
    if log_format == "auto":
        return not stream.isatty()
    return log_format == "json"


def configure_logging(
    settings: OpsSettings, *, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Send every log line to `stream` (stderr) in the configured format; replaces the root
    logger's handlers, so calling it again reconfigures rather than duplicates."""
    stream = stream if stream is not None else sys.stderr
    redact = SecretRedactor(secrets)
    handler = logging.StreamHandler(stream)
    formatter = JsonFormatter(redact) if use_json(settings.log_format, stream) else None
    handler.setFormatter(formatter or TextFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # At DEBUG everything speaks; otherwise the chatty libraries only warn.
    quiet = logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
    return handler


def settings_secrets(settings: Settings) -> list[str]:
    """Every secret value the settings hold: tokens, keys, and passwords inside URLs."""
    found: list[str] = []
    for value in _walk(settings.model_dump()):
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, str) and "://" in value:
            password = urlsplit(value).password
            if password:
                found.append(password)
    return found


def _walk(value: object) -> Iterator[object]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)
    else:
        yield value
