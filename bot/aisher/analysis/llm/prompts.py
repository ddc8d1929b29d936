"""Prompt templates: loading them by name, choosing one per request, filling them from evidence.

A template is a Markdown file with a `## system` part, a `## user` part and an optional
`## retry` part (prompts/README.md describes the format). Its version is a short hash of the
file's exact bytes, so editing a prompt changes the cache keys of the answers it produces.

Telemetry is untrusted: the TOON evidence and the ranked suspects (whose names are telemetry)
each go inside a fenced block the text cannot close; the few values a template shows outside a
fence (the asked service, a rejection reason) are flattened to one line, stripped of control
characters and cut.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template

import aisher
from aisher.analysis.evidence.model import Evidence, Suspect
from aisher.analysis.masking import strip_control, truncate_text
from aisher.config import PromptSettings
from aisher.errors import ConfigError
from aisher.window import iso

TEMPLATE_SUFFIX = ".md"
VERSION_DIGITS = 12
PROMPT_VARIABLES = frozenset(
    {"service", "window", "error_count", "failing_traces", "suspects", "context"}
)
RETRY_VARIABLES = frozenset({"reason"})
DEFAULT_RETRY = (
    "Your previous answer was rejected: $reason\n\n"
    "Reply again with one JSON object in the required shape, and cite only trace and span ids "
    "that appear in the evidence above."
)
MAX_SUSPECTS = 5
MAX_REFS_PER_SUSPECT = 4
MAX_NAME_CHARS = 120  # a service, operation or exception name from telemetry
MAX_REASON_CHARS = 200
MAX_REASON_ECHO = 2000  # a rejection reason, which repeats what the model wrote

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
_PART_HEADING = re.compile(r"^## (system|user|retry)[ \t]*\r?$", re.MULTILINE)
# Three backticks in telemetry would close the ```toon fence and let the rest pose as prompt.
_FENCE = re.compile(r"`{3,}")


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    """A template filled for one request: the system and user messages."""

    system: str
    user: str


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """One prompt template; `version` is a short hash of the file it was read from."""

    name: str
    version: str
    system: str
    user: str
    retry: str = DEFAULT_RETRY

    def render(self, variables: Mapping[str, str]) -> RenderedPrompt:
        """Fill the system and user parts; `variables` must hold every `PROMPT_VARIABLES` key."""
        return RenderedPrompt(
            system=Template(self.system).substitute(variables),
            user=Template(self.user).substitute(variables),
        )

    def follow_up(self, reason: str) -> str:
        """The message that tells the model why its previous answer was rejected."""
        return Template(self.retry).substitute(reason=flat_text(reason, MAX_REASON_ECHO))


def parse_template(name: str, content: bytes, *, source: str = "") -> PromptTemplate:
    """Split a template file into its parts and check every placeholder; `ConfigError` if not."""
    where = f"prompt template {name!r}" + (f" ({source})" if source else "")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where} is not UTF-8 text") from exc
    headings = list(_PART_HEADING.finditer(text))
    order = [match.group(1) for match in headings]
    if order[:2] != ["system", "user"] or len(set(order)) != len(order):
        raise ConfigError(
            f"{where} must have a '## system' part, then a '## user' part, and at most one"
            f" '## retry' part; found {order or 'no part headings'}"
        )
    ends = [match.start() for match in headings[1:]] + [len(text)]
    parts = {
        match.group(1): text[match.end() : end].strip()
        for match, end in zip(headings, ends, strict=True)
    }
    for part, body in parts.items():
        allowed = RETRY_VARIABLES if part == "retry" else PROMPT_VARIABLES
        _check_part(where, part, body, allowed)
    if "context" not in Template(parts["user"]).get_identifiers():
        raise ConfigError(f"{where}: the user part must contain $context (the evidence)")
    return PromptTemplate(
        name=name,
        version=hashlib.sha256(content).hexdigest()[:VERSION_DIGITS],
        system=parts["system"],
        user=parts["user"],
        retry=parts.get("retry", DEFAULT_RETRY),
    )


def _check_part(where: str, part: str, body: str, allowed: frozenset[str]) -> None:
    if not body:
        raise ConfigError(f"{where}: the {part} part is empty")
    template = Template(body)
    if not template.is_valid():
        raise ConfigError(
            f"{where}: the {part} part has a malformed placeholder; write a literal $ as $$"
        )
    unknown = sorted(set(template.get_identifiers()) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown placeholder(s) in the {part} part: "
            + ", ".join(f"${item}" for item in unknown)
            + "; known: "
            + ", ".join(f"${item}" for item in sorted(allowed))
        )


def default_prompt_directory() -> Path:
    """Where the shipped templates are: inside an installed package, or in a source checkout."""
    package = Path(aisher.__file__).parent
    candidates = (package / "prompts", package.parents[1] / "prompts")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise ConfigError(
        "no prompt templates found (looked in "
        + " and ".join(str(candidate) for candidate in candidates)
        + "); set AISHER_PROMPTS_DIR to a directory of templates"
    )


class PromptLibrary:
    """The templates of one directory, read once each, and the choice of template per request."""

    def __init__(self, settings: PromptSettings) -> None:
        self._settings = settings
        self._directory = settings.directory
        self._loaded: dict[str, PromptTemplate] = {}

    @property
    def directory(self) -> Path:
        if self._directory is None:
            self._directory = default_prompt_directory()
        return self._directory

    def names(self) -> tuple[str, ...]:
        """The names of the templates in the directory."""
        files = self.directory.glob(f"*{TEMPLATE_SUFFIX}")
        return tuple(sorted(path.stem for path in files if _NAME.fullmatch(path.stem)))

    def load(self, name: str) -> PromptTemplate:
        """The template called `name`; `ConfigError` when it is missing or malformed."""
        if name in self._loaded:
            return self._loaded[name]
        if not _NAME.fullmatch(name):
            raise ConfigError(
                f"invalid prompt template name {name!r}: use lower-case letters, digits, - and _"
            )
        if not self.directory.is_dir():
            raise ConfigError(f"prompt directory {self.directory} does not exist")
        path = self.directory / f"{name}{TEMPLATE_SUFFIX}"
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            known = ", ".join(self.names()) or "none"
            raise ConfigError(
                f"unknown prompt template {name!r} in {self.directory} (known: {known})"
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot read prompt template {path}: {exc.strerror}") from exc
        template = parse_template(name, content, source=str(path))
        self._loaded[name] = template
        return template

    def select(self, *, channel: str | None = None, tenant: str | None = None) -> PromptTemplate:
        """The template for a request: the channel's override, else the tenant's, else default."""
        overrides = self._settings.overrides
        for key in (channel, tenant):
            if key and key in overrides:
                return self.load(overrides[key])
        return self.load(self._settings.default_template)

    def check(self) -> None:
        """Load the default and every override now, so a typo fails at start-up, not mid-alert."""
        for name in {self._settings.default_template, *self._settings.overrides.values()}:
            self.load(name)


def prompt_variables(evidence: Evidence, context: str) -> dict[str, str]:
    """The values of the template placeholders for one evidence bundle and its TOON context."""
    return {
        "service": flat_text(evidence.service, MAX_NAME_CHARS),
        "window": f"{iso(evidence.window.start)} to {iso(evidence.window.end)}",
        "error_count": str(evidence.error_count),
        "failing_traces": str(evidence.failing_traces),
        "suspects": describe_suspects(evidence.suspects),
        "context": _defuse_fences(strip_control(context).strip()),
    }


def _defuse_fences(text: str) -> str:
    return _FENCE.sub(lambda match: "'" * len(match.group()), text)


def flat_text(text: str, limit: int) -> str:
    """Untrusted text as one line of a prompt: no control characters or line breaks, no run of
    backticks that could open or close a fence, at most `limit` characters."""
    return truncate_text(_defuse_fences(" ".join(strip_control(text).split())), limit)


def describe_suspects(suspects: tuple[Suspect, ...]) -> str:
    """The ranked suspects, one numbered line each, with the figures and ids behind each rank.

    Names come from telemetry: each is flattened and cut, so a suspect is one line that cannot
    close the fenced block the templates show the suspects in.
    """
    if not suspects:
        return "(none: no failing trace has an identifiable origin)"
    return "\n".join(
        f"{rank}. {_describe_suspect(suspect)}"
        for rank, suspect in enumerate(suspects[:MAX_SUSPECTS], start=1)
    )


def _describe_suspect(suspect: Suspect) -> str:
    # The ranking already words its figures as reasons (share of origins, rate lift, deploy).
    facts = [f"score {suspect.score:.2f}", f"kind {suspect.blame.value}"]
    if suspect.via:
        facts.append(f"seen from {flat_text(suspect.via, MAX_NAME_CHARS)}")
    if suspect.symptom:
        facts.append("symptom")
    if suspect.exception_type:
        facts.append(flat_text(suspect.exception_type, MAX_NAME_CHARS))
    facts.extend(flat_text(reason, MAX_REASON_CHARS) for reason in suspect.reasons)
    refs = ", ".join(
        flat_text(ref, MAX_NAME_CHARS) for ref in suspect.evidence[:MAX_REFS_PER_SUSPECT]
    )
    operation = flat_text(suspect.operation, MAX_NAME_CHARS)
    name = " ".join(filter(None, (flat_text(suspect.service, MAX_NAME_CHARS), operation)))
    return f"{name}: " + "; ".join(facts) + f"; evidence: {refs or 'none'}"
