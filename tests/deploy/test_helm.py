"""The Helm chart: its metadata and values parse, templates only use values that exist, and
`helm template` renders it (where helm is installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from aisher.config import OpsSettings

CHART = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "aisher"
TEMPLATES = CHART / "templates"
VALUES: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text("utf-8"))
VALUES_REFERENCE = re.compile(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def referenced_values(text: str) -> set[tuple[str, ...]]:
    """Every `.Values.a.b` path a template names, as `("a", "b")`."""
    return {
        tuple(match.group(1).lstrip(".").split(".")) for match in VALUES_REFERENCE.finditer(text)
    }


def template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


class TestChartFiles:
    def test_chart_metadata(self) -> None:
        """Chart.yaml is a v2 application chart named aisher with versions."""
        chart = yaml.safe_load((CHART / "Chart.yaml").read_text("utf-8"))
        assert chart["apiVersion"] == "v2"
        assert chart["name"] == "aisher"
        assert chart["type"] == "application"
        assert chart["version"]
        assert chart["appVersion"]

    def test_every_referenced_value_exists(self) -> None:
        """Each `.Values.x.y` used in a template is defined in values.yaml."""
        missing = []
        for path in sorted(TEMPLATES.iterdir()):
            for reference in referenced_values(path.read_text(encoding="utf-8")):
                node: Any = VALUES
                for key in reference:
                    if not isinstance(node, dict) or key not in node:
                        missing.append(f"{path.name}: .Values.{'.'.join(reference)}")
                        break
                    node = node[key]
        assert missing == []

    def test_reference_finder(self) -> None:
        """The finder reads nested paths and ignores other dotted names."""
        text = "{{ .Values.redis.image.tag }} {{ .Release.Name }} {{- with .Values.affinity }}"
        assert referenced_values(text) == {("redis", "image", "tag"), ("affinity",)}

    def test_has_the_expected_templates(self) -> None:
        """Deployment, service, config, secret, monitor, redis, helpers and notes all exist."""
        names = {path.name for path in TEMPLATES.iterdir()}
        assert {
            "deployment.yaml",
            "service.yaml",
            "configmap.yaml",
            "secret.yaml",
            "servicemonitor.yaml",
            "redis.yaml",
            "_helpers.tpl",
            "NOTES.txt",
        } <= names


class TestChartValues:
    def test_pod_is_locked_down(self) -> None:
        """The pod runs as non-root with a read-only root filesystem and no capabilities."""
        assert VALUES["podSecurityContext"]["runAsNonRoot"] is True
        assert VALUES["podSecurityContext"]["runAsUser"] != 0
        assert VALUES["securityContext"]["readOnlyRootFilesystem"] is True
        assert VALUES["securityContext"]["capabilities"]["drop"] == ["ALL"]

    def test_termination_grace_outlasts_the_drain(self) -> None:
        """Kubernetes waits longer than the configured shutdown grace before SIGKILL."""
        grace = float(
            VALUES["config"].get("AISHER_SHUTDOWN_GRACE_S", OpsSettings().shutdown_grace_s)
        )
        assert VALUES["terminationGracePeriodSeconds"] > grace

    def test_optional_parts_are_off_by_default(self) -> None:
        """The ServiceMonitor and the bundled Redis are opt-in; no Redis URL is preset."""
        assert VALUES["serviceMonitor"]["enabled"] is False
        assert VALUES["redis"]["enabled"] is False
        assert VALUES["redis"]["url"] == ""

    def test_no_secret_ships_in_values(self) -> None:
        """values.yaml carries no token: secrets default to empty."""
        assert VALUES["secrets"] == {}
        assert VALUES["existingSecret"] == ""


class TestChartTemplates:
    def test_probes_point_at_health_endpoints(self) -> None:
        """Liveness asks /healthz and readiness asks /readyz."""
        deployment = template("deployment.yaml")
        liveness = deployment.split("livenessProbe:", 1)[1].split("readinessProbe:", 1)[0]
        readiness = deployment.split("readinessProbe:", 1)[1].split("resources:", 1)[0]
        assert "path: /healthz" in liveness
        assert "path: /readyz" in readiness

    def test_writable_paths_are_empty_dirs(self) -> None:
        """/data and /tmp are mounted (emptyDir unless a claim is named), the rest is read-only."""
        deployment = template("deployment.yaml")
        assert "mountPath: /data" in deployment
        assert "mountPath: /tmp" in deployment
        assert deployment.count("emptyDir:") == 2

    def test_secrets_are_files_in_the_secrets_dir(self) -> None:
        """The Secret is mounted as files at the path AISHER_SECRETS_DIR names."""
        deployment = template("deployment.yaml")
        assert "mountPath: {{ .Values.secretsMountPath }}" in deployment
        assert "AISHER_SECRETS_DIR: {{ .Values.secretsMountPath | quote }}" in template(
            "configmap.yaml"
        )
        assert "configMapRef:" in deployment

    def test_redis_choice(self) -> None:
        """The bundled Redis sets the URL in the ConfigMap; an external URL goes in the Secret."""
        assert "{{- if .Values.redis.enabled }}" in template("redis.yaml")
        assert "kind: Deployment" in template("redis.yaml")
        assert "kind: Service" in template("redis.yaml")
        assert "AISHER_REDIS_URL" in template("configmap.yaml")
        assert "AISHER_REDIS_URL: {{ .Values.redis.url | quote }}" in template("secret.yaml")

    def test_service_monitor_is_optional(self) -> None:
        """The ServiceMonitor renders only when serviceMonitor.enabled, scraping /metrics."""
        monitor = template("servicemonitor.yaml")
        assert monitor.startswith("{{- if .Values.serviceMonitor.enabled }}")
        assert "path: /metrics" in monitor


class TestHelmTemplate:
    @pytest.mark.parametrize(
        "options",
        [
            [],
            ["--set", "redis.enabled=true", "--set", "serviceMonitor.enabled=true"],
            ["--set", "redis.url=redis://cache:6379/0", "--set", "secrets.SLACK_BOT_TOKEN=x"],
        ],
    )
    def test_renders(self, options: list[str]) -> None:
        """`helm template` renders valid YAML whose Deployment has both probes."""
        helm = shutil.which("helm")
        if helm is None:
            pytest.skip("helm is not installed here; the static checks above still ran")
        result = subprocess.run(
            [helm, "template", "aisher", str(CHART), *options],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        documents = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
        deployments = [doc for doc in documents if doc["kind"] == "Deployment"]
        aisher = next(doc for doc in deployments if doc["metadata"]["name"] == "aisher")
        container = aisher["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
