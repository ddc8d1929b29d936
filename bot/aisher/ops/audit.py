"""The audit log: one JSON line per analysis and per refused request, for whoever must answer
"who asked what about which service, and what went to which model?".

A line names who asked (Slack user, API key id, `alertmanager`), where (channel), how
(trigger), about what (service, window), what answered (model, prompt version, the sha256 of the
masked prompt when an LLM was asked), what it cost (tokens, dollars), whether it was cached, and
how it ended. It never holds telemetry: no root cause, no log line, no span; free-text reasons
are masked and cut short. `AISHER_AUDIT_LOG` sends the lines to stdout (`-`), a file (appended),
or nowhere (`off`).

The analysis engine records analyses itself (`AuditLog` is its `AnalysisAudit`); front ends
record the requests they refuse with `record_refusal`, or build an `AuditRecord` and `record` it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TextIO

from pydantic import BaseModel, ConfigDict

from aisher.analysis.masking.masker import Masker
from aisher.analysis.report import Report, TokenUsage
from aisher.analysis.request import AnalysisRequest
from aisher.ops.logging import current_log_context
from aisher.window import iso

STDOUT = "-"
OFF = "off"
REASON_CHARS = 300
# The context field that identifies one request or alert across log and audit lines.
ID_FIELDS = ("alert_id", "request_id")


class AuditWindow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start: str
    end: str


class AuditRecord(BaseModel):
    """One audit line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: str
    event: Literal["analysis", "refused"]
    outcome: str  # answered | cached | fallback | failed | cancelled | refused
    trigger: str
    id: str | None = None  # the request or alert id every log line of it carries
    who: str | None = None
    channel: str | None = None
    remote: str | None = None  # the peer address of a refused HTTP request
    tenant: str | None = None
    service: str | None = None
    window: AuditWindow | None = None
    analyzer: str | None = None
    model: str | None = None
    prompt_version: str | None = None
    prompt_sha256: str | None = None
    tokens: TokenUsage = TokenUsage()
    cost_usd: float = 0.0
    cached: bool = False
    report_id: str | None = None
    reason: str | None = None


def analysis_record(
    request: AnalysisRequest,
    report: Report | None,
    *,
    outcome: str,
    at: datetime,
    error: BaseException | None = None,
) -> AuditRecord:
    """The line for one analysis of `request`: its report, or the error that stopped it."""
    window = AuditWindow(start=iso(request.window.start), end=iso(request.window.end))
    base = AuditRecord(
        at=iso(at),
        event="analysis",
        outcome=outcome,
        trigger=request.trigger,
        id=correlation_id(),
        who=request.requester,
        channel=request.channel,
        tenant=request.tenant,
        service=request.service,
        window=window,
        reason=describe_error(error) if error is not None else None,
    )
    if report is None:
        return base
    analyzer = report.analyzer
    return base.model_copy(
        update={
            "analyzer": analyzer,
            "model": analyzer.split(":", 1)[1] if analyzer.startswith("llm:") else None,
            "prompt_version": report.prompt_version,
            "prompt_sha256": report.prompt_sha256,
            "tokens": report.tokens,
            "cost_usd": report.cost_usd,
            "cached": report.cached,
            "report_id": report.id,
        }
    )


def correlation_id() -> str | None:
    """The alert or request id bound to the current log context, if any."""
    context = current_log_context()
    return next((context[name] for name in ID_FIELDS if name in context), None)


def describe_error(error: BaseException) -> str:
    """An error as a short masked line: error messages can echo input and telemetry."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return Masker().mask(text[:REASON_CHARS])


class AuditLog:
    """Writes audit lines to a stream; one built with `None` records nothing."""

    def __init__(
        self,
        stream: TextIO | None,
        *,
        owns_stream: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._stream = stream
        self._owns_stream = owns_stream
        self._clock = clock
        self._lock = threading.Lock()  # lines from worker threads must not interleave

    @classmethod
    def open(cls, target: str) -> AuditLog:
        """`-` for stdout, `off` for nothing, else a file path to append to."""
        if target.strip().lower() == OFF:
            return cls(None)
        if target.strip() == STDOUT:
            return cls(sys.stdout)
        path = Path(target).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(path.open("a", encoding="utf-8", buffering=1), owns_stream=True)

    @property
    def enabled(self) -> bool:
        return self._stream is not None

    def record(self, record: AuditRecord) -> None:
        """Write one line (and flush it: an audit line must survive a crash right after)."""
        if self._stream is None:
            return
        line = record.model_dump_json() + "\n"
        with self._lock:
            self._stream.write(line)
            self._stream.flush()

    def record_analysis(
        self,
        request: AnalysisRequest,
        report: Report | None,
        *,
        outcome: str,
        error: BaseException | None = None,
    ) -> None:
        """The line for one analysis (the engine calls this; see `AnalysisAudit`)."""
        if self._stream is None:
            return
        self.record(
            analysis_record(request, report, outcome=outcome, at=self._clock(), error=error)
        )

    def record_refusal(
        self,
        *,
        trigger: str,
        reason: str,
        who: str | None = None,
        channel: str | None = None,
        service: str | None = None,
        remote: str | None = None,
    ) -> None:
        """The line for a request Aisher refused; `reason` is a stable code or a short text."""
        self.record(
            AuditRecord(
                at=iso(self._clock()),
                event="refused",
                outcome="refused",
                trigger=trigger,
                id=correlation_id(),
                who=who,
                channel=channel,
                remote=remote,
                service=service,
                reason=Masker().mask(reason[:REASON_CHARS]),
            )
        )

    def close(self) -> None:
        """Close the file this log opened; stdout stays open."""
        stream, self._stream = self._stream, None
        if stream is not None and self._owns_stream:
            stream.close()
