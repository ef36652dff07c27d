"""How well does a model do the backend engineer's job? Ten tasks, each judged by hidden tests.

Every task (``tasks/NN_name/``) starts from the same small service (``base/``, in the layout the generator
writes), optionally changed by the task's ``overlay/`` (a planted bug, a failing test, a review finding's
defect), and gives the agent a request (``task.yaml``). The agent runs exactly as ``backend-engineer
change`` runs it: confined to app/, tests/ and migrations/, its commands in the sandbox, validated (tests,
ruff) before a commit. Then the task's ``hidden/`` tests, which the agent never sees, are copied in and run
in the sandbox: the task passes when they all pass.

Modes:
  --mode live      the model from the environment: BE_LLM_PROVIDER (openai or anthropic), BE_LLM_MODEL,
                   BE_LLM_BASE_URL, the key (OPENAI_API_KEY / ANTHROPIC_API_KEY); cost cap BE_LLM_MAX_COST
  --mode replay    each task's recorded transcript (``transcript.jsonl``), offline (the default; CI)
  --mode scripted  each task's reference solution (``solution.yaml``), offline
  --mode none      no agent at all: the hidden tests must fail on every untouched task

``--record DIR`` keeps every run's transcript as DIR/<task>.jsonl; ``--update-fixtures`` writes them over the
tasks' ``transcript.jsonl`` (after an intended change). Prints, per task, pass or fail, the hidden tests'
count, model turns, tokens, cost and wall time, then the pass rate and totals; ``--json`` prints the same
as JSON. Exit 1 when an offline mode misses its expectation (replay and scripted: every task passes;
none: every task fails), so the bench doubles as a regression check.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))

from backend_engineer.llm.agent import AgentReport, Budget  # noqa: E402
from backend_engineer.llm.config import LlmConfig, make_model  # noqa: E402
from backend_engineer.llm.providers.base import ModelError, ModelPort  # noqa: E402
from backend_engineer.llm.providers.scripted import ScriptedModel  # noqa: E402
from backend_engineer.llm.runsetup import budget_for, isolation  # noqa: E402
from backend_engineer.llm.scope import ScopePolicy  # noqa: E402
from backend_engineer.llm.tasks import run_change  # noqa: E402
from backend_engineer.llm.tools import run_argv  # noqa: E402
from backend_engineer.llm.transcript import ReplayModel, Transcript  # noqa: E402
from backend_engineer.llm.validate import Step  # noqa: E402

TASKS = HERE / "tasks"
BASE = HERE / "base"
OWNED = ("app/", "tests/", "migrations/")
HIDDEN_DIR = "tests/hidden_eval"
MODES = ("live", "replay", "scripted", "none")


@dataclass
class TaskResult:
    task: str
    kind: str
    passed: bool
    agent_status: str
    hidden: str
    model_turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0
    notes: list[str] = field(default_factory=list)


def load_tasks(selected: list[str] | None = None) -> list[Path]:
    found = sorted(p for p in TASKS.iterdir() if (p / "task.yaml").is_file())
    if selected:
        unknown = sorted(set(selected) - {p.name for p in found})
        if unknown:
            raise SystemExit(f"[FAIL] unknown task(s) {unknown}; choose from {[p.name for p in found]}")
        found = [p for p in found if p.name in selected]
    return found


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=eval", "-c", "user.email=eval@localhost", *args],
        check=True,
        capture_output=True,
    )


def prepare(task: Path, repo: Path) -> None:
    """The base service plus the task's overlay, committed as the starting point."""
    shutil.copytree(BASE, repo)
    overlay = task / "overlay"
    if overlay.is_dir():
        shutil.copytree(overlay, repo, dirs_exist_ok=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "task start")


