"""docs/configuration.md is generated from the settings model and kept current."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from aisher.config import Settings, variable_for
from aisher.ops.config_reference import (
    REGENERATE_COMMAND,
    bounds_text,
    default_text,
    field_comments,
    render_reference,
    table,
    type_name,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


class Example(BaseModel):
    """A model to read comments and defaults from."""

    # First line of why,
    # and the second.
    commented: int = Field(default=3, ge=1, le=9, validation_alias="EXAMPLE_COMMENTED")
    described: str = Field(
        default="x", description="Said in the field.", validation_alias="EXAMPLE_DESCRIBED"
    )
    plain: tuple[str, ...] = Field(default=("a", "b"), validation_alias="EXAMPLE_PLAIN")


class TestConfigReference:
    def test_document_is_current(self) -> None:
        """docs/configuration.md equals what the generator renders now."""
        assert DOC.read_text(encoding="utf-8") == render_reference(), (
            f"docs/configuration.md is stale; regenerate it with `{REGENERATE_COMMAND}`"
        )

    def test_document_says_how_to_regenerate(self) -> None:
        """The generated page names the command that regenerates it."""
        assert REGENERATE_COMMAND in render_reference()

    def test_lists_every_variable(self) -> None:
        """Every environment variable of every slice has a row."""
        text = render_reference()
        for name, field in Settings.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                for inner in annotation.model_fields:
                    variable = variable_for((name, inner))
                    assert variable is not None
                    assert f"| `{variable}` |" in text
            else:
                assert f"| `{field.validation_alias}` |" in text

    def test_reads_comments_above_fields(self) -> None:
        """Comment lines right above a field become its description; others have none."""
        assert field_comments(Example) == {"commented": "First line of why, and the second."}

    def test_prefers_the_field_description(self) -> None:
        """A `Field(description=...)` is the description, else the comment above the field."""
        rows = table(Example, list(Example.model_fields.items()))
        assert "| `EXAMPLE_DESCRIBED` | string | `x` | Said in the field. |" in rows
        assert (
            "| `EXAMPLE_COMMENTED` | integer, ≥ 1, ≤ 9 | `3` | First line of why, and the second. |"
            in rows
        )

    def test_names_types_for_readers(self) -> None:
        """Types read as words: optional secrets, choices, lists and maps."""
        assert type_name(SecretStr | None) == "secret"
        assert type_name(Literal["a", "b"]) == "one of `a`, `b`"
        assert type_name(tuple[str, ...]) == "list of strings"
        assert type_name(dict[str, float]) == "map of string to number"

    def test_renders_defaults_and_bounds(self) -> None:
        """Defaults are written as typed (lists comma-separated) and bounds as ≥/≤."""
        fields = Example.model_fields
        assert default_text(fields["plain"]) == "`a,b`"
        assert default_text(fields["commented"]) == "`3`"
        assert bounds_text(fields["commented"]) == "≥ 1, ≤ 9"
        assert default_text(Settings.model_fields["secrets_dir"]) == "unset"
