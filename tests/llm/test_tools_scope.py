"""Tools confined to owned paths: refusals for scope, traversal, symlinks, forbidden paths and the file cap."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from backend_engineer.llm.scope import ScopePolicy
from backend_engineer.llm.tools import Toolbox
from backend_engineer.spec.models import CompanyConfig
from tests.llm.support import FORBIDDEN, OWNED, runner, status


@pytest.fixture
def box(repo: Path) -> Toolbox:
    return Toolbox(ScopePolicy(repo, OWNED, FORBIDDEN), bash_timeout_s=5, output_cap=2000, runner=runner(repo))


def test_read_write_edit_inside_scope(box: Toolbox, repo: Path) -> None:
    assert "def add" in box.run("read", {"path": "calc/ops.py"}).output
    assert box.run("write", {"path": "calc/new.py", "content": "X = 1\n"}).ok
    assert (repo / "calc/new.py").read_text() == "X = 1\n"
    assert box.run("edit", {"path": "calc/new.py", "old_string": "X = 1", "new_string": "X = 2"}).ok
    assert (repo / "calc/new.py").read_text() == "X = 2\n"
    missing = box.run("edit", {"path": "calc/new.py", "old_string": "nope", "new_string": "y"})
    assert not missing.ok and "not found" in missing.output


def test_write_outside_owned_paths_is_refused(box: Toolbox, repo: Path) -> None:
    for path in ("infra/deploy.sh", "pyproject.toml", "README.md", ".git/config", "../escape.py", "/tmp/abs.py"):
        result = box.run("write", {"path": path, "content": "pwned"})
        assert result.refused and result.output.startswith("REFUSED"), path
    assert not (repo.parent / "escape.py").exists()
    assert (repo / "infra/deploy.sh").read_text().startswith("#!/bin/sh")
    assert status(repo) == ""
    assert len(box.refusals) == 6


def test_forbidden_paths_cannot_be_read(box: Toolbox) -> None:
    assert box.run("read", {"path": "infra/deploy.sh"}).refused
    assert box.run("read", {"path": "calc/../infra/deploy.sh"}).refused
    assert "infra/deploy.sh" not in box.run("glob", {"pattern": "**/*"}).output
    assert "deploy" not in box.run("grep", {"pattern": "echo"}).output


def test_symlink_escape_is_refused(box: Toolbox, repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo / "calc" / "link")
    os.symlink(repo / "infra", repo / "calc" / "infra_link")
    assert box.run("write", {"path": "calc/link/x.py", "content": "1"}).refused
    assert box.run("write", {"path": "calc/infra_link/deploy.sh", "content": "1"}).refused
    assert not (outside / "x.py").exists()


def test_a_change_touches_at_most_fifteen_files(repo: Path) -> None:
    box = Toolbox(ScopePolicy(repo, OWNED, FORBIDDEN), runner=runner(repo))
    for i in range(15):
        assert box.run("write", {"path": f"calc/m{i}.py", "content": ""}).ok
    assert box.run("write", {"path": "calc/m0.py", "content": "again"}).ok
    sixteenth = box.run("write", {"path": "calc/m15.py", "content": ""})
    assert sixteenth.refused and "limit per change is 15" in sixteenth.output


def test_ownership_comes_from_company_config(repo: Path) -> None:
    company = CompanyConfig.model_validate({"ownership": {"owned": ["calc/"], "forbidden": ["calc/secret*"]}})
    policy = ScopePolicy.from_company(repo, company)
    box = Toolbox(policy, runner=runner(repo))
    assert box.run("write", {"path": "calc/x.py", "content": ""}).ok
    assert box.run("write", {"path": "tests/x.py", "content": ""}).refused
    assert box.run("write", {"path": "calc/secret_keys.py", "content": ""}).refused


def test_bash_runs_with_timeout_cap_and_no_keys(box: Toolbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-hidden")
    out = box.run("bash", {"command": "echo key=${OPENAI_API_KEY:-none}; pwd"})
    assert out.ok and "key=none" in out.output and str(box.root) in out.output
    started = time.monotonic()
    slow = box.run("bash", {"command": "echo partial; sleep 30; echo never", "timeout": 1})
    assert not slow.ok and "timed out after 1s" in slow.output and "partial" in slow.output
    assert "never" not in slow.output and time.monotonic() - started < 10
    big = box.run("bash", {"command": "python3 -c \"print('x' * 50000)\""})
    assert len(big.output) < 2200 and "characters elided" in big.output


def test_bash_changes_outside_scope_are_restored(box: Toolbox, repo: Path) -> None:
    result = box.run("bash", {"command": "echo hacked > infra/deploy.sh; echo new > README.md; echo ok > calc/fine.py"})
    assert result.refused
    assert (repo / "infra/deploy.sh").read_text().startswith("#!/bin/sh")
    assert not (repo / "README.md").exists()
    assert (repo / "calc/fine.py").exists()


def test_validation_steps_time_out_and_summarise(repo: Path) -> None:
    from backend_engineer.llm.validate import Step, detect_steps, validate

    assert [s.name for s in detect_steps(repo)] == ["tests", "lint"]
    started = time.monotonic()
    result = validate(repo, [Step("slow", ("bash", "-c", "sleep 30 & wait"))], timeout_s=1)
    assert not result.ok and result.summary() == "slow FAILED\nslow: timed out after 1s"
    assert time.monotonic() - started < 10
    assert validate(repo, detect_steps(repo), ["calc/ops.py"]).summary() == "tests ok; lint ok"
