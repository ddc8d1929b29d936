"""Which services a capture takes in full: a pure decision over what the analysis read.

Per-service counts decide a good part of the ranking: error rates against the baseline, deploys,
operation latencies. A capture that is to give the same analysis again must therefore hold every
span, in every stretch of time the analysis read, of each service its traces involve, including
instrumented services their calls were addressed to (whether such a callee is instrumented
decides whether a failed call blames it or an outside dependency).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Protocol

# The attributes that name the remote side of a call, as `SpanRecord.peer` reads them.
PEER_KEYS = ("peer.service", "db.system", "messaging.system", "server.address", "net.peer.name")


class _Span(Protocol):
    @property
    def service(self) -> str: ...

    @property
    def attributes(self) -> Mapping[str, str]: ...


def peer_of(attributes: Mapping[str, str]) -> str:
    """The remote side of a call as the instrumentation named it, or ''."""
    return next((attributes[key] for key in PEER_KEYS if attributes.get(key)), "")


def involved_services(service: str, spans: Iterable[_Span], known: Collection[str]) -> list[str]:
    """The service asked about, every service of the spans, and each instrumented peer they
    called, in that order without repeats."""
    involved = [service]
    peers = []
    for span in spans:
        involved.append(span.service)
        peer = peer_of(span.attributes)
        if peer in known:
            peers.append(peer)
    return [name for name in dict.fromkeys([*involved, *peers]) if name]
