"""Recognising an alert in a Slack message that Alertmanager (or SigNoz) posted itself.

When Alertmanager posts to Slack through its own Slack receiver, the bot sees only the message:
Alertmanager's default template puts `[FIRING:2] HighErrorRate checkout-svc (page shop)` in an
attachment's title and fallback and colours it `danger` (`good` once resolved); popular templates
add a text with `*Alert:* … *Description:* … *Details:* • *service:* `checkout-svc``; newer apps
post `blocks` or plain `text` in the same shapes; SigNoz's title ends in `for <job>`.

The parser is pure and defensive: it reads only strings, caps how much it reads, uses regular
expressions without nested repetition (linear time on any input), strips Slack markup and
invisible characters from what it returns, and accepts a service only if it looks like a
service name. A message it cannot read as an alert gives None.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aisher.alerts.payload import AlertStatus
from aisher.alerts.target import DEFAULT_SERVICE_LABELS

MAX_FIELD_CHARS = 4_000
MAX_TOTAL_CHARS = 40_000
MAX_LINES = 400
MAX_DEPTH = 6
MAX_NAME_CHARS = 120

_SUBJECT = re.compile(
    r"\[\s*(FIRING|RESOLVED)(?:\s*:\s*(\d{1,6}))?[^\]\n]{0,40}\]\s*([^\n]*)", re.IGNORECASE
)
_PAIR = re.compile(r"^\s*(?:[•·\-]\s*)?\*?([A-Za-z_][\w.]{0,63})\*?\s*[:=]\s*(.{1,300})$")
_MARKERS = ("details", "labels")
_FOR_SERVICE = re.compile(r"^(.{1,200}?) for (\S{1,128})$")
_SERVICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")
_LINK = re.compile(r"<([^<>|\n]{0,2000})\|([^<>\n]{0,500})>")
_ANGLE = re.compile(r"<([^<>\n]{0,2000})>")
_DECOR = "*_~`"
_COLOURS: dict[str, AlertStatus] = {"danger": "firing", "warning": "firing", "good": "resolved"}


@dataclass(frozen=True, slots=True)
class SlackAlert:
    """An alert read from a Slack message.

    `group` is stable across the messages of one alert group (`[FIRING:1]`, `[FIRING:2]`,
    `[RESOLVED]` of the same group labels), lower-cased; combine it with the channel id.
    """

    alertname: str
    status: AlertStatus
    service: str | None
    group: str
    firing_count: int | None = None


def parse_slack_alert(
    message: object, *, service_labels: Iterable[str] = DEFAULT_SERVICE_LABELS
) -> SlackAlert | None:
    """The alert `message` (a Slack message event or API message, as decoded JSON) reports,
    or None. Any input is accepted: what is not a message is not an alert."""
    if not isinstance(message, Mapping):
        return None
    subjects, lines, fields, colours = _collect(message)
    subject = next((match for match in map(_SUBJECT.search, subjects) if match), None)
    labels = _labels(lines, fields)
    status = _status(subject, colours)
    if status is None:
        return None
    group_part = _group_part(subject.group(3)) if subject else ""
    titled_name, titled_service = _split_for(group_part)
    if titled_service is None:
        # Alertmanager's subject lists the group label values sorted by label name, where
        # `alertname` usually comes first; a `Details:` list names it for certain.
        titled_name = titled_name.split(" ", 1)[0]
    alertname = _clean(labels.get("alertname") or titled_name)
    if not alertname:
        return None
    wanted = [name.lower() for name in service_labels]
    service = next((labels[name] for name in wanted if name in labels), None) or titled_service
    group = _clean(group_part).lower() or alertname.lower()
    count = int(subject.group(2)) if subject and subject.group(2) else None
    return SlackAlert(alertname, status, _service(service), group, count)


def _collect(
    message: Mapping[str, Any],
) -> tuple[list[str], list[str], dict[str, str], list[str]]:
    """Subject candidates, text lines, attachment fields and colours, all capped."""
    subjects: list[str] = []
    texts: list[str] = []
    fields: dict[str, str] = {}
    colours: list[str] = []
    for attachment in _dicts(message.get("attachments")):
        subjects += _strings(attachment.get(key) for key in ("title", "fallback", "pretext"))
        texts += _strings([attachment.get("text")])
        colours += _strings([attachment.get("color")])
        for item in _dicts(attachment.get("fields")):
            title, value = _strings([item.get("title")]), _strings([item.get("value")])
            if title and value:
                fields.setdefault(_plain(title[0]).strip(_DECOR + " :").lower(), value[0])
    block_texts = list(_block_texts(message.get("blocks"), 0))
    texts += block_texts
    texts += _strings([message.get("text")])
    lines: list[str] = []
    budget = MAX_TOTAL_CHARS
    for text in texts:
        plain = _plain(text[: min(MAX_FIELD_CHARS, budget)])
        budget -= len(plain)
        lines += plain.splitlines()
        if budget <= 0 or len(lines) >= MAX_LINES:
            break
    lines = lines[:MAX_LINES]
    subjects = [_plain(text[:MAX_FIELD_CHARS]) for text in subjects] + lines
    return subjects, lines, fields, [colour.strip().lower() for colour in colours]


def _block_texts(value: Any, depth: int) -> Iterator[str]:
    """Every `text` string inside Block Kit blocks (header, section, fields, rich text)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value[:50]:
            yield from _block_texts(item, depth + 1)
    elif isinstance(value, Mapping):
        text = value.get("text")
        if isinstance(text, str):
            yield text
        for key in ("text", "fields", "elements"):
            nested = value.get(key)
            if isinstance(nested, list | Mapping):
                yield from _block_texts(nested, depth + 1)


