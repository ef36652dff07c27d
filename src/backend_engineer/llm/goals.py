"""A failing test as the agent's goal: make it pass without touching it, then pass verify, then commit.

The generator leaves every "needs business logic" operation as a typed stub
(``app/custom/operations/<op>.py``) with a generated failing test (``tests/custom/test_<op>.py``) that
says what to implement. :class:`TestGoal` names such a test file and the paths the agent may write.

- Before the run, the goal's test functions are run in the sandbox: they must fail (a goal already met
  is reported as ``no_change`` and the model is never called).
- During the run, the goal file is readable; the agent may add tests to it, but every goal test
  function must stay as it was (compared by AST, so formatting is free but assertions are not).
- On ``finish``, the first validation step is the goal (unchanged and passing); the repository's own
  checks (tests, lint, typecheck, migration check) follow; the change is committed only if all pass.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

from backend_engineer.events import Event, Status
from backend_engineer.llm.agent import STAGE, AgentReport, Budget, run_agent
from backend_engineer.llm.providers.base import ModelPort
from backend_engineer.llm.sandbox import Runner
from backend_engineer.llm.scope import ScopePolicy
from backend_engineer.llm.tools import Toolbox, cap, run_argv
from backend_engineer.llm.transcript import Transcript
from backend_engineer.llm.validate import Step, StepResult, detect_steps

GOAL_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class TestGoal:
    """``test``: repository-relative test file; ``owned``: what the agent may write to reach it."""

    __test__ = False  # not a pytest class

    test: str
    owned: tuple[str, ...]
    functions: tuple[str, ...] = ()
    shapes: dict[str, str] = field(default_factory=dict, compare=False)

    def nodeids(self) -> list[str]:
        return [f"{self.test}::{name}" for name in self.functions]


def _test_functions(source: str) -> dict[str, str]:
    """Module-level ``test*`` functions and ``Test*`` class methods, each with its AST dump."""
    tree = ast.parse(source)
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            out[node.name] = ast.dump(node)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    out[f"{node.name}::{item.name}"] = ast.dump(item)
    return out


def load_goal(repo: Path, test: str, owned: tuple[str, ...]) -> TestGoal:
    """Read the goal test file; raises ``ValueError`` naming the file when it is missing or has no tests."""
    path = repo / test
    if not path.is_file():
        raise ValueError(f"{test}: the goal test file does not exist")
    try:
        shapes = _test_functions(path.read_text(encoding="utf-8"))
    except SyntaxError as exc:
        raise ValueError(f"{test}:{exc.lineno}: the goal test does not parse: {exc.msg}") from None
    if not shapes:
        raise ValueError(f"{test}: no test functions (def test_...) to use as the goal")
    return TestGoal(test, owned, tuple(shapes), shapes)


def for_operation(repo: Path, operation_id: str, fn: str) -> TestGoal | None:
    """The generated failing test of a "needs business logic" operation, when the generator wrote one."""
    test = f"tests/custom/test_{fn}.py"
    if not (repo / test).is_file():
        return None
    return load_goal(repo, test, (f"app/custom/operations/{fn}.py", "tests/custom/"))


def _pytest(goal: TestGoal) -> tuple[str, ...]:
    return (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *goal.nodeids())


def run_goal_tests(repo: Path, goal: TestGoal, runner: Runner | None) -> StepResult:
    """The goal's functions unchanged and passing (run in the sandbox)."""
    path = repo / goal.test
    try:
        now = _test_functions(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except SyntaxError as exc:
        return StepResult("goal", False, f"failed: {goal.test} no longer parses: {exc.msg}")
    changed = [name for name in goal.functions if now.get(name) != goal.shapes.get(name)]
    if changed:
        return StepResult(
            "goal",
            False,
            f"failed: the goal test was changed or removed: {', '.join(changed)}; "
            "make the code pass it instead of editing it",
        )
    code, output = run_argv(list(_pytest(goal)), repo, GOAL_TIMEOUT_S, runner)
    if code is None:
        return StepResult("goal", False, f"failed: the goal test timed out after {GOAL_TIMEOUT_S:.0f}s", output)
    last = next((ln for ln in reversed(output.splitlines()) if " passed" in ln or " failed" in ln), "")
    verdict = "ok" if code == 0 else f"failed (exit {code})"
    return StepResult("goal", code == 0, f"{verdict}: {goal.test} {last.strip('= ')}".strip(), output)


def goal_step(goal: TestGoal, runner: Runner | None) -> Step:
    return Step("goal", func=lambda root: run_goal_tests(root, goal, runner))


def brief(goal: TestGoal, failing_output: str, context: str = "") -> str:
    return "\n".join(
        [
            f"Goal: make the failing test {goal.test} pass ({', '.join(goal.functions)}).",
            f"Write only: {', '.join(goal.owned)}. Keep those test functions exactly as they are: the engine",
            "checks they are unchanged, then runs them and the repository's checks; the change is committed only",
            "if all pass. You may add further tests.",
            *([context] if context else []),
            "The goal test fails now with:",
            cap(failing_output, 3000),
        ]
    )


def run_goal(
    model: ModelPort,
    repo: Path,
    goal: TestGoal,
    context: str = "",
    budget: Budget | None = None,
    steps: list[Step] | None = None,
    forbidden: tuple[str, ...] = (),
    max_files: int = 15,
    runner: Runner | None = None,
    runner_reason: str = "no sandbox was configured",
    transcript: Transcript | None = None,
    commit_message: str | None = None,
    author: str = "backend-engineer",
) -> Generator[Event, None, AgentReport]:
    """Run the agent until the goal test passes and verify passes (committed), or revert."""
    task = f"make {goal.test} pass"
    if runner is None:
        why = f"the goal test cannot run without a sandbox ({runner_reason}); pass --unsafe-host"
        yield Event(STAGE, Status.FAIL, why)
        return AgentReport("error", task, deviations=[why])
    before = run_goal_tests(repo, goal, runner)
    if before.ok:
        yield Event(STAGE, Status.OK, f"{goal.test} already passes; nothing to implement")
        return AgentReport("no_change", task, summary="the goal test already passes", validations=[before.summary])
    yield Event(STAGE, Status.INFO, f"goal: {before.summary}", {"goal": goal.test, "functions": list(goal.functions)})
    scope = ScopePolicy(repo, goal.owned, forbidden, max_files)
    validation = [goal_step(goal, runner), *(detect_steps(repo) if steps is None else steps)]
    report = yield from run_agent(
        model,
        brief(goal, before.output or before.summary, context),
        Toolbox(scope, runner=runner, no_runner_reason=runner_reason),
        validation,
        budget,
        commit_message=commit_message or f"feat: make {goal.test} pass",
        author=author,
        transcript=transcript,
    )
    return report
