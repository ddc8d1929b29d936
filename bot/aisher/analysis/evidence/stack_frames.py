"""Read stack traces: the frame that threw, and the trace without the lines that repeat the
exception's type and message (they make every trace unique and add nothing)."""

from __future__ import annotations

import re

_PY_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<fn>\S+)')
_JAVA_FRAME = re.compile(r"^\s*at\s+(?P<frame>\S.*)$")
_GO_FRAME = re.compile(r"^\s*(?P<frame>\S+\.go:\d+)")
_ACCESSOR = re.compile(r"GeneratedMethodAccessor\d+")


def top_frame(stacktrace: str) -> str:
    """The frame where the exception was raised, as written in the trace, or ''."""
    lines = stacktrace.splitlines()
    python_frames = [line.strip() for line in lines if _PY_FRAME.match(line)]
    if python_frames:
        return python_frames[-1]  # Python prints the innermost frame last
    for line in lines:
        match = _JAVA_FRAME.match(line) or _GO_FRAME.match(line)
        if match:
            return match.group("frame").strip()
    return ""


def strip_header(stacktrace: str, exception_type: str, message: str) -> str:
    """Drop the `<type>: <message>` line(s) that repeat what the group already says.

    Java and Node put it first, Python last; only exact repeats are dropped, so the result
    plus the type and message is the original trace.
    """
    lines = stacktrace.rstrip("\n").splitlines()
    short_type = exception_type.rsplit(".", 1)[-1]
    header_forms = {
        f"{exception_type}: {message}".strip(),
        f"{short_type}: {message}".strip(),
        exception_type.strip(),
        f"Error: {message}".strip(),
    }
    if lines and lines[0].strip() in header_forms:
        lines = lines[1:]
    if lines and lines[-1].strip() in header_forms:
        lines = lines[:-1]
    return "\n".join(lines)


def normalize_frames(stacktrace: str) -> str:
    """Remove per-process noise (reflection accessor numbers) so equal traces compare equal."""
    return _ACCESSOR.sub("GeneratedMethodAccessor", stacktrace)
