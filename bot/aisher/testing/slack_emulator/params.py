"""Coercing Web API parameters: the same value arrives as JSON, a form string or a query string."""

from __future__ import annotations

import json
from typing import Any

HISTORY_PAGE = 100


def json_field(value: Any) -> Any:
    """Form-encoded calls send blocks, attachments and metadata as JSON strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def text_param(value: Any) -> str | None:
    return None if value is None else str(value)


def flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in {"true", "1"})


def page_limit(value: Any) -> int:
    try:
        return max(1, int(value)) if value is not None else HISTORY_PAGE
    except (TypeError, ValueError):
        return HISTORY_PAGE
