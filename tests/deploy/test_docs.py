"""The deployment docs and files name only settings that exist, and link to pages that exist."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from aisher.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("deployment.md", "troubleshooting.md", "cost-tuning.md", "configuration.md")
FILES = (
    "Dockerfile",
    "fly.toml",
    "docker-compose.yml",
    "CONTRIBUTING.md",
    "CHANGELOG.md",
    "deploy/prometheus/aisher-alerts.yml",
    "deploy/helm/aisher/values.yaml",
    *(f"docs/{name}" for name in DOCS),
    *(
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "deploy/helm/aisher/templates").iterdir())
    ),
)
VARIABLE = re.compile(r"\b((?:AISHER|SLACK)_[A-Z0-9_]*[A-Z0-9])\b")
LINK = re.compile(r"\]\(([^)#:]+\.md)\)")


def known_variables() -> set[str]:
    names: set[str] = set()
    for field in Settings.model_fields.values():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= {
                inner.validation_alias
                for inner in annotation.model_fields.values()
                if isinstance(inner.validation_alias, str)
            }
        elif isinstance(field.validation_alias, str):
            names.add(field.validation_alias)
    return names


class TestDeploymentDocs:
    def test_every_named_variable_is_a_setting(self) -> None:
        """Each AISHER_*/SLACK_* variable in the docs and deployment files is read by Settings."""
        known = known_variables()
        unknown = {
            f"{name}: {variable}"
            for name in FILES
            for variable in VARIABLE.findall((ROOT / name).read_text(encoding="utf-8"))
            if variable not in known
        }
        assert unknown == set()

    def test_relative_links_resolve(self) -> None:
        """Links between the docs point at files that exist."""
        for name in DOCS:
            for target in LINK.findall((ROOT / "docs" / name).read_text(encoding="utf-8")):
                assert (ROOT / "docs" / target).is_file(), f"{name} links to {target}"

    def test_troubleshooting_covers_the_common_failures(self) -> None:
        """Unknown service, ClickHouse, Slack, 401, budget and Redis each have a section."""
        headings = [
            line.lower()
            for line in (ROOT / "docs/troubleshooting.md").read_text("utf-8").splitlines()
            if line.startswith("## ")
        ]
        for topic in (
            "unknown service",
            "clickhouse",
            "not_in_channel",
            "scopes",
            "401",
            "budget",
            "redis",
        ):
            assert any(topic in heading for heading in headings), topic

    def test_changelog_has_an_unreleased_section(self) -> None:
        """CHANGELOG.md's first section is Unreleased."""
        text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
        sections = [line for line in text.splitlines() if line.startswith("## ")]
        assert sections[0] == "## Unreleased"
