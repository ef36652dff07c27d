"""deploy/k8s validates against the vendored Kubernetes schemas; secrets are references, never values."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import SCHEMAS, documents, k8s, service_settings, tool

SCHEMA_OF = {
    ("apps/v1", "Deployment"): "deployment-apps-v1.json",
    ("batch/v1", "Job"): "job-batch-v1.json",
    ("batch/v1", "CronJob"): "cronjob-batch-v1.json",
    ("networking.k8s.io/v1", "NetworkPolicy"): "networkpolicy-networking-v1.json",
    ("v1", "Service"): "service-v1.json",
    ("v1", "ServiceAccount"): "serviceaccount-v1.json",
    ("policy/v1", "PodDisruptionBudget"): "poddisruptionbudget-policy-v1.json",
}


def _validate(docs: list[dict[str, Any]], tmp: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema, offline, one run per schema over every document of that kind."""
    by_schema: dict[str, list[Path]] = {}
    for i, doc in enumerate(docs):
        key = (doc.get("apiVersion"), doc.get("kind"))
        assert key in SCHEMA_OF, f"{key} has no vendored schema; add it with tests/deploy/k8s_schemas/vendor.py"
        path = tmp / f"{i:03d}-{doc['kind']}.json"
        path.write_text(json.dumps(doc))
        by_schema.setdefault(SCHEMA_OF[key], []).append(path)
    last = subprocess.CompletedProcess[str]([], 0, "", "")
    for schema, paths in sorted(by_schema.items()):
        last = subprocess.run(
            [tool("check-jsonschema"), "--no-cache", "--schemafile", str(SCHEMAS / schema), *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if last.returncode:
            return last
    return last


def _objects(service: Path) -> list[dict[str, Any]]:
    return [d for d in k8s(service).values() if d["kind"] != "Kustomization"]


def test_manifests_validate_against_the_kubernetes_schemas(service: Path, tmp_path: Path) -> None:
    objects = _objects(service)
    kinds = {d["kind"] for d in objects}
    assert {"Deployment", "Job", "Service", "NetworkPolicy", "PodDisruptionBudget", "ServiceAccount"} <= kinds
    proc = _validate(objects, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_schemas_reject_a_misspelt_field(saas_service: Path, tmp_path: Path) -> None:
    api = k8s(saas_service)["Deployment/projects-api"]
    api["spec"]["template"]["spec"]["terminationGracePeriod"] = 30
    proc = _validate([api], tmp_path)
    assert proc.returncode != 0 and "terminationGracePeriod" in proc.stdout + proc.stderr


def test_kustomization_lists_every_manifest(service: Path) -> None:
    root = service / "deploy" / "k8s"
    (kustomization,) = documents(root / "kustomization.yaml")
    listed = kustomization["resources"]
    assert sorted(listed) == sorted(p.name for p in root.glob("*.yaml") if p.name != "kustomization.yaml")
    images = {i["name"] for i in kustomization["images"]}
    used = {c["image"] for d in _objects(service) for c in _containers(d)}
    assert used and used <= images


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    spec = doc.get("spec", {})
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    template = spec.get("template")
    return template["spec"] if template else None


def _containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    pod = _pod_spec(doc)
    return [*pod.get("initContainers", []), *pod["containers"]] if pod else []


def test_secrets_are_references_never_values(service: Path) -> None:
    settings = service_settings(service)
    secret_names = {settings["jwt_env"], "DATABASE_URL"} | (
        {settings["webhook_env"]} if settings["webhooks"] else set()
    )
    assert not [d for d in k8s(service).values() if d["kind"] in {"Secret", "ConfigMap"}]
    seen: set[str] = set()
    for doc in _objects(service):
        for container in _containers(doc):
            for env in container.get("env", []):
                if env["name"] in secret_names:
                    assert "value" not in env, f"{doc['kind']}/{container['name']}: {env['name']} has a value"
                    assert env["valueFrom"]["secretKeyRef"]["name"].endswith("-secrets")
                    seen.add(env["name"])
    assert seen == secret_names
    compose = yaml.safe_load((service / "compose.yaml").read_text())
    for name in ("api", "worker"):
        env = compose["services"][name]["environment"]
        assert env[settings["jwt_env"]].startswith(f"${{{settings['jwt_env']}:?")


def test_network_policy_denies_by_default(service: Path) -> None:
    policies = [d for d in _objects(service) if d["kind"] == "NetworkPolicy"]
    deny = [p for p in policies if "ingress" not in p["spec"] and "egress" not in p["spec"]]
    assert len(deny) == 1 and set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    name = deny[0]["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
    pods = [d for d in _objects(service) if _pod_spec(d)]
    for doc in pods:
        labels = (doc["spec"].get("template") or doc["spec"]["jobTemplate"]["spec"]["template"])["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == name, f"{doc['kind']} escapes the default deny"


def test_pods_run_as_non_root_without_privileges(service: Path) -> None:
    for doc in _objects(service):
        pod = _pod_spec(doc)
        if not pod:
            continue
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for container in _containers(doc):
            ctx = container["securityContext"]
            assert ctx["allowPrivilegeEscalation"] is False and ctx["capabilities"]["drop"] == ["ALL"]
            assert container["resources"]["requests"] and container["resources"]["limits"]


@pytest.mark.parametrize("name", ["Deployment", "CronJob"])
def test_purge_and_worker_exist_only_when_the_bundle_has_them(service: Path, name: str) -> None:
    settings = service_settings(service)
    kinds = [d["kind"] for d in _objects(service)]
    if name == "CronJob":
        assert ("CronJob" in kinds) == bool(settings["retention"])
    else:
        assert kinds.count("Deployment") == 2
