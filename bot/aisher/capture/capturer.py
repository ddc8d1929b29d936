"""Reading an incident out of SigNoz for a regression suite: the I/O side of `aisher capture`.

For a service and window, `IncidentCapturer` first runs the analysis's own evidence collection
with a `ReadLog` watching the repository, so it knows what the analysis reads: the time ranges
(the window, its baseline stretches), the traces (failing, slow, the chain's) and the services.
Then it reads, through the repository:

1. every span of those traces, in each time range;
2. every span of each involved service (see `selection`) in each time range, so per-service
   counts, error rates, operation latencies and deploys come out the same when it is loaded;
3. the log records of those traces.

Each read is bounded by `max_rows`; a cut read is reported, not hidden. Everything is masked with
one `Masker` before it leaves (in a worker thread, so the event loop stays free).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from aisher.analysis.evidence.collector import EvidenceCollector
from aisher.analysis.request import AnalysisRequest
from aisher.capture.masking import CaptureMasker
from aisher.capture.reads import ReadLog
from aisher.capture.selection import involved_services
from aisher.config import QueryLimits
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.probe import SchemaInfo
from aisher.signoz.repository import SignozRepository
from aisher.signoz.stored_records import StoredBatch, StoredLog, StoredSpan
from aisher.window import TimeWindow, iso


@dataclass(frozen=True, slots=True)
class Capture:
    """A masked incident: its spans and logs, and what was taken and what was cut."""

    service: str
    window: TimeWindow
    spans: tuple[StoredSpan, ...]
    logs: tuple[StoredLog, ...]
    traces: int  # the traces the analysis read, taken whole
    services: tuple[str, ...]  # the involved services whose spans were taken in full
    ranges: tuple[TimeWindow, ...]  # the stretches of time taken
    cut: tuple[str, ...]  # which reads the row limit cut short
    masked: dict[str, int]  # values masked per kind

    def describe(self) -> list[str]:
        """Plain sentences on what the capture holds, for the card's notes and the terminal."""
        stretches = ", ".join(f"{iso(r.start)} → {iso(r.end)}" for r in self.ranges)
        lines = [
            f"{self.traces} traces of {self.service} read by the analysis, whole; "
            f"{len(self.spans)} spans of {len(self.services)} services "
            f"({', '.join(self.services)}); {len(self.logs)} log records of those traces; "
            f"time read: {stretches}"
        ]
        lines += [f"cut at the row limit: {what}" for what in self.cut]
        if self.masked:
            kinds = ", ".join(f"{kind} {count}" for kind, count in self.masked.items())
            lines.append(f"masked {sum(self.masked.values())} values ({kinds})")
        return lines


class IncidentCapturer:
    """Reads and masks one incident from a SigNoz store."""

    def __init__(self, executor: QueryExecutor, schema: SchemaInfo, limits: QueryLimits) -> None:
        self._executor = executor
        self._schema = schema
        self._limits = limits

    async def capture(self, service: str, window: TimeWindow) -> Capture:
        """The masked incident of `service` in `window`.

        Raises what the analysis raises for the same question (`UnknownServiceError` with
        suggestions, `WindowError` for a window without data).
        """
        service = service.strip()
        reads = await self._analysis_reads(service, window)
        repository = SignozRepository(self._executor, self._schema, self._limits)
        ranges = reads.ranges()
        batches: dict[str, list[StoredBatch]] = {"traces": [], "services": [], "logs": []}
        trace_ids = reads.trace_ids
        for stretch in ranges:
            batches["traces"].append(await repository.stored_spans(stretch, trace_ids=trace_ids))
        traced = _unique([span for batch in batches["traces"] for span in batch.spans])
        services = involved_services(service, traced, reads.services)
        for stretch in ranges:
            batches["services"].append(await repository.stored_spans(stretch, services=services))
            batches["logs"].append(await repository.stored_logs(trace_ids, stretch))
        spans = _unique([*traced, *(s for b in batches["services"] for s in b.spans)])
        logs = [log for batch in batches["logs"] for log in batch.logs]
        masker = CaptureMasker()
        masked_spans, masked_logs = await asyncio.to_thread(_mask, masker, spans, logs)
        return Capture(
            service=service,
            window=window,
            spans=masked_spans,
            logs=masked_logs,
            traces=len(trace_ids),
            services=tuple(services),
            ranges=tuple(ranges),
            cut=tuple(
                f"the {what} (newest kept)"
                for what, found in (
                    ("spans of the traces read", batches["traces"]),
                    ("spans of the involved services", batches["services"]),
                    ("logs of the traces read", batches["logs"]),
                )
                if any(batch.truncated for batch in found)
            ),
            masked=masker.findings,
        )

    async def _analysis_reads(self, service: str, window: TimeWindow) -> ReadLog:
        """Run the analysis's evidence collection and note everything it reads."""
        reads = ReadLog()
        observed = SignozRepository(self._executor, self._schema, self._limits, observer=reads)
        collector = EvidenceCollector(
            observed, max_traces=self._limits.max_traces, max_logs=self._limits.max_logs
        )
        await collector.collect(AnalysisRequest(service, window))
        return reads


def _unique(spans: Sequence[StoredSpan]) -> list[StoredSpan]:
    """Each span once (a trace's span is also its service's), the first kept."""
    seen: dict[tuple[str, str], StoredSpan] = {}
    for span in spans:
        seen.setdefault((span.trace_id, span.span_id), span)
    return list(seen.values())


def _mask(
    masker: CaptureMasker, spans: Sequence[StoredSpan], logs: Sequence[StoredLog]
) -> tuple[tuple[StoredSpan, ...], tuple[StoredLog, ...]]:
    return tuple(masker.span(span) for span in spans), tuple(masker.log(log) for log in logs)
