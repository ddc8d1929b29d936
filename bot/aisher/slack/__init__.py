"""Slack: Aisher's answers as Block Kit messages, and the bot that posts them.

    mrkdwn          untrusted telemetry text made safe for Slack mrkdwn, cut with a marker
    limits          `SlackMessage`, block builders and the guard for Slack's size limits
    report_blocks   a `Report` as a summary message and its thread replies
    trace_blocks    a `TraceReport` (one trace explained) the same way
    alert_card      an Alertmanager alert as a card, and the note when it resolves
    messages        every user-facing text: help, errors, status, acknowledgements

The renderers are pure functions from data to payloads; posting them is another module's job.
"""
