"""Resource identity as SigNoz's collector computes it: fingerprints, labels, time buckets.

`resource_fingerprint` reproduces the collector's `fingerprint.CalculateFingerprint` with its
`ResourceHierarchy`: at each level of a fixed hierarchy (cloud → cluster → namespace → service
→ environment → instance → container → component) the first label present contributes
`label=value`, then `hash=<uint64>` closes the string, where the hash is FNV-1a-64 over every
attribute as sorted `key\\xffvalue\\xff` pairs. Spans, logs and the `*_resource` tables join on
this string, so it must match byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from aisher.signoz.go_format import AnyRaw, as_string, sprint, string_map_json

BUCKET_SECONDS = 1800  # the collector's distributedTracesResourceV2Seconds / …LogsResourceV2Seconds
NIL_SERVICE_NAME = "<nil-service-name>"

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_UINT64 = (1 << 64) - 1
_SEPARATOR = 0xFF


@dataclass(frozen=True, slots=True)
class _Level:
    """One level of the hierarchy: synonymous labels, then alternative sub-hierarchies."""

    labels: tuple[str, ...]
    children: tuple[_Level, ...] = ()


def _chain(*levels: tuple[str, ...], tail: tuple[_Level, ...] = ()) -> _Level:
    """Levels nested one inside the next; the last one gets `tail` as its sub-hierarchies."""
    node = _Level(levels[-1], tail)
    for labels in reversed(levels[:-1]):
        node = _Level(labels, (node,))
    return node


_HOST_LABELS = ("host.id", "host.name", "host.ip", "host")

# The collector's ResourceHierarchy(), level for level.
_SERVICE_VIEW = _chain(
    ("service.namespace", "k8s.namespace.name", "ec2.tag.service-group"),
    (
        "service.name",
        "cloudwatch.log.group.name",
        "k8s.deployment.name",
        "k8s.deployment.uid",
        "k8s.statefulset.name",
        "k8s.statefulset.uid",
        "k8s.daemonset.name",
        "k8s.daemonset.uid",
        "k8s.job.name",
        "k8s.job.uid",
        "k8s.cronjob.name",
        "k8s.cronjob.uid",
        "faas.name",
        "ec2.tag.service",
    ),
    ("deployment.environment", "ec2.tag.env-short", "ec2.tag.env", "env"),
    (
        "service.instance.id",
        "k8s.pod.name",
        "k8s.pod.uid",
        "aws.ecs.task.id",
        "aws.ecs.task.arn",
        "cloudwatch.log.stream",
        "cloud.resource_id",
        "faas.instance",
        *_HOST_LABELS,
    ),
    ("k8s.container.name", "container.name", "container_name"),
    ("component",),
)
_NODE_VIEW = _chain(
    ("cloud.availability_zone",),
    ("k8s.node.name", "k8s.node.uid", *_HOST_LABELS),
    ("k8s.pod.name", "k8s.pod.uid", "aws.ecs.task.id", "aws.ecs.task.arn"),
    ("k8s.container.name", "container.name"),
)
RESOURCE_HIERARCHY = _chain(
    ("cloud.provider",),
    ("cloud.account.id",),
    ("gcp.project",),
    ("cloud.region", "aws.region"),
    ("cloud.platform", "source_type"),
    ("k8s.cluster.name", "k8s.cluster.uid", "aws.ecs.cluster.arn"),
    # Two views below the cluster; the first one that yields a label wins.
    tail=(_SERVICE_VIEW, _NODE_VIEW),
)


def _identify(level: _Level, resources: Mapping[str, AnyRaw]) -> list[tuple[str, AnyRaw]]:
    found: list[tuple[str, AnyRaw]] = []
    for label in level.labels:
        if label in resources:
            found.append((label, resources[label]))
            break
    for child in level.children:
        below = _identify(child, resources)
        if below:
            found.extend(below)
            break
    return found


def fingerprint_hash(resources: Mapping[str, AnyRaw]) -> int:
    """FNV-1a-64 over the sorted `key\\xffvalue\\xff` pairs; non-strings printed with `%v`."""
    value = _FNV_OFFSET
    for key in sorted(resources):
        for part in (key, sprint(resources[key])):
            for byte in part.encode("utf-8"):
                value = ((value ^ byte) * _FNV_PRIME) & _UINT64
            value = ((value ^ _SEPARATOR) * _FNV_PRIME) & _UINT64
    return value


def resource_fingerprint(resources: Mapping[str, AnyRaw]) -> str:
    """`label=value;…;hash=<uint64>`, the collector's `CalculateFingerprint`."""
    parts = [
        f"{label}={sprint(value, 's')}" for label, value in _identify(RESOURCE_HIERARCHY, resources)
    ]
    parts.append(f"hash={fingerprint_hash(resources)}")
    return ";".join(parts)


def resource_labels(resources: Mapping[str, AnyRaw]) -> str:
    """The `labels` column of the resource tables: every attribute as a string, compact JSON."""
    return string_map_json({key: as_string(value) for key, value in resources.items()})


def service_name(resources: Mapping[str, AnyRaw]) -> str:
    """The error index's `serviceName`: `<nil-service-name>` when the resource has none."""
    if "service.name" not in resources:
        return NIL_SERVICE_NAME
    value = resources["service.name"]
    # pdata's Str() is '' for a non-string value.
    return value if isinstance(value, str) else ""


def error_group_id(service: str, exception_type: str, message: str) -> str:
    """The error index's `groupID`: md5 hex of service, exception type and message."""
    digest = hashlib.md5(
        (service + exception_type + message).encode("utf-8"), usedforsecurity=False
    )
    return digest.hexdigest()


def ts_bucket_start(ns: int) -> int:
    """Epoch seconds of the 30-minute bucket holding `ns` (the `ts_bucket_start` column)."""
    return ns // 1_000_000_000 // BUCKET_SECONDS * BUCKET_SECONDS
