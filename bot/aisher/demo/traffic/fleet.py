"""The pods each service runs on, and which release they run at a given moment.

Pod names follow Kubernetes (`payment-svc-7d9f8b6c4-x2kqp`); a rollout replaces every pod of a
service with pods of a new ReplicaSet over a minute or two, after which the old ones stop
sending. Each pod has its own `GeneratedMethodAccessorN` numbers, as each JVM inflates
reflective accessors in its own order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from aisher.demo.stacks.throw_site import Language
from aisher.demo.systems.topology import Service, Topology
from aisher.demo.traffic.drafts import Pod

_SAFE = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet Kubernetes uses for generated names
_SDK_VERSIONS = {
    Language.JAVA: "1.42.1",
    Language.PYTHON: "1.27.0",
    Language.GO: "1.28.0",
    Language.NODEJS: "1.26.0",
}
ENVIRONMENT = "production"


@dataclass(frozen=True, slots=True)
class Rollout:
    """A release replacing a service's pods: from `at_ns`, over `duration_ns`."""

    service: str
    old_version: str
    new_version: str
    at_ns: int
    duration_ns: int


@dataclass(slots=True)
class Fleet:
    """Pods per service and release; `pick` answers which pod serves a request at a time."""

    topology: Topology
    rng: random.Random
    rollouts: dict[str, Rollout] = field(default_factory=dict)
    _pods: dict[tuple[str, str], list[Pod]] = field(default_factory=dict)
    _nodes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._nodes = [
            f"ip-10-0-{self.rng.randint(1, 60)}-{self.rng.randint(2, 250)}"
            ".eu-west-1.compute.internal"
            for _ in range(6)
        ]

    def roll_out(self, rollout: Rollout) -> None:
        self.rollouts[rollout.service] = rollout

    def pods(self, service: Service, version: str) -> list[Pod]:
        """The pods of one release of a service, created on first use."""
        key = (service.name, version)
        if key not in self._pods:
            replica_set = "".join(self.rng.choice(_SAFE) for _ in range(self.rng.choice((9, 10))))
            self._pods[key] = [
                self._pod(service, version, replica_set) for _ in range(service.pods)
            ]
        return self._pods[key]

    def version_at(self, service: Service, time_ns: int) -> str:
        """The release serving at `time_ns`; during a rollout, new pods take a growing share."""
        rollout = self.rollouts.get(service.name)
        if rollout is None or time_ns < rollout.at_ns:
            return rollout.old_version if rollout else service.version
        progress = (time_ns - rollout.at_ns) / rollout.duration_ns
        return rollout.new_version if self.rng.random() < progress else rollout.old_version

    def pick(self, service: Service, time_ns: int) -> Pod:
        return self.rng.choice(self.pods(service, self.version_at(service, time_ns)))

    def _pod(self, service: Service, version: str, replica_set: str) -> Pod:
        suffix = "".join(self.rng.choice(_SAFE) for _ in range(5))
        name = f"{service.name}-{replica_set}-{suffix}"
        resource: dict[str, str | int | float | bool] = {
            "service.name": service.name,
            "service.version": version,
            "service.namespace": self.topology.namespace,
            "deployment.environment": ENVIRONMENT,
            "host.name": self.rng.choice(self._nodes),
            "k8s.namespace.name": self.topology.namespace,
            "k8s.deployment.name": service.name,
            "k8s.pod.name": name,
            "service.instance.id": f"{self.rng.getrandbits(128):032x}",
            "telemetry.sdk.language": service.language.value,
            "telemetry.sdk.name": "opentelemetry",
            "telemetry.sdk.version": _SDK_VERSIONS[service.language],
        }
        accessors = (self.rng.randint(3, 480), self.rng.randint(200, 900))
        return Pod(service, name, version, accessors, resource)
