"""`init` writes the agent files and tool scripts; each script runs in a sample repo and fails when it should."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def _front(text: str) -> tuple[dict[str, Any], str]:
    _, header, body = text.split("---\n", 2)
    return yaml.safe_load(header), body


def test_init_writes_everything_once(tmp_path: Path) -> None:
    repo = tmp_path / "plain"
    repo.mkdir()
    first = CliRunner().invoke(app, ["init", str(repo), "--json"])
    assert first.exit_code == 0, first.output
    front, _ = _front((repo / ".claude" / "agents" / "backend-engineer.md").read_text())
    assert front["name"] == "backend-engineer" and front["description"] and front["tools"]
    assert yaml.safe_load((repo / "company.config.yaml").read_text())["conventions"]["max_files_per_change"] == 15
    for rel in SCRIPTS:
        assert os.access(repo / rel, os.X_OK), rel
    (repo / "company.config.yaml").write_text("company: mine\n")
    again = CliRunner().invoke(app, ["init", str(repo)])
    assert again.exit_code == 0 and "[SKIP] company.config.yaml exists" in again.output
    assert (repo / "company.config.yaml").read_text() == "company: mine\n"


def test_agent_files_follow_each_tools_format_and_carry_the_gate(tmp_path: Path) -> None:
    from backend_engineer.integrations.mcp_server import build_server
    from backend_engineer.workflow.approvals import PHRASES

    repo = sample_repo(tmp_path)
    CliRunner().invoke(app, ["init", str(repo)])
    claude, claude_body = _front((repo / ".claude" / "agents" / "backend-engineer.md").read_text())
    copilot, copilot_body = _front((repo / ".github" / "agents" / "backend-engineer.agent.md").read_text())
    claude_tools = [t.strip() for t in claude["tools"].split(",")]
    assert {"Read", "Edit", "Bash", "Grep", "Glob"} <= set(claude_tools)
    server_tools = {t.name for t in asyncio.run(build_server().list_tools())}
    assert {t.removeprefix("mcp__backend-engineer__") for t in claude_tools if t.startswith("mcp__")} == server_tools
    assert {"read", "edit", "search", "execute", "backend-engineer/*"} <= set(copilot["tools"])
    assert copilot["name"] == "backend-engineer" and copilot["description"]
    for body in (claude_body, copilot_body):
        assert all(p in body for p in PHRASES)
        assert all(f'"{w}"' in body for w in ("yes", "proceed", "execute", "STOP", "HALT", "ABORT"))
        for command in (
            "backend-engineer intake BUNDLE",
            "backend-engineer plan BUNDLE --out SERVICE_DIR",
            'backend-engineer approve RUN_DIR --answer "<the user\'s words>"',
            "backend-engineer build BUNDLE --out SERVICE_DIR --run RUN_DIR",
            "SERVICE=services/projects tools/ci/run-tests.sh",
            "app/custom/operations/<operation>.py",
        ):
            assert command in body, command
    claude_mcp = json.loads((repo / ".mcp.json").read_text())["mcpServers"]["backend-engineer"]
    vscode_mcp = json.loads((repo / ".vscode" / "mcp.json").read_text())["servers"]["backend-engineer"]
    for entry in (claude_mcp, vscode_mcp):
        assert entry["type"] == "stdio" and [entry["command"], *entry["args"]] == ["backend-engineer", "mcp"]
    assert not (repo / "company.config.yaml").exists(), "no placeholder next to the service's real bundle"


def test_mcp_registration_keeps_other_servers(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".vscode").mkdir(parents=True)
    (repo / ".vscode" / "mcp.json").write_text(json.dumps({"servers": {"other": {"command": "x"}}, "inputs": []}))
    (repo / ".mcp.json").write_text("{not json")
    result = CliRunner().invoke(app, ["init", str(repo), "--json"])
    data = json.loads(result.output)
    vscode = json.loads((repo / ".vscode" / "mcp.json").read_text())
    assert set(vscode["servers"]) == {"other", "backend-engineer"} and vscode["inputs"] == []
    assert ".mcp.json" in data["skipped"] and "not valid JSON" in data["reasons"][".mcp.json"]
    assert (repo / ".mcp.json").read_text() == "{not json"


def test_lint_format_runs_every_step_and_reports_all_failures(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    CliRunner().invoke(app, ["init", str(repo)])
    fake = tmp_path / "fake-be"
    fake.write_text('#!/usr/bin/env bash\necho "ran $1"\nexit 5\n')
    fake.chmod(0o755)
    result = run(repo, "tools/ci/lint-format.sh", BACKEND_ENGINEER=str(fake))
    assert result.returncode == 5
    assert "ran verify" in result.stdout and "ran review" in result.stdout, "the review step runs after a failure"
    assert result.stderr.count("[FAIL]") == 2


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
