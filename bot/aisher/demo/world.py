"""The fixed parts of a scenario that every trace of it shares, and what one call returns."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import Enum

from aisher.demo.faults import FaultPlan
from aisher.demo.fleet import Fleet
from aisher.demo.propagation import Failure
from aisher.demo.stacktraces import CallSite, Thrown
from aisher.demo.topology import Noise, Topology


class Effect(Enum):
    """What the fault does to one request at the faulty service."""

    THROW = "throw"
    POOL_TIMEOUT = "pool_timeout"
    POOL_WAIT = "pool_wait"
    SLOW = "slow"
    SLOWISH = "slowish"


@dataclass(slots=True)
class World:
    """Everything fixed for a scenario: the topology, its pods, the fault and the noise."""

    topology: Topology
    fleet: Fleet
    plan: FaultPlan | None
    rng: random.Random
    noise: dict[tuple[str, str], list[Noise]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for item in self.topology.noise:
            self.noise.setdefault((item.service, item.operation), []).append(item)


@dataclass(slots=True)
class Step:
    """How a call ended; `site` and `thrown` let the caller raise the matching exception."""

    end_ns: int
    failure: Failure | None = None
    site: CallSite | None = None
    thrown: Thrown | None = None
