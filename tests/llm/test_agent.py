"""The loop end to end on a real git repository with the scripted model: commit, self-correct, revert, budgets."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any, TypeVar

from backend_engineer.events import Event, Status
from backend_engineer.llm.agent import AgentReport, Budget, run_agent
from backend_engineer.llm.providers.scripted import ScriptedModel
from backend_engineer.llm.scope import ScopePolicy
from backend_engineer.llm.tools import Toolbox
from backend_engineer.llm.validate import detect_steps
from tests.llm.support import FORBIDDEN, MUL_SRC, MUL_TEST, OWNED, call, git, head, runner, status

R = TypeVar("R")


def drain(gen: Generator[Event, None, R]) -> tuple[list[Event], R]:
    events = []
    try:
        while True:
            events.append(next(gen))
    except StopIteration as stop:
        return events, stop.value


def run(repo: Path, turns: list[dict[str, Any]], **budget: Any) -> tuple[list[Event], AgentReport]:
    toolbox = Toolbox(ScopePolicy(repo, OWNED, FORBIDDEN), bash_timeout_s=30, runner=runner(repo))
    model = ScriptedModel(turns)
    return drain(run_agent(model, "add mul", toolbox, detect_steps(repo), Budget(**budget), "feat(calc): add mul"))


def test_validated_change_is_committed(repo: Path) -> None:
    before = head(repo)
    events, report = run(
        repo,
        [
            {"tool_calls": [call("read", path="calc/ops.py"), call("grep", pattern="def add")]},
            {"tool_calls": [call("write", path="calc/ops.py", content=MUL_SRC)]},
            {"tool_calls": [call("write", path="tests/test_mul.py", content=MUL_TEST)]},
            {"tool_calls": [call("bash", command="python -m pytest -q -p no:cacheprovider")]},
            {"tool_calls": [call("finish", summary="added mul with a test")]},
        ],
    )
    assert report.status == "completed", report.deviations
    assert not report.refusals
    assert report.files == ["calc/ops.py", "tests/test_mul.py"]
    assert report.validations == ["tests ok; lint ok"]
    assert git(repo, "rev-parse", "HEAD~1").strip() == before
    assert git(repo, "log", "-1", "--format=%s").strip() == "feat(calc): add mul"
    assert status(repo) == ""
    assert any(e.status is Status.OK and "committed" in e.message for e in events)


def test_broken_change_self_corrects(repo: Path) -> None:
    broken = MUL_SRC.replace("a * b", "a + b")
    _events, report = run(
        repo,
        [
            {"tool_calls": [call("write", path="calc/ops.py", content=broken)]},
            {"tool_calls": [call("write", path="tests/test_mul.py", content=MUL_TEST)]},
            {"tool_calls": [call("finish", summary="added mul")]},
            {
                "tool_calls": [
                    call(
                        "edit",
                        path="calc/ops.py",
                        old_string="return a + b\n\n\ndef mul(a: int, b: int) -> int:\n    return a + b",
                        new_string="return a + b\n\n\ndef mul(a: int, b: int) -> int:\n    return a * b",
                    )
                ]
            },
            {"tool_calls": [call("finish", summary="fixed mul")]},
        ],
    )
    assert report.status == "completed"
    assert report.validations[0].startswith("tests FAILED\ntests: failed")
    assert report.validations[1] == "tests ok; lint ok"
    assert "a * b" in (repo / "calc/ops.py").read_text()
    assert report.files == ["calc/ops.py", "tests/test_mul.py"]


def test_change_that_keeps_breaking_tests_is_reverted(repo: Path) -> None:
    before = head(repo)
    broken = MUL_SRC.replace("a * b", "a - b")
    finish = {"tool_calls": [call("finish", summary="done")]}
    _events, report = run(
        repo,
        [
            {
                "tool_calls": [
                    call("write", path="calc/ops.py", content=broken),
                    call("write", path="tests/test_mul.py", content=MUL_TEST),
                ]
            },
            finish,
            {"tool_calls": [call("bash", command="true")]},
            finish,
        ],
        max_corrections=1,
    )
    assert report.status == "reverted"
    assert "validation still failed after 1 self-correction(s)" in report.deviations[0]
    assert "restored 2 file(s), nothing committed" in report.deviations[0]
    assert head(repo) == before and status(repo) == ""
    assert (repo / "calc/ops.py").read_text().count("def ") == 1


def test_lint_failure_counts(repo: Path) -> None:
    _, report = run(
        repo,
        [
            {"tool_calls": [call("write", path="calc/bad.py", content="import os\n")]},
            {"tool_calls": [call("finish", summary="x")]},
        ],
        max_corrections=0,
    )
    assert report.status == "reverted"
    assert "lint FAILED" in report.validations[0] and "F401" in report.validations[0]
    assert not (repo / "calc/bad.py").exists()


def test_write_outside_scope_is_refused_and_reported(repo: Path) -> None:
    events, report = run(
        repo,
        [
            {"tool_calls": [call("write", path="infra/deploy.sh", content="rm -rf /")]},
            {"tool_calls": [call("bash", command="echo x >> infra/deploy.sh")]},
            {"tool_calls": [call("finish", summary="nothing")]},
        ],
    )
    assert report.status == "no_change"
    assert len(report.refusals) == 2 and "infra/deploy.sh" in report.refusals[0]
    assert (repo / "infra/deploy.sh").read_text() == "#!/bin/sh\necho deploy\n"
    assert [e.status for e in events if e.data.get("refused")] == [Status.WARN, Status.WARN]


def test_step_budget_stops_cleanly(repo: Path) -> None:
    turns = [{"tool_calls": [call("write", path=f"calc/s{i}.py", content="")]} for i in range(10)]
    events, report = run(repo, turns, max_steps=3)
    assert report.status == "budget_exhausted"
    assert report.steps == 3
    assert report.deviations[0].startswith("step budget reached: 3 of 3 model turns; restored 3 file(s)")
    assert status(repo) == ""
    assert events[-1].status is Status.FAIL


def test_model_asks_for_clarification_before_coding(repo: Path) -> None:
    question = call(
        "ask_clarification",
        questions=[{"file": "datamodel.yaml", "field": "entities.User.fields.x.type", "question": "which type is x?"}],
    )
    events, report = run(
        repo, [{"tool_calls": [question]}, {"tool_calls": [call("write", path="calc/x.py", content="")]}]
    )
    assert report.status == "clarification"
    assert report.clarification is not None
    assert report.clarification.items[0].field == "entities.User.fields.x.type"
    assert events[-1].status is Status.ASK
    assert status(repo) == ""


def test_text_only_turns_get_a_reminder_and_the_script_ends(repo: Path) -> None:
    events, report = run(repo, [{"text": "thinking"}], max_steps=3)
    assert report.status == "budget_exhausted"
    assert sum("no tool call" in e.message for e in events) == 3
