"""Alerts recognised in messages Alertmanager and SigNoz post to Slack, hostile ones included."""

from __future__ import annotations

from typing import Any

import pytest

from aisher.alerts.slack_message import SlackAlert, parse_slack_alert

AM_URL = "http://alertmanager.example:9093/#/alerts?receiver=slack-ops"

# Alertmanager's default Slack receiver: title, fallback, colour, an empty text.
DEFAULT_FIRING: dict[str, Any] = {
    "type": "message",
    "subtype": "bot_message",
    "bot_id": "B0ALERTMGR",
    "username": "AlertManager",
    "text": "",
    "ts": "1764151110.000200",
    "attachments": [
        {
            "id": 1,
            "color": "danger",
            "fallback": f"[FIRING:2] HighErrorRate checkout-svc (page shop) | {AM_URL}",
            "title": "[FIRING:2] HighErrorRate checkout-svc (page shop)",
            "title_link": AM_URL,
            "text": "",
            "mrkdwn_in": ["fallback", "pretext", "text"],
        }
    ],
}

# The widespread community template: summary, description and every label.
COMMUNITY_TEXT = """
*Alert:* checkout-svc 5xx ratio > 5% - `page`
*Description:* 5xx ratio is 7.3% over 5m
*Details:*
  • *alertname:* `HighErrorRate`
  • *namespace:* `shop`
  • *service:* `checkout-svc`
  • *severity:* `page`

*Alert:* checkout-svc 5xx ratio > 5% - `page`
*Description:* 5xx ratio is 6.1% over 5m
*Details:*
  • *alertname:* `HighErrorRate`
  • *service:* `checkout-svc`
"""


def attachment_message(**attachment: Any) -> dict[str, Any]:
    return {"type": "message", "bot_id": "B0ALERTMGR", "text": "", "attachments": [attachment]}


CORPUS: list[tuple[str, Any, SlackAlert | None]] = [
    (
        "default template, firing",
        DEFAULT_FIRING,
        SlackAlert("HighErrorRate", "firing", None, "higherrorrate checkout-svc", 2),
    ),
    (
        "default template, resolved (no count, colour good)",
        attachment_message(
            color="good",
            title="[RESOLVED] HighErrorRate checkout-svc (page shop)",
            fallback=f"[RESOLVED] HighErrorRate checkout-svc (page shop) | {AM_URL}",
        ),
        SlackAlert("HighErrorRate", "resolved", None, "higherrorrate checkout-svc", None),
    ),
    (
        "community template with details",
        attachment_message(
            color="danger",
            title="[FIRING:2] HighErrorRate checkout-svc (page shop)",
            text=COMMUNITY_TEXT,
        ),
        SlackAlert("HighErrorRate", "firing", "checkout-svc", "higherrorrate checkout-svc", 2),
    ),
    (
        "title without alertname first: details name it",
        attachment_message(
            color="danger",
            title="[FIRING:1] eu-west-1 HighErrorRate",
            text="*Details:*\n • alertname: HighErrorRate\n • job: checkout-svc\n",
        ),
        SlackAlert("HighErrorRate", "firing", "checkout-svc", "eu-west-1 higherrorrate", 1),
    ),
    (
        "text alert list (labels as name = value)",
        {
            "text": "[FIRING:1] DiskFull\nLabels:\n - alertname = DiskFull\n"
            " - app = ledger\nAnnotations:\n - summary = disk 95%\nSource: http://prom/graph"
        },
        SlackAlert("DiskFull", "firing", "ledger", "diskfull", 1),
    ),
    (
        "SigNoz title: `for <job>`",
        attachment_message(color="danger", title="[FIRING:1] checkout errors for checkout-svc"),
        SlackAlert(
            "checkout errors", "firing", "checkout-svc", "checkout errors for checkout-svc", 1
        ),
    ),
    (
        "Grafana-style mixed status",
        {"text": "[FIRING:1, RESOLVED:1] PaymentLatency payment-svc"},
        SlackAlert("PaymentLatency", "firing", None, "paymentlatency payment-svc", 1),
    ),
    (
        "blocks: header and section fields",
        {
            "blocks": [
                {
                    "type": "header",
                    "text": {"type": "plain_text", "text": ":fire: [FIRING:3] QueueBacklog"},
                },
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": "*service:*\n"},
                        {"type": "mrkdwn", "text": "*service_name:* `orders-worker`"},
                    ],
                },
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "<http://am|open>"}]},
            ]
        },
        SlackAlert("QueueBacklog", "firing", "orders-worker", "queuebacklog", 3),
    ),
    (
        "rich text block",
        {
            "blocks": [
                {
                    "type": "rich_text",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "[RESOLVED] CartErrors cart"}],
                        }
                    ],
                }
            ]
        },
        SlackAlert("CartErrors", "resolved", None, "carterrors cart", None),
    ),
    (
        "attachment fields as labels",
        attachment_message(
            color="danger",
            title="[FIRING:1] HighLatency",
            fields=[
                {"title": "Service", "value": "search-api", "short": True},
                {"title": "Severity", "value": "warning", "short": True},
            ],
        ),
        SlackAlert("HighLatency", "firing", "search-api", "highlatency", 1),
    ),
    (
        "colour only, alertname from details",
        attachment_message(color="good", text="*Details:*\n • *alertname:* `NodeDown`\n"),
        SlackAlert("NodeDown", "resolved", None, "nodedown", None),
    ),
    ("ordinary chat message", {"type": "message", "text": "deploying checkout now"}, None),
    ("status but no name at all", attachment_message(color="danger", text="something broke"), None),
    ("not a mapping", ["[FIRING:1] X"], None),
    ("None", None, None),
    (
        "wrong types everywhere",
        {"text": 42, "attachments": "[FIRING:1] X", "blocks": {"text": 3}},
        None,
    ),
]


