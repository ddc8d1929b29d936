"""A small Dockerfile reader for tests: instructions, their arguments and the build stages.

Handles what Aisher's Dockerfile uses: comments, line continuations (comment lines inside a
continued instruction are dropped, as BuildKit does), the exec (JSON) form and `FROM … AS name`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction: `keyword` upper-cased, `arguments` as written on one logical line."""

    keyword: str
    arguments: str

    def exec_form(self) -> list[str] | None:
        """The arguments as a JSON list (`CMD ["aisher", "serve"]`), or None in shell form."""
        text = self.arguments
        # HEALTHCHECK carries its options before the CMD it runs.
        if self.keyword == "HEALTHCHECK" and " CMD " in f" {text} ":
            text = text.split("CMD", 1)[1].strip()
        if not text.startswith("["):
            return None
        parsed = json.loads(text)
        if not isinstance(parsed, list) or not all(isinstance(item, str) for item in parsed):
            return None
        return parsed


@dataclass(slots=True)
class Stage:
    """A build stage: its base image, its name (if any) and its instructions after FROM."""

    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [item for item in self.instructions if item.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


def logical_lines(text: str) -> list[str]:
    """The instructions' lines, with continuations joined and comments removed."""
    lines: list[str] = []
    pending: list[str] = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        lines.append(" ".join(part for part in pending if part))
        pending = []
    if pending:
        lines.append(" ".join(part for part in pending if part))
    return lines


def parse_instructions(text: str) -> list[Instruction]:
    instructions = []
    for line in logical_lines(text):
        keyword, _, arguments = line.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    return instructions


def parse_stages(text: str) -> list[Stage]:
    """The stages in order; instructions before the first FROM (ARG) are dropped."""
    stages: list[Stage] = []
    for instruction in parse_instructions(text):
        if instruction.keyword == "FROM":
            words = [word for word in instruction.arguments.split() if not word.startswith("--")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], name=name))
        elif stages:
            stages[-1].instructions.append(instruction)
    return stages
