"""Alerts: from an Alertmanager (or SigNoz) notification to a card and an analysis in Slack.

payload        the v4 webhook payload and its parser
target         which service and window a notification asks about; its identities
workflow       what a notification changes (pure decisions over the thread record)
processor      carries the decisions out through an `AlertSink` (the Slack side)
card           the facts an alert card shows
notes          the short notes posted in an alert's thread
slack_message  alerts recognised in messages Alertmanager posted to Slack itself
"""

from aisher.alerts.card import alert_card
from aisher.alerts.payload import (
    Alert,
    AlertNotification,
    AlertPayloadError,
    InvalidPayload,
    MalformedPayload,
    parse_alert_payload,
)
from aisher.alerts.processor import (
    ALERT_JOB_KIND,
    AlertProcessor,
    AlertSink,
    ProcessorSettings,
    alert_job,
)
from aisher.alerts.slack_message import SlackAlert, parse_slack_alert
from aisher.alerts.target import (
    AlertTarget,
    TargetSettings,
    alert_target,
    notification_id,
    thread_key,
)
from aisher.alerts.workflow import Decision, Plan, Rules, decide

__all__ = [
    "ALERT_JOB_KIND",
    "Alert",
    "AlertNotification",
    "AlertPayloadError",
    "AlertProcessor",
    "AlertSink",
    "AlertTarget",
    "Decision",
    "InvalidPayload",
    "MalformedPayload",
    "Plan",
    "ProcessorSettings",
    "Rules",
    "SlackAlert",
    "TargetSettings",
    "alert_card",
    "alert_job",
    "alert_target",
    "decide",
    "notification_id",
    "parse_alert_payload",
    "parse_slack_alert",
    "thread_key",
]
