"""The replicas of each service: pod, host and instance id, and new pods after a deploy."""

from __future__ import annotations

import random

from tests.incidents.generator.model import Instance
from tests.incidents.generator.topology import SERVICES

_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class Fleet:
    """Every replica the incident's services run, named the way Kubernetes names them."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._hosts = [
            f"ip-10-42-{rng.randrange(1, 60)}-{rng.randrange(2, 250)}.eu-west-1.compute.internal"
            for _ in range(5)
        ]
        self._instances: dict[tuple[str, int, str], Instance] = {}
        self._templates: dict[tuple[str, str], str] = {}  # one ReplicaSet hash per version

    def instance(self, service: str, replica: int, version: str | None = None) -> Instance:
        """Replica `replica` of `service`, running `version` (its usual one by default)."""
        spec = SERVICES[service]
        running = version or spec.version
        key = (service, replica, running)
        if key not in self._instances:
            self._instances[key] = self._new_instance(service, replica, running)
        return self._instances[key]

    def _new_instance(self, service: str, replica: int, version: str) -> Instance:
        rng = self._rng
        template = self._templates.setdefault(
            (service, version), "".join(rng.choice(_ALPHABET) for _ in range(9))
        )
        suffix = "".join(rng.choice(_ALPHABET) for _ in range(5))
        return Instance(
            service=service,
            version=version,
            language=SERVICES[service].language,
            pod=f"{service}-{template}-{suffix}",
            host=self._hosts[(replica + len(service)) % len(self._hosts)],
            instance_id=f"{rng.getrandbits(128):032x}",
        )
