"""The systems are complete, consistent and mix every runtime and kind of dependency."""

from __future__ import annotations

import random

import pytest

from aisher.demo import TOPOLOGY_NAMES, FaultKind, fault_targets, topology
from aisher.demo.faults import candidates, plan_fault
from aisher.demo.stacks.throw_site import Language
from aisher.demo.systems.topology import DependencyKind, Protocol, statement_parts
from aisher.errors import InputError


class TestTopologies:
    def test_four_systems_each_mixing_runtimes(self) -> None:
        """There are at least four systems, each with services in at least three runtimes."""
        assert len(TOPOLOGY_NAMES) >= 4
        for name in TOPOLOGY_NAMES:
            languages = {service.language for service in topology(name).services}
            assert len(languages) >= 3, name
        every = {s.language for name in TOPOLOGY_NAMES for s in topology(name).services}
        assert every == set(Language)

    def test_every_call_resolves(self) -> None:
        """Each call names a service operation, a dependency, or a topic somebody consumes."""
        for name in TOPOLOGY_NAMES:
            system = topology(name)
            for _, _, call in system.walk():
                dependency = system.dependency(call.target)
                if dependency is None:
                    system.service(call.target).operation(call.operation)
                elif dependency.kind is DependencyKind.BROKER:
                    assert list(system.consumers(call.operation)), call
                elif dependency.kind is DependencyKind.EXTERNAL:
                    assert call.operation.split(" ")[0] in ("GET", "POST", "PUT"), call

    def test_services_have_versions_code_and_protocols(self) -> None:
        """Every service has a release, and every operation a code path and a protocol."""
        protocols = set()
        for name in TOPOLOGY_NAMES:
            system = topology(name)
            system.service(system.entry)
            assert abs(sum(share for _, share in system.mix) - 1.0) < 1e-9
            for service in system.services:
                assert service.version.count(".") == 2
                for operation in service.operations:
                    assert operation.code
                    protocols.add(operation.protocol)
        assert protocols == set(Protocol)

    def test_dependencies_of_every_kind(self) -> None:
        """Databases, caches, third-party APIs and a broker appear in every system."""
        for name in TOPOLOGY_NAMES:
            kinds = {dependency.kind for dependency in topology(name).dependencies}
            assert kinds == set(DependencyKind), name

    def test_statements_name_spans_the_semantic_convention_way(self) -> None:
        """`SELECT … FROM charges` in database `payments` makes a `SELECT payments.charges` span."""
        system = topology("shop")
        payments = system.dependency("payments-db")
        assert payments is not None
        name, operation, table = statement_parts(
            payments, "SELECT * FROM charges WHERE idempotency_key = ?"
        )
        assert (name, operation, table) == ("SELECT payments.charges", "SELECT", "charges")
        cache = system.dependency("shop-redis")
        assert cache is not None
        assert statement_parts(cache, "HGETALL cart:?")[0] == "HGETALL"

    def test_unknown_topology_is_an_input_error(self) -> None:
        """Asking for a system that does not exist names the ones that do."""
        with pytest.raises(InputError, match="shop"):
            topology("bank")


class TestFaultTargets:
    def test_every_kind_has_targets_in_every_system(self) -> None:
        """Each fault kind can hit at least one part of each system."""
        for name in TOPOLOGY_NAMES:
            for kind in FaultKind:
                assert fault_targets(topology(name), kind), (name, kind)

    def test_external_targets_are_uninstrumented_apis(self) -> None:
        """An external outage targets a third-party API, never one of our services."""
        for name in TOPOLOGY_NAMES:
            system = topology(name)
            for target in fault_targets(system, FaultKind.EXTERNAL_OUTAGE):
                dependency = system.dependency(target)
                assert dependency is not None
                assert dependency.kind is DependencyKind.EXTERNAL

    def test_targets_are_felt_by_users(self) -> None:
        """A target sits under at least a tenth of the requests whose outcome depends on it."""
        for name in TOPOLOGY_NAMES:
            for kind in FaultKind:
                for target in candidates(topology(name), kind):
                    assert target.reach >= 0.1 - 1e-9
                    assert target.service != topology(name).entry or (
                        kind is FaultKind.EXTERNAL_OUTAGE
                    )

    def test_wrong_target_is_an_input_error(self) -> None:
        """A target the kind cannot hit is refused with the valid choices."""
        with pytest.raises(InputError, match="payment-svc"):
            plan_fault(
                topology("shop"),
                FaultKind.DB_POOL_EXHAUSTION,
                "shipping-svc",
                start_ns=0,
                rate=None,
                rng=random.Random(1),
            )
