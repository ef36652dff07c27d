"""Probe paths, ports and grace periods in the deployment files are the service's own settings."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES
from tests.deploy.conftest import documents, k8s, service_settings
from tests.generator.support import generate


@pytest.fixture(scope="module")
def tuned_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """projects-saas with a different port, port variable and shutdown grace than the defaults."""
    bundle = tmp_path_factory.mktemp("bundle") / "tuned"
    shutil.copytree(EXAMPLES / "projects-saas", bundle)
    for name, old, new in (
        ("ops.yaml", "grace_seconds: 20", "grace_seconds: 42"),
        ("techspec.yaml", "env: API_PORT", "env: SERVICE_PORT"),
        ("techspec.yaml", "default: 8000", "default: 9090"),
    ):
        text = (bundle / name).read_text()
        assert old in text
        (bundle / name).write_text(text.replace(old, new))
    return generate(bundle, tmp_path_factory.mktemp("svc") / "tuned")


@pytest.fixture(params=["saas", "ledger", "tuned"])
def any_service(request: pytest.FixtureRequest) -> Path:
    return Path(request.getfixturevalue(f"{request.param}_service"))


def _api(service: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    deployments = [d for d in k8s(service).values() if d["kind"] == "Deployment"]
    (api,) = [d for d in deployments if d["metadata"]["labels"]["app.kubernetes.io/component"] == "api"]
    pod = api["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return pod, container


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)s", value)
    assert match, value
    return float(match.group(1))


def test_probes_and_port_are_the_service_settings(any_service: Path) -> None:
    settings = service_settings(any_service)
    _pod, api = _api(any_service)
    assert api["livenessProbe"]["httpGet"]["path"] == settings["health"]["liveness"]
    assert api["startupProbe"]["httpGet"]["path"] == settings["health"]["liveness"]
    assert api["readinessProbe"]["httpGet"]["path"] == settings["health"]["readiness"]
    (port,) = api["ports"]
    assert port["containerPort"] == settings["port"] and api["livenessProbe"]["httpGet"]["port"] == port["name"]
    assert {"name": settings["port_env"], "value": str(settings["port"])} in api["env"]
    dockerfile = (any_service / "Dockerfile").read_text()
    assert f"{settings['port_env']}={settings['port']}" in dockerfile
    assert f"EXPOSE {settings['port']}\n" in dockerfile
    healthcheck = json.loads(dockerfile.split("HEALTHCHECK", 1)[1].split("CMD", 1)[1].split("\n", 1)[0])
    assert settings["health"]["liveness"] in healthcheck[-1] and settings["port_env"] in healthcheck[-1]


def test_grace_periods_cover_the_service_drain(any_service: Path) -> None:
    settings = service_settings(any_service)
    grace = settings["grace"]
    pod, api = _api(any_service)
    pre_stop = float(api["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + grace
    for doc in k8s(any_service).values():
        if doc["kind"] == "Deployment":
            assert doc["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > grace
    compose = yaml.safe_load((any_service / "compose.yaml").read_text())["services"]
    assert _seconds(compose["api"]["stop_grace_period"]) > grace
    assert _seconds(compose["worker"]["stop_grace_period"]) > grace
    topology = (any_service / "docs" / "topology.md").read_text()
    assert f"terminationGracePeriodSeconds {pod['terminationGracePeriodSeconds']}" in topology
    assert f"{math.ceil(grace)} s drain" in topology


def test_the_tuned_bundle_moves_every_value(tuned_service: Path) -> None:
    settings = service_settings(tuned_service)
    assert (settings["port_env"], settings["port"], settings["grace"]) == ("SERVICE_PORT", 9090, 42.0)
    pod, api = _api(tuned_service)
    assert pod["terminationGracePeriodSeconds"] > 42 and api["ports"][0]["containerPort"] == 9090
    compose = yaml.safe_load((tuned_service / "compose.yaml").read_text())["services"]
    assert compose["api"]["environment"]["SERVICE_PORT"] == "9090"
    assert compose["api"]["ports"] == ["127.0.0.1:9090:9090"]


def test_every_env_var_the_deployment_sets_is_read_by_the_service(any_service: Path) -> None:
    config = (any_service / "app" / "config.py").read_text()
    read = set(re.findall(r"environ\.get\(\s*\"([A-Z_]+)\"", config))
    read |= set(re.findall(r"EnvVar\(\s*['\"]([A-Z_0-9]+)['\"]", config))
    read |= set(re.findall(r"environ\.get\(\s*\"([A-Z_]+)\"", (any_service / "app" / "__main__.py").read_text()))
    settings = service_settings(any_service)
    read |= {settings["port_env"], settings["jwt_env"], settings["webhook_env"]}
    for doc in k8s(any_service).values():
        pod = doc.get("spec", {}).get("template", {}).get("spec")
        for container in pod["containers"] if pod else []:
            assert {e["name"] for e in container["env"]} <= read, container["name"]
    compose = yaml.safe_load((any_service / "compose.yaml").read_text())["services"]
    assert set(compose["api"]["environment"]) <= read
    assert documents(any_service / "compose.yaml")
