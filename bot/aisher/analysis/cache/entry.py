"""A cached answer as JSON: written by one replica, read by any other.

The entry is the `Answer` itself (which carries its model, prompt version and creation time)
inside a versioned envelope, validated by pydantic on the way back in. Nothing is pickled: an
entry is readable by any version of the code that knows its format, a corrupt or foreign entry
fails here instead of deep inside a renderer, and no replica unpickles bytes someone put into Redis.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, field_validator

from aisher.analysis.cache.key import CACHE_FORMAT_VERSION
from aisher.analysis.report import Answer


class CacheEntryError(ValueError):
    """A stored entry is not valid JSON of the expected shape; the cache treats it as a miss."""


class CachedAnswer(BaseModel):
    """An answer as the cache keeps it. `answer.created_at` says when it was made."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: int = CACHE_FORMAT_VERSION
    answer: Answer

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: int) -> int:
        if value != CACHE_FORMAT_VERSION:
            raise ValueError(f"unknown entry format {value}")
        return value

    @property
    def created_at(self) -> str:
        return self.answer.created_at or ""

    def made_by(self, *, model: str, prompt_version: str) -> bool:
        """Whether the answer came from this model with this prompt version."""
        answer = self.answer
        return answer.analyzer == f"llm:{model}" and answer.prompt_version == prompt_version

    def served(self) -> Answer:
        """The answer as a cache hit hands it out: marked as cached."""
        return self.answer.model_copy(update={"cached": True})


class _StoredAnswer(Answer):
    # An entry without a zone-aware creation time could not be expired against the clock.
    created_at: AwareDatetime  # type: ignore[assignment]


def encode_entry(entry: CachedAnswer) -> str:
    """The entry as compact JSON."""
    return entry.model_dump_json()


def decode_entry(raw: str | bytes) -> CachedAnswer:
    """The entry stored as `raw`; `CacheEntryError` when it is not one this code wrote."""
    try:
        entry = CachedAnswer.model_validate_json(raw)
        _StoredAnswer.model_validate(entry.answer.model_dump())
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'entry'}: {error['msg']}"
            for error in exc.errors()
        )
        raise CacheEntryError(problems) from None
    return entry
