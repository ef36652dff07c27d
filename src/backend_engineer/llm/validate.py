"""Validate a change in the target repository: tests, lint and migration check, summarised in one line each.

Steps are commands run in the repository (with a timeout, a scrubbed environment and the agent's sandbox);
the migration check is the tool's own ``migration-check`` command. :func:`detect_steps` picks what the repository has.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from backend_engineer.llm.sandbox import Runner
from backend_engineer.llm.tools import cap, run_argv

STEP_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    summary: str
    output: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class Step:
    name: str
    argv: tuple[str, ...] = ()
    func: Callable[[Path], StepResult] | None = None
    changed_python_only: bool = False

    def run(
        self,
        root: Path,
        timeout_s: float = STEP_TIMEOUT_S,
        changed: tuple[str, ...] = (),
        runner: Runner | None = None,
    ) -> StepResult:
        """``changed_python_only`` steps (lint) check just the change's Python files, not pre-existing debt.

        Command steps run in ``runner`` (the agent's sandbox): they execute code the model wrote.
        """
        started = time.monotonic()
        argv = list(self.argv)
        if self.changed_python_only:
            files = [p for p in changed if p.endswith(".py") and (root / p).is_file()]
            if not files:
                return StepResult(self.name, True, "ok: no changed Python files")
            argv += files
        if self.func is not None:
            result = self.func(root)
            return StepResult(result.name, result.ok, result.summary, result.output, time.monotonic() - started)
        try:
            code, output = run_argv(argv, root, timeout_s, runner)
        except OSError as exc:
            return StepResult(self.name, False, f"could not run: {exc}", "", time.monotonic() - started)
        if code is None:
            return StepResult(self.name, False, f"timed out after {timeout_s:.0f}s", output, time.monotonic() - started)
        return StepResult(self.name, code == 0, _summary(self.name, code, output), output, time.monotonic() - started)


def _summary(name: str, code: int, output: str) -> str:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if name == "tests":
        last = next((ln for ln in reversed(lines) if " passed" in ln or " failed" in ln or " error" in ln), last)
    if name == "lint" and code != 0:
        first = next((ln for ln in lines if re.match(r"^\S+:\d+:\d+: ", ln)), None)
        found = next((ln for ln in lines if ln.startswith("Found ")), "")
        last = f"{first} ({found})" if first else last
    verdict = "ok" if code == 0 else f"failed (exit {code})"
    return f"{verdict}: {last.strip('= ')[:160]}" if last else verdict


MIGRATION_CHECK = (
    sys.executable,
    "-c",
    "import sys; from backend_engineer.cli.main import app; sys.argv[0] = 'backend-engineer'; app()",
    "migration-check",
    ".",
    "--sqlite-only",
    "--no-squawk",
    "--fail-on",
    "major",
)
"""The tool's own migration check, as a command: it imports the model's migrations, so it runs in the sandbox."""


def detect_steps(root: Path) -> list[Step]:
    """Tests when there is a test folder; ruff and mypy when configured; migrations when Alembic is set up."""
    steps: list[Step] = []
    has_tests = (root / "tests").is_dir() or any(root.glob("test_*.py"))
    if has_tests:
        steps.append(
            Step("tests", (sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-o", "addopts="))
        )
    pyproject = root / "pyproject.toml"
    uses_ruff = (root / "ruff.toml").is_file() or (
        pyproject.is_file() and "[tool.ruff" in pyproject.read_text(encoding="utf-8", errors="replace")
    )
    if uses_ruff:
        ruff = str(Path(sys.executable).with_name("ruff"))
        steps.append(Step("lint", (ruff, "check", "--output-format", "concise"), changed_python_only=True))
    if pyproject.is_file() and "[tool.mypy" in pyproject.read_text(encoding="utf-8", errors="replace"):
        target = "app" if (root / "app").is_dir() else "."
        steps.append(Step("typecheck", (sys.executable, "-m", "mypy", target)))
    if (root / "alembic.ini").is_file() and (root / "migrations" / "versions").is_dir():
        steps.append(Step("migration-check", MIGRATION_CHECK))
    return steps


@dataclass
class Validation:
    results: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def summary(self) -> str:
        """One or two lines: every step's verdict, then the first failure's detail."""
        if not self.results:
            return "no validation steps found (no tests, lint config or migrations)"
        head = "; ".join(f"{r.name} {'ok' if r.ok else 'FAILED'}" for r in self.results)
        failed = next((r for r in self.results if not r.ok), None)
        return head if failed is None else f"{head}\n{failed.name}: {failed.summary}"

    def feedback(self, limit: int = 4000) -> str:
        """What the model sees to self-correct: the summary and the failing step's output tail."""
        failed = next((r for r in self.results if not r.ok), None)
        tail = cap(failed.output, limit) if failed else ""
        return f"{self.summary()}\n{tail}".strip()


def validate(
    root: Path,
    steps: list[Step],
    changed: list[str] | None = None,
    timeout_s: float = STEP_TIMEOUT_S,
    runner: Runner | None = None,
    refuse_without_runner: str | None = None,
) -> Validation:
    """Run the steps in order, stopping at the first failure.

    ``refuse_without_runner`` (the reason no sandbox is available) refuses every command step instead of
    running model-written code on the host.
    """
    out = Validation()
    for step in steps:
        if runner is None and refuse_without_runner is not None and step.func is None:
            out.results.append(
                StepResult(step.name, False, f"refused: no sandbox ({refuse_without_runner}); pass --unsafe-host")
            )
            break
        result = step.run(root, timeout_s, tuple(changed or ()), runner)
        out.results.append(result)
        if not result.ok:
            break
    return out