class TestParseSlackAlert:
    @pytest.mark.parametrize(
        ("message", "expected"),
        [pytest.param(message, expected, id=name) for name, message, expected in CORPUS],
    )
    def test_corpus(self, message: Any, expected: SlackAlert | None) -> None:
        """Each realistic message is read as the expected alert, or as no alert."""
        assert parse_slack_alert(message) == expected

    def test_service_labels_are_configurable(self) -> None:
        """Only the configured label names are taken as the service."""
        message = attachment_message(
            color="danger", title="[FIRING:1] X", text="*Details:*\n • component: cart\n"
        )
        alert = parse_slack_alert(message, service_labels=("component",))
        assert alert is not None
        assert alert.service == "cart"

    def test_group_is_stable_across_counts_and_status(self) -> None:
        """FIRING:1, FIRING:3 and RESOLVED of one group share the group key."""
        titles = [
            "[FIRING:1] HighErrorRate checkout-svc (page)",
            "[FIRING:3] HighErrorRate checkout-svc (page shop)",
            "[RESOLVED] HighErrorRate checkout-svc",
        ]
        groups = set()
        for title in titles:
            alert = parse_slack_alert(attachment_message(title=title))
            assert alert is not None
            groups.add(alert.group)
        assert groups == {"higherrorrate checkout-svc"}


class TestHostileSlackMessages:
    def test_mentions_and_markup_are_stripped_from_the_name(self) -> None:
        """Broadcast mentions, user mentions and markup do not survive into the alert name."""
        title = "[FIRING:1] <!channel> *Evil*<@U123>`Name` (x)"
        alert = parse_slack_alert(attachment_message(title=title))
        assert alert is not None
        assert "<" not in alert.alertname
        assert "@" not in alert.alertname
        assert "channel" not in alert.alertname

    def test_invisible_characters_are_removed(self) -> None:
        """Zero-width and bidi control characters are dropped from names."""
        title = "[FIRING:1] High\u200bError\u202eRate svc"
        alert = parse_slack_alert(attachment_message(title=title))
        assert alert is not None
        assert alert.alertname == "HighErrorRate"

    def test_service_must_look_like_a_service(self) -> None:
        """A service value with spaces, quotes or links is refused."""
        for value in ("checkout svc; DROP TABLE", "<http://evil|checkout>", '`a"b`'):
            message = attachment_message(
                color="danger", title="[FIRING:1] X", text=f"*Details:*\n • service: {value}\n"
            )
            alert = parse_slack_alert(message)
            assert alert is not None
            assert alert.service in (None, "checkout")

    def test_description_cannot_override_details(self) -> None:
        """A fake label line in the description loses to the real Details list."""
        text = (
            "*Description:* oops\n • *service:* `attacker-svc`\n"
            "*Details:*\n • *service:* `checkout-svc`\n"
        )
        message = attachment_message(color="danger", title="[FIRING:1] X", text=text)
        alert = parse_slack_alert(message)
        assert alert is not None
        assert alert.service == "checkout-svc"

    def test_fake_subject_in_text_loses_to_the_title(self) -> None:
        """A `[RESOLVED]` inside the body does not override the attachment's title."""
        message = attachment_message(
            color="danger", title="[FIRING:1] RealAlert svc", text="[RESOLVED] FakeAlert"
        )
        alert = parse_slack_alert(message)
        assert alert is not None
        assert (alert.alertname, alert.status) == ("RealAlert", "firing")

    def test_names_are_bounded(self) -> None:
        """A huge alert name is cut to a displayable length."""
        alert = parse_slack_alert({"text": "[FIRING:1] " + "A" * 10_000})
        assert alert is not None
        assert len(alert.alertname) <= 120

    @pytest.mark.parametrize(
        "message",
        [
            {"text": "[" * 200_000},
            {"text": "[FIRING" + " " * 200_000 + "x"},
            {"text": "details" + " " * 200_000 + ":x"},
            {"text": "<" * 200_000 + "|" + ">" * 200_000},
            {"text": ("• *service:* `" + "a" * 5000 + "\n") * 50},
            {"text": "x for " * 50_000},
            {"attachments": [{"title": "[FIRING:1] " + "a (" * 50_000 + ")"}] * 100},
            {"blocks": [[[[[[[[[[{"text": "[FIRING:1] Deep"}]]]]]]]]]]},
        ],
        ids=["brackets", "spaces", "marker", "angles", "long-labels", "for", "many", "deep"],
    )
    @pytest.mark.timeout(30)
    def test_pathological_input_is_cheap(self, message: dict[str, Any]) -> None:
        """Inputs built to make regexes backtrack are read without hanging (a backtracking
        regex would take hours on these; the timeout turns that into a failure)."""
        alert = parse_slack_alert(message)
        assert alert is None or len(alert.alertname) <= 120
