"""The name of the other side of a client call, as specific as the span allows.

`peer.service` names it best. A database is named by its host next (`orders-db`), because a
system runs many databases of one kind and "postgresql" would not say which one failed; a
cluster-internal DNS name is cut to its service (`orders-db.prod.svc.cluster.local` →
`orders-db`), an IP address is no name at all. A message broker is named by its system
(`kafka`: one cluster, many brokers), anything else by its host, else whatever address the
span records.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from aisher.telemetry import SpanRecord

CLIENT_KINDS = frozenset({"Client", "Producer"})
_IP = re.compile(r"^(?:\d{1,3}\.){3}\d{1,3}$|^\[?[0-9a-fA-F:]+:[0-9a-fA-F:]*\]?$")
_INTERNAL_SUFFIX = re.compile(
    r"\.(?:svc(?:\.cluster\.local)?|cluster\.local|internal|local|lan)$", re.IGNORECASE
)
_HOST_KEYS = ("server.address", "net.peer.name")


def clean_host(host: str) -> str:
    """A host as a name: '' for an IP address, the first label of a cluster-internal name."""
    host = host.strip().rstrip(".")
    if not host or _IP.match(host) or host.lower() == "localhost":
        return ""
    if _INTERNAL_SUFFIX.search(host):
        return host.split(".", 1)[0]
    return host


def _host(span: SpanRecord) -> str:
    for key in _HOST_KEYS:
        host = clean_host(span.attributes.get(key, ""))
        if host:
            return host
    return ""


def peer_of(span: SpanRecord) -> str:
    """The most specific name of the peer a client span calls ('' when it names none)."""
    named = span.attributes.get("peer.service", "")
    if named:
        return named
    if span.attributes.get("db.system"):
        return _host(span) or span.attributes["db.system"]
    return span.attributes.get("messaging.system", "") or _host(span) or span.peer


def names_its_peer(span: SpanRecord) -> bool:
    """Does the span name its peer itself (`peer.service` or a host), not only by kind?"""
    return bool(span.attributes.get("peer.service") or _host(span))


def peer_aliases(spans: Iterable[SpanRecord]) -> dict[str, str]:
    """Every name a message may use for a peer of these client spans → the peer's `peer_of`
    name; a name shared by two peers (two databases of one kind) is left out."""
    found: dict[str, set[str]] = defaultdict(set)
    for span in spans:
        if span.kind not in CLIENT_KINDS:
            continue
        canonical = peer_of(span)
        if not canonical:
            continue
        names = {canonical, span.peer, _host(span)}
        for key in ("peer.service", *_HOST_KEYS, "db.system", "messaging.system"):
            names.add(span.attributes.get(key, ""))
        for name in filter(None, names):
            found[name].add(canonical)
    return {name: next(iter(owners)) for name, owners in found.items() if len(owners) == 1}
