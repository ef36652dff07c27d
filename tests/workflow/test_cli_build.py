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


def test_plan_then_approve_then_build_through_the_cli(tmp_path: Path) -> None:
    runs = {"BACKEND_ENGINEER_RUNS": str(tmp_path / "runs")}
    planned = cli("plan", str(SAAS), "--out", str(tmp_path / "svc"), "--json", cwd=tmp_path, env_extra=runs)
    assert planned.returncode == 0, planned.stderr
    data = json.loads(planned.stdout)
    assert data["question"] in data["plan"]["checklist"][0] or data["question"].endswith(("?", "."))
    assert all(len(c["files"]) <= 15 for c in data["plan"]["changes"])
    assert data["plan"]["changes"][0]["files"][0]["kind"] == "migration"
    run_dir = Path(data["run_dir"])
    assert (run_dir / "plan.md").is_file() and (run_dir / "run.json").is_file()
    refused = cli("approve", str(run_dir), "--answer", "ok", cwd=tmp_path, env_extra=runs)
    assert refused.returncode == 4 and "[FAIL]" in refused.stderr
    assert "\x1b[" not in refused.stderr + refused.stdout


def test_build_without_approval_exits_4_and_prints_labels(tmp_path: Path) -> None:
    runs = {"BACKEND_ENGINEER_RUNS": str(tmp_path / "runs")}
    result = cli(
        "build", str(EXAMPLES / "incomplete-notes"), "--out", str(tmp_path / "svc"), cwd=tmp_path, env_extra=runs
    )
    assert result.returncode == 3
    assert "[FAIL]" in result.stdout and "no port is configured" in result.stdout
    assert "\x1b[" not in result.stdout
    assert not (tmp_path / "svc").exists()