def _labels(lines: list[str], fields: Mapping[str, str]) -> dict[str, str]:
    """Label name (lower case) → value; pairs after a `Details:`/`Labels:` line come first."""
    detailed: dict[str, str] = dict(fields)
    loose: dict[str, str] = {}
    target = loose
    for line in lines:
        if line.strip().strip(_DECOR + ": ").lower() in _MARKERS:
            target = detailed
            continue
        match = _PAIR.match(line[:400])
        if match:
            value = match.group(2).strip(_DECOR + " ")
            if value:
                target.setdefault(match.group(1).lower(), value)
    return {**loose, **detailed}


def _status(subject: re.Match[str] | None, colours: list[str]) -> AlertStatus | None:
    if subject is not None:
        return "firing" if subject.group(1).upper() == "FIRING" else "resolved"
    return next((_COLOURS[colour] for colour in colours if colour in _COLOURS), None)


def _group_part(rest: str) -> str:
    """`HighErrorRate checkout-svc (page shop) | http://…` → `HighErrorRate checkout-svc`."""
    rest = rest.split(" | ", 1)[0].strip()
    opening = rest.find(" (")
    if opening > 0 and rest.endswith(")"):
        rest = rest[:opening]
    return rest.strip()


def _split_for(group_part: str) -> tuple[str, str | None]:
    """SigNoz's `HighErrorRate for checkout-svc` → (`HighErrorRate`, `checkout-svc`)."""
    match = _FOR_SERVICE.match(group_part)
    if match is None:
        return group_part, None
    return match.group(1), match.group(2)


def _plain(text: str) -> str:
    """Slack mrkdwn to plain text: links to their labels, mentions dropped, entities decoded."""
    text = _LINK.sub(lambda match: match.group(2), text)
    text = _ANGLE.sub(lambda match: "" if match.group(1)[:1] in "!@#" else match.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return "".join(char for char in text if char in "\n\t" or _visible(char))


def _visible(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cf", "Co", "Cs")


def _clean(text: str) -> str:
    """A name safe to show: one line, no markup characters, no mentions, bounded."""
    text = "".join(char for char in text if _visible(char) and char not in "<>")
    text = " ".join(text.replace("@", "").strip(_DECOR + " ").split())
    return text[:MAX_NAME_CHARS]


def _service(candidate: str | None) -> str | None:
    if candidate is None:
        return None
    candidate = candidate.strip(_DECOR + " ")
    return candidate if _SERVICE.match(candidate) else None


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value[:20] if isinstance(item, Mapping)]


def _strings(values: Iterable[Any]) -> list[str]:
    return [value for value in values if isinstance(value, str) and value.strip()]
