from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES

SAAS = EXAMPLES / "projects-saas"


def cli(*args: str, cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "NO_COLOR": "1", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "backend_engineer.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_plan_then_approve_then_build_through_the_cli(tmp_path: Path) -> None:
    work, elsewhere = tmp_path / "work", tmp_path / "cwd"
    work.mkdir()
    elsewhere.mkdir()
    svc = work / "svc"
    planned = cli("plan", str(SAAS), "--out", str(svc), "--json", cwd=elsewhere)
    assert planned.returncode == 0, planned.stderr
    data = json.loads(planned.stdout)
    assert data["question"] in data["plan"]["checklist"][0] or data["question"].endswith(("?", "."))
    assert all(len(c["files"]) <= 15 for c in data["plan"]["changes"])
    assert data["plan"]["changes"][0]["files"][0]["kind"] == "migration"
    run_dir = Path(data["run_dir"])
    assert run_dir.parent == work / ".backend-engineer" / "runs", "the run folder sits beside --out"
    assert not (elsewhere / ".backend-engineer").exists() and not svc.exists()
    assert (run_dir / "plan.md").is_file() and (run_dir / "run.json").is_file()
    refused = cli("approve", str(run_dir), "--answer", "ok", cwd=elsewhere)
    assert refused.returncode == 4 and "[FAIL]" in refused.stderr
    assert "\x1b[" not in refused.stderr + refused.stdout
    approved = cli("approve", "latest", "--out", str(svc), "--answer", "proceed", cwd=elsewhere)
    assert approved.returncode == 0 and "[PASS] approved" in approved.stdout, approved.stderr
    built = cli("build", str(SAAS), "--out", str(svc), "--run", run_dir.name, "--no-verify", cwd=elsewhere)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "[PASS] approve: approved earlier" in built.stdout
    assert f"run folder: {run_dir}" in built.stdout and "beside --out" in built.stdout
    subjects = git(svc, "log", "--format=%s").splitlines()
    assert len(subjects) == len(data["plan"]["changes"]) and subjects[-1].startswith("feat(db):")
    assert data["plan_hash"] in git(svc, "log", "-1", "--format=%b")
    assert (svc / "app" / "spec_config.py").is_file() and git(svc, "status", "--porcelain") == ""
    state = json.loads((run_dir / "run.json").read_text())
    assert state["status"] == "built" and "implement" in state["stages_done"] and "verify" not in state["stages_done"]
    late_stop = cli("approve", str(run_dir), "--answer", "STOP", cwd=elsewhere)
    assert late_stop.returncode == 2 and "already built" in late_stop.stderr


def test_build_without_approval_exits_4_and_prints_labels(tmp_path: Path) -> None:
    result = cli("build", str(SAAS), "--out", str(tmp_path / "svc"), cwd=tmp_path)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "[ASK]" in result.stdout and "[FAIL] awaiting-approval" in result.stdout
    assert "[PASS] intake" in result.stdout and "[PASS] plan" in result.stdout
    assert "\x1b[" not in result.stdout
    assert not (tmp_path / "svc").exists()
    runs = list((tmp_path / ".backend-engineer" / "runs").iterdir())
    assert len(runs) == 1 and not (runs[0] / "approvals.jsonl").exists()


def test_build_of_an_incomplete_bundle_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    result = cli("build", str(EXAMPLES / "incomplete-notes"), "--out", str(tmp_path / "svc"), cwd=tmp_path)
    assert result.returncode == 3
    assert "[FAIL]" in result.stdout and "no port is configured" in result.stdout
    assert "\x1b[" not in result.stdout
    assert not (tmp_path / "svc").exists() and not (tmp_path / ".backend-engineer").exists()


def test_approve_latest_finds_runs_beside_out_and_explains_where_they_are(tmp_path: Path) -> None:
    svc = tmp_path / "out" / "svc"
    planned = cli("plan", str(SAAS), "--out", str(svc), "--json", cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    lost = cli("approve", "latest", "--answer", "yes", cwd=tmp_path)
    assert lost.returncode == 2 and "beside the output folder" in lost.stderr and "--out" in lost.stderr
    found = cli("approve", "latest", "--out", str(svc), "--answer", "yes", cwd=tmp_path)
    assert found.returncode == 0 and json.loads(planned.stdout)["run_dir"] in found.stdout
