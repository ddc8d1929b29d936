"""What the REST API reads and writes, as pydantic models: the handlers validate and answer with
these, and the OpenAPI document is generated from the very same classes.

Requests are strict (a JSON string where a string is expected, a JSON boolean for `refresh`) and
refuse unknown fields, so that a typo (`"windw"`) is an error instead of a silent default.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from aisher.analysis.report import Report, TraceReport, Window
from aisher.errors import ECHO_LIMIT
from aisher.telemetry import ServiceStats
from aisher.web.api.errors import ApiErrorCode
from aisher.window import TimeWindow

# Window texts are short (`30m`, `12h`); ISO 8601 timestamps with an offset fit in 40.
WINDOW_TEXT_LIMIT = 16
UNTIL_TEXT_LIMIT = 40
# Longer than any service name SigNoz would show, short enough to echo in an error.
SERVICE_NAME_LIMIT = ECHO_LIMIT
DEFAULT_WINDOW = "30m"

_WINDOW_HELP = "how far back to look: a number and a unit s, m, h or d, like 30m, 2h or 1d"
_UNTIL_HELP = (
    "end of the window, ISO 8601 with its time zone, like 2026-11-26T09:30:00Z (default: now)"
)


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AnalyzeRequest(RequestModel):
    """Why does `service` fail in the window ending at `until`?"""

    service: str = Field(
        min_length=1,
        max_length=SERVICE_NAME_LIMIT,
        description="service name as SigNoz shows it",
        examples=["checkout-svc"],
    )
    window: str = Field(
        min_length=1, max_length=WINDOW_TEXT_LIMIT, description=_WINDOW_HELP, examples=["30m"]
    )
    until: str | None = Field(default=None, max_length=UNTIL_TEXT_LIMIT, description=_UNTIL_HELP)
    refresh: bool = Field(default=False, description="bypass the cached answer and analyse again")


class ServicesQuery(RequestModel):
    """The query string of `GET /api/v1/services`."""

    window: str = Field(
        default=DEFAULT_WINDOW, min_length=1, max_length=WINDOW_TEXT_LIMIT, description=_WINDOW_HELP
    )
    until: str | None = Field(default=None, max_length=UNTIL_TEXT_LIMIT, description=_UNTIL_HELP)


class ServiceSummary(BaseModel):
    """One service that sent spans in the window, with the window before it for comparison."""

    model_config = ConfigDict(frozen=True)

    service: str
    spans: int = Field(description="spans in the window")
    errors: int = Field(description="failing spans in the window")
    error_rate: float = Field(description="errors / spans")
    baseline_spans: int = Field(description="spans in the equally long window before")
    baseline_errors: int = Field(description="failing spans in the equally long window before")

    @classmethod
    def of(cls, stats: ServiceStats) -> ServiceSummary:
        return cls(
            service=stats.service,
            spans=stats.spans,
            errors=stats.errors,
            error_rate=round(stats.error_rate, 6),
            baseline_spans=stats.baseline_spans,
            baseline_errors=stats.baseline_errors,
        )


class ServiceList(BaseModel):
    """The services that sent spans in a window, most errors first."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    window: Window
    services: tuple[ServiceSummary, ...]

    @classmethod
    def of(cls, window: TimeWindow, stats: list[ServiceStats]) -> ServiceList:
        seen = [ServiceSummary.of(item) for item in stats if item.spans > 0]
        return cls(window=window, services=tuple(seen))


class ErrorDetail(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: ApiErrorCode = Field(description="stable, for programs")
    message: str = Field(description="for people; may change")
    suggestions: list[str] | None = Field(
        default=None, description="unknown_service only: close service names"
    )


class ErrorResponse(BaseModel):
    """Every error answer: `{"error": {"code": ..., "message": ...}}`."""

    model_config = ConfigDict(frozen=True)

    error: ErrorDetail


# What `GET /api/v1/reports/{id}` may answer: an analysis, or a trace explained in Slack.
StoredReport = Report | TraceReport
