"""`aisher check`: every setting and connection a deployment needs, one line per check.

    ✓ ClickHouse: http://default:***@clickhouse:8123/: SigNoz traces v3 (…), logs v2 (…)
    ✗ Redis: redis:6379 does not answer: … — fix: start Redis, or correct … AISHER_REDIS_URL

Exit code 0 when nothing failed (warnings and skipped parts are fine), 1 otherwise. Lines are
terminal-safe: control characters removed, one line each, and plain ASCII marks when the
output cannot encode ✓ and ✗.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from aisher.config import Settings
from aisher.ops.checks import CheckResult, Status, has_failures
from aisher.ops.preflight import CheckOptions, run_checks
from aisher.render.safe_text import MESSAGE_LIMIT, one_line

EXIT_PROBLEMS = 1
MARKS = {Status.OK: "✓", Status.FAIL: "✗", Status.WARN: "!", Status.SKIP: "-"}
ASCII_MARKS = {Status.OK: "ok", Status.FAIL: "FAIL", Status.WARN: "warn", Status.SKIP: "skip"}
_ASCII = str.maketrans({"—": "--", "→": "->", "…": "...", "✓": "ok", "✗": "x"})


async def run_check(
    settings: Settings,
    *,
    llm_call: bool = False,
    manifest: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Run every check and print one line each, then a summary; the exit code."""
    out = out or sys.stdout
    results = await run_checks(settings, CheckOptions(llm_call=llm_call, manifest=manifest))
    for line in render_results(results, unicode=_can_encode(out)):
        print(line, file=out)
    return EXIT_PROBLEMS if has_failures(results) else 0


def render_results(results: Sequence[CheckResult], *, unicode: bool = True) -> list[str]:
    """One line per check, then the summary line."""
    lines = [render_result(result, unicode=unicode) for result in results]
    problems = sum(result.status is Status.FAIL for result in results)
    warnings = sum(result.status is Status.WARN for result in results)
    if problems:
        summary = f"{problems} of {len(results)} checks failed; fix them before deploying"
    else:
        summary = f"all {len(results)} checks passed"
    if warnings:
        summary += f" ({warnings} with a warning)"
    lines.append(_plain(f"aisher check: {summary}", unicode=unicode))
    return lines


def render_result(result: CheckResult, *, unicode: bool = True) -> str:
    mark = (MARKS if unicode else ASCII_MARKS)[result.status]
    text = f"{mark} {result.name}: {result.detail}"
    if result.fix:
        text += f" — fix: {result.fix}"
    return _plain(one_line(text, MESSAGE_LIMIT), unicode=unicode)


def _plain(text: str, *, unicode: bool) -> str:
    if unicode:
        return text
    return text.translate(_ASCII).encode("ascii", "replace").decode("ascii")


def _can_encode(out: TextIO) -> bool:
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        "✓✗—→…".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
