"""Resource fingerprints, labels, error groups and buckets match SigNoz's collector."""

from __future__ import annotations

import pytest

from aisher.signoz.fingerprint import (
    NIL_SERVICE_NAME,
    error_group_id,
    fingerprint_hash,
    resource_fingerprint,
    resource_labels,
    service_name,
    ts_bucket_start,
)
from tests.support.otlp_documents import CHECKOUT_FINGERPRINT, CHECKOUT_RESOURCE


class TestResourceFingerprint:
    def test_documented_service_example(self) -> None:
        """The collector's own test vector: service, env and component in hierarchy order."""
        resources = {"service.name": "service", "env": "prod", "component": "service-component"}
        assert resource_fingerprint(resources) == (
            "service.name=service;env=prod;component=service-component;hash=18170521368096690780"
        )

    def test_checkout_example(self) -> None:
        """The reference's checkout resource gives its documented fingerprint."""
        assert resource_fingerprint(CHECKOUT_RESOURCE) == CHECKOUT_FINGERPRINT

    @pytest.mark.parametrize(
        ("resources", "expected"),
        [
            ({"a": "b"}, "hash=15182603570120227210"),
            (
                {"ec2.tag.env": "fn-prod", "host.image.id": "ami-fce3c696"},
                "ec2.tag.env=fn-prod;hash=5580615729524003981",
            ),
            (
                {
                    "cloudwatch.log.stream": "mystr",
                    "ec2.tag.env": "fn-prod",
                    "host.image.id": "ami-fce3c696",
                },
                "ec2.tag.env=fn-prod;cloudwatch.log.stream=mystr;hash=10649409385811604510",
            ),
            (
                {"gcp.project": "myproject", "source_type": "gcp", "random_key": "val"},
                "gcp.project=myproject;source_type=gcp;hash=11162778839006855273",
            ),
        ],
    )
    def test_collector_test_vectors(self, resources: dict[str, str], expected: str) -> None:
        """Labels missing from the hierarchy are skipped and lower levels still contribute."""
        assert resource_fingerprint(resources) == expected

    def test_first_synonym_at_a_level_wins(self) -> None:
        """At one level only the first label of the synonym list present is used."""
        resources = {"service.name": "api", "host.name": "h1", "k8s.pod.name": "api-0"}
        assert resource_fingerprint(resources).startswith("service.name=api;k8s.pod.name=api-0;")

    def test_node_view_used_when_the_service_view_is_empty(self) -> None:
        """Below a cluster, the node-oriented view applies when the service view finds nothing."""
        resources = {"k8s.cluster.name": "c1", "cloud.availability_zone": "z", "k8s.node.name": "n"}
        assert resource_fingerprint(resources).startswith(
            "k8s.cluster.name=c1;cloud.availability_zone=z;k8s.node.name=n;hash="
        )

    def test_service_view_wins_even_from_a_lower_level(self) -> None:
        """A host label found deep in the service view keeps the node view out."""
        resources = {"k8s.cluster.name": "c1", "cloud.availability_zone": "z", "host.name": "h"}
        assert resource_fingerprint(resources).startswith("k8s.cluster.name=c1;host.name=h;hash=")

    def test_empty_resource_is_the_fnv_offset(self) -> None:
        """An empty resource hashes to FNV-1a's offset basis, as in Go."""
        assert resource_fingerprint({}) == "hash=14695981039346656037"

    def test_non_string_values_hash_like_their_go_rendering(self) -> None:
        """An int hashes as its decimal text and a list as Go's `[a b]`."""
        assert fingerprint_hash({"pid": 42}) == fingerprint_hash({"pid": "42"})
        assert fingerprint_hash({"args": ["a", "b"]}) == fingerprint_hash({"args": "[a b]"})


class TestResourceLabels:
    def test_sorted_compact_json_of_strings(self) -> None:
        """Labels are compact JSON with sorted keys and every value as a string."""
        labels = resource_labels({"service.name": "checkout", "a.pid": 7, "b.ok": True})
        assert labels == '{"a.pid":"7","b.ok":"true","service.name":"checkout"}'

    def test_html_characters_are_escaped_as_go_does(self) -> None:
        """`<`, `>` and `&` are written as \\u escapes, like Go's encoder."""
        assert resource_labels({"team": "R&D <core>"}) == (
            '{"team":"R\\u0026D \\u003ccore\\u003e"}'
        )


class TestServiceName:
    def test_missing_service_name_is_the_nil_marker(self) -> None:
        """A resource without service.name gives the collector's `<nil-service-name>`."""
        assert service_name({"host.name": "h"}) == NIL_SERVICE_NAME

    def test_present_service_name(self) -> None:
        """A string service.name is used as is."""
        assert service_name({"service.name": "api"}) == "api"


class TestErrorGroupId:
    def test_md5_of_service_type_and_message(self) -> None:
        """The group id is md5 hex of service + exception type + message (reference §4.2)."""
        group = error_group_id(
            "checkout-service", "stripe.error.CardError", "Your card has expired."
        )
        assert group == "5d6aeba7b762eec7bba18f72d964f863"


class TestTsBucketStart:
    def test_floors_to_half_hour_in_seconds(self) -> None:
        """A span start in ns maps to the epoch second of its 1800 s bucket."""
        assert ts_bucket_start(1_747_948_619_173_456_789) == 1_747_947_600

    def test_bucket_boundary_belongs_to_the_new_bucket(self) -> None:
        """A time exactly on a boundary starts that bucket."""
        assert ts_bucket_start(1_747_947_600 * 10**9) == 1_747_947_600
        assert ts_bucket_start(1_747_947_600 * 10**9 - 1) == 1_747_947_600 - 1800