def validation_steps() -> list[Step]:
    python = sys.executable
    ruff = str(Path(python).with_name("ruff"))
    return [
        Step("tests", (python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-o", "addopts=")),
        Step("lint", (ruff, "check", "--output-format", "concise"), changed_python_only=True),
    ]


def model_for(mode: str, task: Path) -> ModelPort | None:
    if mode == "none":
        return None
    if mode == "scripted":
        return ScriptedModel(task / "solution.yaml")
    if mode == "replay":
        return ReplayModel(task / "transcript.jsonl", strict=False)
    config = LlmConfig.from_env()
    if config is None or config.provider == "scripted":
        raise ModelError("--mode live needs BE_LLM_PROVIDER=openai or anthropic (and BE_LLM_MODEL, the key)")
    return make_model(config)


def live_budget() -> Budget:
    import os

    config = LlmConfig.from_env()
    raw = os.environ.get("BE_LLM_MAX_COST", "").strip()
    if config is None:
        return Budget()
    return budget_for(config.price(), float(raw) if raw else None, max_steps=40, max_wall_s=900)


def run_hidden(task: Path, repo: Path, runner: Any) -> tuple[bool, str]:
    target = repo / HIDDEN_DIR
    target.mkdir(parents=True, exist_ok=True)
    (target / "__init__.py").write_text("")
    for test in sorted((task / "hidden").glob("*.py")):
        shutil.copy(test, target / test.name)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", HIDDEN_DIR]
    code, output = run_argv(argv, repo, 300, runner)
    last = next((ln for ln in reversed(output.splitlines()) if " passed" in ln or " failed" in ln or "error" in ln), "")
    return code == 0, last.strip("= ") or f"exit {code}"


def run_task(
    task: Path, mode: str, record: Path | None, unsafe_host: bool, work: Path, update: bool = False
) -> TaskResult:
    spec = _yaml(task / "task.yaml")
    repo = work / task.name
    prepare(task, repo)
    sandbox = isolation(repo, unsafe_host)
    started = time.monotonic()
    result = TaskResult(task.name, str(spec.get("kind", "")), False, "not run", "")
    model = model_for(mode, task)
    if model is not None:
        if record is not None:
            record.mkdir(parents=True, exist_ok=True)
        path = (record / f"{task.name}.jsonl") if record else work / f"{task.name}.jsonl"
        if update:
            path = work / f"{task.name}.new.jsonl"
        config = LlmConfig.from_env() if mode == "live" else None
        transcript = Transcript(
            path,
            request=spec["request"],
            provider=getattr(model, "name", ""),
            task_id=task.name,
            price=config.price().to_dict() if config else None,
        )
        budget = live_budget() if mode == "live" else Budget(max_steps=40, max_wall_s=900)
        scope = ScopePolicy(repo, OWNED, (HIDDEN_DIR,))
        gen = run_change(
            model, spec["request"], repo, budget, validation_steps(), scope, sandbox.runner, sandbox.reason, transcript
        )
        report = _drain(gen)
        result.agent_status = report.status
        result.model_turns, result.cost_usd = report.steps, report.cost_usd
        result.input_tokens, result.output_tokens = report.input_tokens, report.output_tokens
        result.notes += report.deviations
        if report.status != "completed":
            result.notes += [v.replace("\n", " | ") for v in report.validations[-1:]]
        if isinstance(model, ReplayModel) and model.divergences:
            result.notes.append(f"replay diverged: {model.divergences[0]}")
    if sandbox.runner is None:
        result.hidden = f"not run: {sandbox.reason}"
    else:
        result.passed, result.hidden = run_hidden(task, repo, sandbox.runner)
    result.wall_s = time.monotonic() - started
    if update and model is not None and result.passed:
        shutil.copy(work / f"{task.name}.new.jsonl", task / "transcript.jsonl")
    return result


def _drain(gen: Any) -> AgentReport:
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            report: AgentReport = stop.value
            return report


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("request"), str):
        raise SystemExit(f"[FAIL] {path}: expected a mapping with a 'request' string")
    return data


def evaluate(
    mode: str,
    selected: list[str] | None = None,
    record: Path | None = None,
    unsafe_host: bool = False,
    update: bool = False,
) -> list[TaskResult]:
    results = []
    with tempfile.TemporaryDirectory(prefix="be-llm-eval-") as tmp:
        for task in load_tasks(selected):
            results.append(run_task(task, mode, record, unsafe_host, Path(tmp), update))
    return results


def expectation_met(mode: str, results: list[TaskResult]) -> bool:
    if mode in ("replay", "scripted"):
        return all(r.passed for r in results)
    if mode == "none":
        return not any(r.passed for r in results)
    return True


def summary(results: list[TaskResult]) -> dict[str, Any]:
    passed = sum(r.passed for r in results)
    return {
        "tasks": len(results),
        "passed": passed,
        "pass_rate": round(passed / len(results), 3) if results else 0.0,
        "cost_usd": round(sum(r.cost_usd for r in results), 6),
        "input_tokens": sum(r.input_tokens for r in results),
        "output_tokens": sum(r.output_tokens for r in results),
        "wall_s": round(sum(r.wall_s for r in results), 1),
    }


def print_table(mode: str, results: list[TaskResult]) -> None:
    print(f"llm_eval, mode {mode}")
    print(
        f"{'task':<24} {'result':<6} {'agent':<16} {'turns':>5} {'tokens in/out':>15} {'cost':>9} {'time':>7}  hidden"
    )
    for r in results:
        tokens = f"{r.input_tokens}/{r.output_tokens}"
        print(
            f"{r.task:<24} {'PASS' if r.passed else 'FAIL':<6} {r.agent_status:<16} {r.model_turns:>5} "
            f"{tokens:>15} ${r.cost_usd:>8.4f} {r.wall_s:>6.1f}s  {r.hidden}"
        )
        for note in r.notes[:2]:
            print(f"{'':<24} note: {note[:160]}")
    s = summary(results)
    print(
        f"pass rate {s['passed']}/{s['tasks']} ({s['pass_rate']:.0%}); cost ${s['cost_usd']:.4f}; "
        f"tokens {s['input_tokens']}/{s['output_tokens']}; time {s['wall_s']:.1f}s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=MODES, default="replay")
    parser.add_argument("--tasks", help="comma-separated task names (default: all)")
    parser.add_argument("--record", type=Path, help="keep each run's transcript as DIR/<task>.jsonl")
    parser.add_argument("--update-fixtures", action="store_true", help="write passing runs over transcript.jsonl")
    parser.add_argument("--unsafe-host", action="store_true", help="without bubblewrap, run commands on the host")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        selected = args.tasks.split(",") if args.tasks else None
        results = evaluate(args.mode, selected, args.record, args.unsafe_host, args.update_fixtures)
    except ModelError as exc:
        print(f"[FAIL] {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"mode": args.mode, "summary": summary(results), "tasks": [asdict(r) for r in results]}))
    else:
        print_table(args.mode, results)
    return 0 if expectation_met(args.mode, results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
