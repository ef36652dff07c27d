"""`init` writes the agent files and tool scripts; each script runs in a sample repo and fails when it should."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.integrations.init_repo import SCRIPTS
from tests.conftest import EXAMPLES, ROOT


def sample_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "tests" / "golden" / "projects-saas", repo)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo


def run(repo: Path, script: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "BACKEND_ENGINEER": str(Path(sys.executable).with_name("backend-engineer")), **env}
    return subprocess.run(
        ["bash", script], cwd=repo, env=full, capture_output=True, text=True, timeout=600, check=False
    )


def test_init_writes_everything_once(tmp_path: Path) -> None:
    repo = sample_repo(tmp_path)
    first = CliRunner().invoke(app, ["init", str(repo), "--json"])
    assert first.exit_code == 0, first.output
    claude = (repo / ".claude" / "agents" / "backend-engineer.md").read_text()
    front = yaml.safe_load(claude.split("---")[1])
    assert front["name"] == "backend-engineer" and front["description"] and front["tools"]
    assert (repo / ".github" / "agents" / "backend-engineer.agent.md").is_file()
    assert yaml.safe_load((repo / "company.config.yaml").read_text())["conventions"]["max_files_per_change"] == 15
    for rel in SCRIPTS:
        assert os.access(repo / rel, os.X_OK), rel
    (repo / "company.config.yaml").write_text("company: mine\n")
    again = CliRunner().invoke(app, ["init", str(repo)])
    assert again.exit_code == 0 and "[SKIP] company.config.yaml" in again.output
    assert (repo / "company.config.yaml").read_text() == "company: mine\n"


def test_scripts_pass_on_a_good_repo_and_fail_on_a_broken_one(tmp_path: Path) -> None:
    repo = sample_repo(tmp_path)
    CliRunner().invoke(app, ["init", str(repo)])
    assert run(repo, "tools/artifact/validate.sh").returncode == 0
    assert run(repo, "tools/ci/openapi-lint.sh").returncode == 0
    assert run(repo, "tools/db/migration-check.sh", SERVICE=".").returncode == 0
    assert run(repo, "tools/ci/run-tests.sh").returncode == 0
    lint = run(repo, "tools/ci/lint-format.sh")
    assert lint.returncode == 0, lint.stdout[-2000:] + lint.stderr[-2000:]
    seeded_db = tmp_path / "seed.db"
    migrate = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=repo,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{seeded_db}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    assert run(repo, "tools/db/seed.sh", DATABASE_URL=f"sqlite:///{seeded_db}").returncode == 0
    scan = run(repo, "tools/security/dependency-scan.sh")
    assert scan.returncode != 0 and "OSV_DB" in scan.stderr
    osv = ROOT / "tests" / "verify" / "fixtures" / "osv"
    lock = tmp_path / "requirements.txt"
    lock.write_text("demo-pkg==1.0.0\n")
    assert run(repo, "tools/security/dependency-scan.sh", OSV_DB=str(osv), LOCK=str(lock)).returncode == 1
    broken_spec = repo / ".backend-engineer" / "bundle" / "openapi.yaml"
    broken_spec.write_text((EXAMPLES / "incomplete-notes" / "openapi.yaml").read_text())
    assert run(repo, "tools/ci/openapi-lint.sh").returncode == 1
    assert run(repo, "tools/artifact/validate.sh").returncode == 3
    (repo / "migrations" / "versions" / "0001_initial.py").write_text(
        (repo / "migrations" / "versions" / "0001_initial.py")
        .read_text()
        .replace("def downgrade() -> None:", "def downgrade() -> None:\n    return\n\n\ndef _old_downgrade() -> None:")
    )
    assert run(repo, "tools/db/migration-check.sh", SERVICE=".").returncode == 1
