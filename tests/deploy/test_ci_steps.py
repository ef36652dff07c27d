"""The CI workflow's lint and migration-check steps, run here with bash, pass on the generated service.

Skipped steps, each checked elsewhere or needing the network: Install (the dev venv already has the
dependencies), mypy and pytest (tests/generator/test_generated_service.py), pip-audit (PyPI's advisory
service; the offline equivalent is ``backend-engineer dep-scan``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from tests.deploy.conftest import BIN

ELSEWHERE = {"Install", "mypy", "pytest", "pip-audit"}


def _steps(service: Path, job: str) -> list[dict[str, str]]:
    workflow = yaml.safe_load((service / ".github" / "workflows" / "ci.yml").read_text())
    return [s for s in workflow["jobs"][job]["steps"] if "run" in s]


def _run_job(service: Path, job: str, env: dict[str, str]) -> list[str]:
    ran = []
    for step in _steps(service, job):
        if step.get("name") in ELSEWHERE:
            continue
        proc = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", step["run"]],
            cwd=service,
            env={**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}", **env},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert proc.returncode == 0, f"{job} / {step.get('name')}: {(proc.stdout + proc.stderr)[-2000:]}"
        ran.append(step.get("name", step["run"]))
    return ran


def test_workflow_has_the_required_jobs(saas_service: Path) -> None:
    workflow = yaml.safe_load((saas_service / ".github" / "workflows" / "ci.yml").read_text())
    assert set(workflow["jobs"]) == {"lint", "test", "migration-check", "dep-scan"}
    assert "postgres" in workflow["jobs"]["test"]["services"]
    assert "postgres" in workflow["jobs"]["migration-check"]["services"]
    assert any("TEST_DATABASE_URL" in k for k in workflow["jobs"]["test"]["env"])
    names = {s.get("name") for job in workflow["jobs"].values() for s in job["steps"]}
    assert {"ruff", "mypy", "pytest", "pip-audit", "round trip", "models match migrations"} <= names


def test_lint_steps_pass(saas_service: Path) -> None:
    assert _run_job(saas_service, "lint", {}) == ["ruff"]


def test_migration_check_steps_pass_on_postgresql(saas_service: Path, postgres_url: str) -> None:
    ran = _run_job(saas_service, "migration-check", {"DATABASE_URL": postgres_url})
    assert ran == ["single head", "round trip", "database at head", "models match migrations"]
