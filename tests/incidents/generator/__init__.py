"""Labelled incidents on a logistics platform, written from the fault classes' descriptions alone.

`write_suite(folder, seed=..., count_per_kind=...)` writes one folder per incident, each with
`telemetry.jsonl` (OTLP/JSON, the collector's file-exporter format) and `incident.yaml`.
"""

from tests.incidents.generator.suite import (
    DEFAULT_COUNT_PER_KIND,
    DEFAULT_SEED,
    KINDS,
    generate_suite,
    write_suite,
)

__all__ = ["DEFAULT_COUNT_PER_KIND", "DEFAULT_SEED", "KINDS", "generate_suite", "write_suite"]
