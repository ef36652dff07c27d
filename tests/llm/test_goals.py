"""A typed stub with a generated failing test: the agent's goal is to make that test pass, then verify, then commit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend_engineer.llm.agent import AgentReport, Budget
from backend_engineer.llm.goals import for_operation, load_goal, run_goal
from backend_engineer.llm.providers.scripted import ScriptedModel
from backend_engineer.llm.validate import detect_steps
from tests.llm.support import call, git, head, runner, status
from tests.llm.test_agent import drain

STUB = '''"""applyDiscount: needs business logic."""

from decimal import Decimal


def handle(total: Decimal, code: str) -> Decimal:
    raise NotImplementedError("implement handle() in app/custom/operations/apply_discount.py")
'''
GOAL = """from decimal import Decimal

from app.custom.operations.apply_discount import handle


def test_apply_discount_is_implemented() -> None:
    assert handle(Decimal("100.00"), "TEN") == Decimal("90.00")
    assert handle(Decimal("100.00"), "NONE") == Decimal("100.00")
"""
DONE = '''"""applyDiscount: TEN takes 10% off; any other code leaves the total as it is."""

from decimal import Decimal

RATES = {"TEN": Decimal("0.10")}


def handle(total: Decimal, code: str) -> Decimal:
    rate = RATES.get(code, Decimal(0))
    return (total * (1 - rate)).quantize(Decimal("0.01"))
'''
EXTRA = (
    GOAL
    + """

def test_unknown_codes_change_nothing() -> None:
    assert handle(Decimal("5.00"), "BOGUS") == Decimal("5.00")
"""
)
HANDLER = "app/custom/operations/apply_discount.py"
TEST = "tests/custom/test_apply_discount.py"


@pytest.fixture
def service(tmp_path: Path) -> Path:
    repo = tmp_path / "svc"
    files = {
        "pyproject.toml": '[project]\nname = "svc"\nversion = "0"\n\n[tool.ruff]\nline-length = 110\n',
        "app/__init__.py": "",
        "app/custom/__init__.py": "",
        "app/custom/operations/__init__.py": "",
        HANDLER: STUB,
        "tests/__init__.py": "",
        "tests/custom/__init__.py": "",
        TEST: GOAL,
        "conftest.py": "",
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "stub")
    return repo


def go(repo: Path, turns: list[dict[str, Any]]) -> tuple[ScriptedModel, AgentReport]:
    goal = for_operation(repo, "applyDiscount", "apply_discount")
    assert goal is not None
    model = ScriptedModel(turns)
    gen = run_goal(model, repo, goal, "", Budget(max_corrections=0), detect_steps(repo), runner=runner(repo))
    _events, report = drain(gen)
    return model, report


def test_the_failing_test_is_the_goal_and_the_change_commits_when_it_passes(service: Path) -> None:
    before = head(service)
    model, report = go(
        service,
        [
            {"tool_calls": [call("write", path=HANDLER, content=DONE)]},
            {"tool_calls": [call("write", path=TEST, content=EXTRA)]},
            {"tool_calls": [call("finish", summary="discounts")]},
        ],
    )
    assert report.status == "completed", (report.validations, report.deviations)
    assert report.validations[0].startswith("goal ok; tests ok; lint ok"), report.validations
    assert report.files == [HANDLER, TEST]
    assert git(service, "rev-parse", "HEAD~1").strip() == before and status(service) == ""
    brief = model.seen[0][1].content
    assert f"Goal: make the failing test {TEST} pass (test_apply_discount_is_implemented)" in brief
    assert "NotImplementedError" in brief


def test_editing_the_goal_test_is_not_reaching_the_goal(service: Path) -> None:
    weakened = GOAL.replace('== Decimal("90.00")', '!= Decimal("0")')
    before = head(service)
    _model, report = go(
        service,
        [
            {"tool_calls": [call("write", path=TEST, content=weakened)]},
            {"tool_calls": [call("write", path=HANDLER, content=DONE.replace('"0.10"', '"0.50"'))]},
            {"tool_calls": [call("finish", summary="done")]},
        ],
    )
    assert report.status == "reverted"
    assert "goal FAILED" in report.validations[0]
    assert "the goal test was changed or removed: test_apply_discount_is_implemented" in report.validations[0]
    assert head(service) == before and status(service) == ""
    assert (service / TEST).read_text() == GOAL


def test_a_wrong_implementation_is_reverted(service: Path) -> None:
    _model, report = go(
        service,
        [
            {"tool_calls": [call("write", path=HANDLER, content=DONE.replace('"0.10"', '"0.20"'))]},
            {"tool_calls": [call("write", path="app/other.py", content="x = 1\n")]},
            {"tool_calls": [call("finish", summary="done")]},
        ],
    )
    assert report.status == "reverted"
    assert report.refusals and "app/other.py: outside the owned paths" in report.refusals[0]
    assert report.validations[0].startswith("goal FAILED\ngoal: failed (exit 1)")
    assert (service / HANDLER).read_text() == STUB


def test_a_goal_already_met_does_not_call_the_model(service: Path) -> None:
    (service / HANDLER).write_text(DONE)
    git(service, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "done by hand")
    model, report = go(service, [{"tool_calls": [call("finish", summary="x")]}])
    assert report.status == "no_change" and model.calls == 0
    assert report.summary == "the goal test already passes"


def test_goal_files_are_checked(service: Path) -> None:
    assert for_operation(service, "other", "other") is None
    (service / "tests/custom/test_empty.py").write_text("X = 1\n")
    with pytest.raises(ValueError, match=r"test_empty\.py: no test functions"):
        load_goal(service, "tests/custom/test_empty.py", (HANDLER,))
    (service / "tests/custom/test_bad.py").write_text("def test_(:\n")
    with pytest.raises(ValueError, match=r"test_bad\.py:1: the goal test does not parse"):
        load_goal(service, "tests/custom/test_bad.py", (HANDLER,))
