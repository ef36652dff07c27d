"""bench/llm_eval end to end, offline: every task replayed from its recorded transcript and judged by hidden tests."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from backend_engineer.llm import sandbox
from backend_engineer.llm.transcript import read

HARNESS = Path(__file__).resolve().parents[2] / "bench" / "llm_eval" / "run.py"


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    found = sandbox.probe()
    if not found.ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"bubblewrap is required under CI=true: {found.reason}")
        pytest.skip(found.reason)
    spec = importlib.util.spec_from_file_location("llm_eval_run", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _main(harness: ModuleType, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = harness.main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_ten_tasks_each_with_hidden_tests_a_solution_and_a_recorded_transcript(harness: ModuleType) -> None:
    tasks = harness.load_tasks()
    assert len(tasks) == 10
    kinds = " ".join(str(harness._yaml(t / "task.yaml")["kind"]) for t in tasks)
    for kind in ("business rules", "report endpoint", "migration with a backfill", "bug fix from a failing test"):
        assert kind in kinds
    assert "security fix from a review finding" in kinds
    for task in tasks:
        assert list((task / "hidden").glob("test_*.py")), task.name
        records = read(task / "transcript.jsonl")
        assert records[-1]["kind"] == "end" and records[-1]["report"]["status"] == "completed", task.name
        assert records[0]["price"]["known"] and records[0]["model"] == "gpt-4o-mini"


def test_the_harness_replays_every_task_and_reports_pass_rate_cost_and_time(
    harness: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _main(harness, capsys, "--mode", "replay")
    assert code == 0, out
    summary = out["summary"]
    assert (summary["tasks"], summary["passed"], summary["pass_rate"]) == (10, 10, 1.0)
    assert summary["cost_usd"] > 0 and summary["input_tokens"] > 0 and summary["wall_s"] > 0
    for task in out["tasks"]:
        assert task["passed"] and task["agent_status"] == "completed", task
        assert " passed" in task["hidden"] and "failed" not in task["hidden"], task
        assert task["model_turns"] >= 3 and task["cost_usd"] > 0
        assert not [n for n in task["notes"] if n.startswith("replay diverged")], task


def test_the_hidden_tests_fail_when_nothing_is_done(harness: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    selected = "01_discount_tiers,03_migration_backfill,05_sql_injection,10_soft_delete"
    code, out = _main(harness, capsys, "--mode", "none", "--tasks", selected)
    assert code == 0, out
    assert out["summary"]["passed"] == 0
    assert all("failed" in t["hidden"] for t in out["tasks"]), out["tasks"]


def test_unknown_tasks_are_refused(harness: ModuleType) -> None:
    with pytest.raises(SystemExit, match="unknown task"):
        harness.load_tasks(["99_nope"])
