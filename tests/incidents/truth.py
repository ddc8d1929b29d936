"""What each fault class promises about its incidents, checked on the written telemetry alone.

`problems(incident)` lists every way an incident breaks its class's promise; an empty list means
its labels can be trusted.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable

from tests.incidents.reading import FlatSpan, WrittenIncident

CLIENT = 3
ERROR = 2


def problems(incident: WrittenIncident) -> list[str]:
    card = incident.card
    found = [
        f"incident.yaml lacks {key}"
        for key in ("name", "kind", "service", "until", "window", "root_cause", "notes")
        if key not in card
    ]
    if found:
        return found
    if not any(
        s.service == card["service"] and incident.in_window(s.start_ns) for s in incident.spans
    ):
        found.append(f"the asked service {card['service']} has no span in the window")
    for cause in card["root_cause"]:
        if not _mentioned(incident, cause):
            found.append(f"root cause {cause} appears nowhere in the telemetry")
    check = _CHECKS.get(card["kind"])
    if check is None:
        found.append(f"unknown kind {card['kind']}")
    else:
        found.extend(check(incident))
    return found


def _mentioned(incident: WrittenIncident, name: str) -> bool:
    return any(
        name in (s.service, s.attributes.get("peer.service")) or name in s.exception_message
        for s in incident.spans
    )


def _window(incident: WrittenIncident) -> list[FlatSpan]:
    return [s for s in incident.spans if incident.in_window(s.start_ns)]


def _baseline(incident: WrittenIncident) -> list[FlatSpan]:
    return [s for s in incident.spans if incident.in_baseline(s.start_ns)]


def _touches(span: FlatSpan, name: str) -> bool:
    """A span of `name` itself, or a client span calling it as a dependency."""
    return span.service == name or span.attributes.get("peer.service") == name


def _errors(spans: list[FlatSpan], name: str) -> list[FlatSpan]:
    return [s for s in spans if s.status == ERROR and _touches(s, name)]


def _outlived(spans: list[FlatSpan]) -> set[str]:
    """Services whose client spans ended before the server span they called: gave-up calls."""
    ends = {s.parent_id: s.end_ns for s in spans if s.parent_id}
    return {s.service for s in spans if s.kind == CLIENT and ends.get(s.span_id, 0) > s.end_ns}


def _latency_timeout(incident: WrittenIncident) -> list[str]:
    window = _window(incident)
    cause = incident.card["root_cause"][0]
    found = []
    if not _outlived(window):
        found.append("no client gave up before its callee finished")
    own = [s for s in _errors(window, cause) if s.service == cause]
    if own:
        found.append(f"the slow callee {cause} records {len(own)} errors of its own")
    return found


def _latency_regression(incident: WrittenIncident) -> list[str]:
    asked, cause = incident.card["service"], incident.card["root_cause"][0]
    window, baseline = _window(incident), _baseline(incident)
    found = []
    errors = [s for s in window if s.service == asked and s.status == ERROR]
    if errors:
        found.append(f"{asked} has {len(errors)} error spans in the window")
    names = {s.name for s in window if _touches(s, cause)}
    slower = [
        name for name in names
        if _median_duration(window, cause, name) > 2 * _median_duration(baseline, cause, name)
    ]  # fmt: skip
    if not slower:
        found.append(f"no operation of {cause} got twice as slow")
    return found


def _median_duration(spans: list[FlatSpan], cause: str, name: str) -> float:
    durations = [s.end_ns - s.start_ns for s in spans if _touches(s, cause) and s.name == name]
    return statistics.median(durations) if durations else 0.0


def _groups(spans: list[FlatSpan]) -> Counter[tuple[str, str]]:
    return Counter((s.service, s.exception_message) for s in spans if s.status == ERROR)


def _chronic(incident: WrittenIncident) -> list[str]:
    cause = incident.card["root_cause"][0]
    window, baseline = _window(incident), _baseline(incident)
    before, now = _groups(baseline), _groups(window)
    new = {key: count for key, count in now.items() if key[0] == cause and key not in before}
    if not new:
        return [f"{cause} has no new error group in the window"]
    biggest_new = max(new.values())
    chronic = [key for key, count in now.items() if key in before and count > biggest_new]
    if not chronic:
        return ["no chronic group outnumbers the new failure"]
    traces = {
        key: len(
            {
                s.trace_id
                for s in window
                if s.status == ERROR and (s.service, s.exception_message) == key
            }
        )
        for key in [*chronic, *new]
    }
    if max(traces[key] for key in chronic) <= max(traces[key] for key in new):
        return ["the chronic group is in no more traces than the new failure"]
    return []


def _exhaustion(incident: WrittenIncident) -> list[str]:
    cause = incident.card["root_cause"][0]
    window = _window(incident)
    failing = [s for s in window if s.service == cause and s.kind == CLIENT and s.status == ERROR]
    targets = {s.attributes.get("peer.service") for s in failing} - {None}
    if not targets:
        return [f"{cause} has no failing client span to a dependency"]
    healthy = [
        t for t in targets
        if any(s.attributes.get("peer.service") == t and s.status != ERROR for s in window)
    ]  # fmt: skip
    return [] if healthy else [f"no call to {targets} succeeds in the window"]


def _short(incident: WrittenIncident) -> list[str]:
    low, high = incident.window_ns
    minutes = (high - low) / 60e9
    return [] if 2 <= minutes <= 5 else [f"the window is {minutes} minutes"]


def _named(incident: WrittenIncident) -> list[str]:
    cause = incident.card["root_cause"][0]
    window, baseline = _window(incident), _baseline(incident)
    found = []
    if any(
        cause in (s.service, s.attributes.get("peer.service"), s.attributes.get("server.address"))
        for s in window
    ):
        found.append(f"{cause} still shows in the window's spans")
    if not any(_touches(s, cause) for s in baseline):
        found.append(f"{cause} was not there in the baseline")
    if not any(cause in s.exception_message for s in window):
        found.append(f"no error message in the window names {cause}")
    if any(log.service == cause and incident.in_window(log.time_ns) for log in incident.logs):
        found.append(f"{cause} logs in the window")
    return found


def _two(incident: WrittenIncident) -> list[str]:
    causes = incident.card["root_cause"]
    if len(causes) != 2:
        return [f"{len(causes)} root causes instead of 2"]
    window, baseline = _window(incident), _baseline(incident)
    return [
        f"{cause} has no more errors than in the baseline"
        for cause in causes
        if len(_errors(window, cause)) <= len(_errors(baseline, cause))
    ]


def _bad_instance(incident: WrittenIncident) -> list[str]:
    cause = incident.card["root_cause"][0]
    window = _window(incident)
    new = _groups(window) - _groups(_baseline(incident))
    own = [key for key, _ in new.most_common() if key[0] == cause]
    if not own:
        return [f"{cause} has no new error in the window"]
    failing = {
        s.pod for s in window
        if s.status == ERROR and (s.service, s.exception_message) == own[0] and s.kind != CLIENT
    }  # fmt: skip
    pods = {s.pod for s in window if s.service == cause}
    if len(failing) != 1 or len(pods) < 2:
        return [f"{len(failing)} of {len(pods)} pods of {cause} fail"]
    return []


def _logs_only(incident: WrittenIncident) -> list[str]:
    cause = incident.card["root_cause"][0]
    window = _window(incident)
    logged = [
        log for log in incident.logs
        if log.service == cause and log.severity == "ERROR" and incident.in_window(log.time_ns)
    ]  # fmt: skip
    if not logged:
        return [f"{cause} writes no ERROR log in the window"]
    message = logged[0].body.rsplit(": ", 1)[-1][:30]
    marked = [s for s in window if s.status == ERROR and message in s.exception_message]
    return [f"{len(marked)} spans are marked with the failure"] if marked else []


def _bad_deploy(incident: WrittenIncident) -> list[str]:
    cause = incident.card["root_cause"][0]
    old = {s.version for s in _baseline(incident) if s.service == cause}
    new = {s.version for s in _window(incident) if s.service == cause} - old
    return [] if new else [f"{cause} runs no new version in the window"]


def _third_party(incident: WrittenIncident) -> list[str]:
    cause = incident.card["root_cause"][0]
    if any(s.service == cause for s in incident.spans):
        return [f"{cause} is instrumented, not a third party"]
    window, baseline = _window(incident), _baseline(incident)
    if len(_errors(window, cause)) <= 2 * len(_errors(baseline, cause)):
        return [f"calls to {cause} do not fail more than in the baseline"]
    return []


def _cascade(incident: WrittenIncident) -> list[str]:
    gave_up = _outlived(_window(incident))
    return [] if len(gave_up) >= 2 else [f"only {sorted(gave_up)} gave up on a slow callee"]


_CHECKS: dict[str, Callable[[WrittenIncident], list[str]]] = {
    "latency-timeout": _latency_timeout,
    "latency-regression": _latency_regression,
    "chronic-errors": _chronic,
    "client-exhaustion": _exhaustion,
    "short-window": _short,
    "named-in-message": _named,
    "two-failures": _two,
    "bad-instance": _bad_instance,
    "logs-only": _logs_only,
    "bad-deploy": _bad_deploy,
    "third-party": _third_party,
    "cascading-timeouts": _cascade,
}
