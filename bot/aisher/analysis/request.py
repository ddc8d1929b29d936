"""The question every front end asks the analysis: why does a service fail in a window?"""

from __future__ import annotations

from dataclasses import dataclass

from aisher.window import TimeWindow


@dataclass(frozen=True, slots=True)
class AnalysisRequest:
    """One question: why does `service` fail in `window`? Optionally for a tenant/channel."""

    service: str
    window: TimeWindow
    tenant: str = "default"
    channel: str | None = None
    refresh: bool = False  # bypass (and then refresh) the cache
    # What asked (cli | slash | alert | reaction | button | api) and who: metrics and audit only.
    trigger: str = "cli"
    requester: str | None = None  # Slack user id, API key id, `alertmanager`
