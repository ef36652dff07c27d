"""The Dockerfile is hadolint clean and the CI workflow actionlint clean; both linters do catch faults."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.deploy.conftest import tool


def _run(*cmd: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_dockerfile_is_hadolint_clean(service: Path) -> None:
    proc = _run(tool("hadolint"), "--no-color", "Dockerfile", cwd=service)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hadolint_flags_a_root_latest_image(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install fastapi\nCMD python -m app\n")
    proc = _run(tool("hadolint"), "--no-color", str(bad))
    assert proc.returncode != 0
    assert "DL3007" in proc.stdout and "DL3025" in proc.stdout


def test_workflow_is_actionlint_clean(service: Path) -> None:
    proc = _run(tool("actionlint"), "-no-color", ".github/workflows/ci.yml", cwd=service)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_flags_a_broken_workflow(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n"
        "      - uses: actions/checkout\n"
    )
    proc = _run(tool("actionlint"), "-no-color", ".github/workflows/ci.yml", cwd=tmp_path)
    assert proc.returncode != 0 and "ci.yml" in proc.stdout


def test_compose_file_and_workflow_match_their_published_schemas(service: Path) -> None:
    for schema, path in (
        ("vendor.compose-spec", "compose.yaml"),
        ("vendor.github-workflows", ".github/workflows/ci.yml"),
    ):
        proc = _run(tool("check-jsonschema"), "--builtin-schema", schema, path, cwd=service)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_compose_schema_rejects_a_misspelt_key(tmp_path: Path) -> None:
    bad = tmp_path / "compose.yaml"
    bad.write_text("services:\n  api:\n    image: x\n    depends_onn: [db]\n")
    proc = _run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(bad))
    assert proc.returncode != 0 and "depends_onn" in proc.stdout + proc.stderr
