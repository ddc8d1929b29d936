"""The bot's shared state: what every replica must agree on, kept in Redis with a local fallback.

    AlertThreads    alert groupKey → its card (channel, ts), counts and status
    ReportStore     report id → report JSON; Slack message → report id
    FeedbackStore   one vote per user per report, with model and prompt version
    Deduplicator    first_time(key): Slack retries, event ids, webhook resends
    JobQueue        work accepted now and done later (LocalJobQueue in process)

Every store takes a shared `RedisLink` (its owner closes it) and keeps working from process
memory while Redis is unset or down (see `aisher.redis_link`).
"""

from aisher.state.alert_threads import AlertStatus, AlertThread, AlertThreads
from aisher.state.dedup import Deduplicator
from aisher.state.feedback import Feedback, FeedbackCounts, FeedbackStore, Vote
from aisher.state.jobs import Job, JobQueue, LocalJobQueue, QueueFull, consume
from aisher.state.local import ExpiringDict
from aisher.state.reports import (
    MessageRef,
    ReportCodec,
    ReportStore,
    pydantic_codec,
)

__all__ = [
    "AlertStatus",
    "AlertThread",
    "AlertThreads",
    "Deduplicator",
    "ExpiringDict",
    "Feedback",
    "FeedbackCounts",
    "FeedbackStore",
    "Job",
    "JobQueue",
    "LocalJobQueue",
    "MessageRef",
    "QueueFull",
    "ReportCodec",
    "ReportStore",
    "Vote",
    "consume",
    "pydantic_codec",
]
