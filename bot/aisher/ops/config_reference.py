"""docs/configuration.md, generated from the settings model so it cannot drift from it.

Walks `Settings` and its slices in declaration order: every field with its environment variable
(its `validation_alias`), a readable type, its default, and a description taken from
`Field(description=...)` or else from the comment lines just above the field in the source.

    python -m aisher.ops.config_reference docs/configuration.md
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from aisher.config import SECRETS_DIR_VARIABLE, Settings, Slice

REGENERATE_COMMAND = "python -m aisher.ops.config_reference docs/configuration.md"

_HEADER = f"""\
# Configuration

<!-- Generated from aisher.config.Settings; do not edit. Regenerate with:
     {REGENERATE_COMMAND} -->

Aisher reads every setting once at start-up: from the environment first, then `.env` in the
working directory, then one file per variable in the secrets directory (`{SECRETS_DIR_VARIABLE}`,
e.g. `/run/secrets`, each file named like the variable). Empty values count as unset. Lists are
comma-separated (`a,b,c`); maps are `key=value` pairs (`acme=5,beta=0.5`) or a JSON object.
Secrets are never logged or shown in errors.
"""


def field_comments(model: type[BaseModel]) -> dict[str, str]:
    """The comment lines right above each field of `model`'s class body, joined into a sentence."""
    try:
        lines, _ = inspect.getsourcelines(model)
    except (OSError, TypeError):  # no source (a frozen or interactive build): no comments
        return {}
    body = ast.parse(textwrap.dedent("".join(lines))).body[0]
    if not isinstance(body, ast.ClassDef):
        return {}
    source = textwrap.dedent("".join(lines)).splitlines()
    comments: dict[str, str] = {}
    for statement in body.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            comments[statement.target.id] = _comment_above(source, statement.lineno - 1)
    return {name: text for name, text in comments.items() if text}


def _comment_above(source: list[str], index: int) -> str:
    parts: list[str] = []
    for line in reversed(source[:index]):
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        parts.append(stripped.lstrip("#").strip())
    return " ".join(reversed(parts))


def type_name(annotation: Any) -> str:
    """A reader's name for a field's type: `integer`, `list`, `one of a, b`, `secret`…"""
    if annotation is None or annotation is type(None):
        return "unset"
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{value}`" for value in arguments)
    if origin in (typing.Union, types.UnionType):
        present = [argument for argument in arguments if argument is not type(None)]
        return " or ".join(type_name(argument) for argument in present)
    if origin is tuple:
        return f"list of {_plural(type_name(arguments[0]))}" if arguments else "list"
    if origin is dict:
        return f"map of {type_name(arguments[0])} to {type_name(arguments[1])}"
    names: dict[Any, str] = {
        str: "string",
        int: "integer",
        float: "number",
        bool: "boolean",
        Path: "path",
        SecretStr: "secret",
    }
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _plural(name: str) -> str:
    return name if name.endswith("s") else f"{name}s"


def bounds_text(field: FieldInfo) -> str:
    """The field's numeric bounds, as `≥ 1, ≤ 65535`; empty when it has none."""
    signs = (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤"))
    return ", ".join(
        f"{sign} {getattr(item, name)}"
        for item in field.metadata
        for name, sign in signs
        if getattr(item, name, None) is not None
    )


def default_text(field: FieldInfo) -> str:
    """The default as a reader would type it, or `unset`."""
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]  # ours take no arguments
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    return _value_text(value)


def _value_text(value: Any) -> str:
    if value is None or value in ("", (), {}):
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return "`" + ",".join(str(item) for item in value) + "`"
    if isinstance(value, dict):
        return "`" + ",".join(f"{key}={val}" for key, val in value.items()) + "`"
    if isinstance(value, Enum):
        return f"`{value.value}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    # A `|` would end the table cell, a newline the row.
    return text.replace("|", "\\|").replace("\n", " ")


def table(model: type[BaseModel], fields: list[tuple[str, FieldInfo]]) -> list[str]:
    """The Markdown table of `fields` of `model`: variable, type, default, description."""
    comments = field_comments(model)
    rows = ["| Variable | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for name, field in fields:
        alias = field.validation_alias
        if not isinstance(alias, str):
            continue
        description = field.description or comments.get(name, "")
        rows.append(
            "| "
            + " | ".join(
                _cell(cell)
                for cell in (
                    f"`{alias}`",
                    ", ".join(filter(None, (type_name(field.annotation), bounds_text(field)))),
                    default_text(field),
                    description,
                )
            )
            + " |"
        )
    return rows


def _slices(model: type[BaseModel]) -> list[tuple[str, type[Slice]]]:
    found: list[tuple[str, type[Slice]]] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Slice):
            found.append((name, annotation))
    return found


def render_reference(settings: type[Settings] = Settings) -> str:
    """docs/configuration.md: the general settings, then one section per slice."""
    slice_names = {name for name, _ in _slices(settings)}
    general = [
        (name, field) for name, field in settings.model_fields.items() if name not in slice_names
    ]
    lines = [_HEADER, "## General", "", *table(settings, general), ""]
    for name, model in _slices(settings):
        summary = (inspect.getdoc(model) or "").split("\n\n", 1)[0].replace("\n", " ")
        fields = list(model.model_fields.items())
        lines += [f"## `{name}`", "", summary, "", *table(model, fields), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    """Write the reference to the path given, or print it."""
    text = render_reference()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
