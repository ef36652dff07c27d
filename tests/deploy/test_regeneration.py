"""Regeneration keeps the user's edits to the deployment files and reports what it could not apply."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from backend_engineer.engines.deterministic.engine import DeterministicEngine, render_service
from backend_engineer.engines.deterministic.tree import MANIFEST, SCAFFOLD_PREFIXES
from backend_engineer.evolution.engine import EvolutionEngine, hand_edited
from backend_engineer.evolution.scaffold import PROPOSED
from backend_engineer.spec.bundle import Bundle, load_bundle
from tests.conftest import EXAMPLES
from tests.generator.support import write_tree

LABEL = 'LABEL org.opencontainers.image.vendor="our team"\n'


def _bundle(path: Path) -> Bundle:
    bundle = load_bundle(path).bundle
    assert bundle is not None
    return bundle


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """projects-saas v1 as generated, then the user edits the Dockerfile and the API Deployment."""
    root = write_tree(render_service(_bundle(EXAMPLES / "projects-saas")), tmp_path / "svc")
    (root / "Dockerfile").write_text((root / "Dockerfile").read_text() + LABEL)
    api = root / "deploy" / "k8s" / "api.yaml"
    api.write_text(api.read_text().replace("replicas: 2", "replicas: 7"))
    return root


@pytest.fixture
def v2_longer_grace(tmp_path: Path) -> Bundle:
    """projects-saas v2 with a longer shutdown grace, which changes the manifests and compose.yaml."""
    bundle = tmp_path / "v2"
    shutil.copytree(EXAMPLES / "projects-saas-v2", bundle)
    ops = (bundle / "ops.yaml").read_text()
    assert "grace_seconds: 20" in ops
    (bundle / "ops.yaml").write_text(ops.replace("grace_seconds: 20", "grace_seconds: 50"))
    return _bundle(bundle)


def test_first_generation_records_the_deploy_files_as_scaffold() -> None:
    files = render_service(_bundle(EXAMPLES / "projects-saas"))
    manifest = json.loads(files[MANIFEST])
    scaffold = sorted(p for p in files if p.startswith(SCAFFOLD_PREFIXES))
    assert {"Dockerfile", "compose.yaml", ".github/workflows/ci.yml", "docs/topology.md"} <= set(scaffold)
    assert "deploy/k8s/kustomization.yaml" in scaffold and "deploy/postgres/init-app-role.sql" in scaffold
    assert sorted(manifest["scaffold"]) == scaffold
    assert not set(scaffold) & set(manifest["files"]), "scaffold files must not count as hand-edited"
    assert manifest["scaffold"]["Dockerfile"] == hashlib.sha256(files["Dockerfile"]).hexdigest()


def test_regeneration_keeps_edits_updates_the_rest_and_reports_conflicts(repo: Path, v2_longer_grace: Bundle) -> None:
    assert hand_edited(repo) == []
    engine = EvolutionEngine()
    proposal = engine.propose(v2_longer_grace, repo)
    planned = {f.path: f.action for f in proposal.files}
    assert "Dockerfile" not in planned and "deploy/k8s/api.yaml" not in planned
    assert planned["compose.yaml"] == "modify" and planned["deploy/k8s/worker.yaml"] == "modify"
    assert f"{PROPOSED}deploy/k8s/api.yaml" in planned
    assert f"{PROPOSED}Dockerfile" not in planned, "the Dockerfile rendering did not change: nothing to merge"
    notes = [n for n in proposal.notes if n.startswith("deploy/k8s/api.yaml:")]
    assert len(notes) == 1 and "yours is kept" in notes[0]

    write_tree(engine.render(v2_longer_grace, proposal, repo), repo)
    assert (repo / "Dockerfile").read_text().endswith(LABEL)
    (api,) = [d for d in yaml.safe_load_all((repo / "deploy/k8s/api.yaml").read_text()) if d["kind"] == "Deployment"]
    assert api["spec"]["replicas"] == 7 and api["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 30
    (new,) = [
        d
        for d in yaml.safe_load_all((repo / PROPOSED / "deploy/k8s/api.yaml").read_text())
        if d["kind"] == "Deployment"
    ]
    assert new["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] == 60
    compose = yaml.safe_load((repo / "compose.yaml").read_text())
    assert compose["services"]["api"]["stop_grace_period"] == "55s"
    assert hand_edited(repo) == []

    again = engine.propose(v2_longer_grace, repo)
    assert not [f for f in again.files if f.path.startswith(SCAFFOLD_PREFIXES)]
    assert not [n for n in again.notes if "yours is kept" in n], "a conflict is reported once, not every build"


def test_a_plain_generate_over_an_existing_service_never_overwrites_them(repo: Path) -> None:
    proposal = DeterministicEngine().propose(_bundle(EXAMPLES / "projects-saas"), repo)
    planned = {f.path for f in proposal.files}
    assert not {p for p in planned if p.startswith(SCAFFOLD_PREFIXES) and (repo / p).exists()}
