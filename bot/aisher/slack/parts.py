"""What the Slack listeners work with, built once per process by `serve`."""

from __future__ import annotations

from dataclasses import dataclass, field

from aisher.ops.metrics import AisherMetrics
from aisher.slack.background import BackgroundTasks
from aisher.slack.conversation import Conversations
from aisher.slack.status import StatusProbe
from aisher.slack.votes import Votes
from aisher.state.dedup import Deduplicator


@dataclass(frozen=True, slots=True)
class BotParts:
    """The flows, the stores and the settings the listeners need."""

    conversations: Conversations
    votes: Votes
    status: StatusProbe
    dedup: Deduplicator
    tasks: BackgroundTasks
    rerun_reaction: str
    alertmanager_bot_ids: frozenset[str]
    service_labels: tuple[str, ...]
    metrics: AisherMetrics = field(default_factory=AisherMetrics)
