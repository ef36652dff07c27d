"""The agent loop (after mini-swe-agent): one model turn, run its tool calls, repeat until ``finish``.

On ``finish`` the change is validated (tests, lint, migration check). A failure goes back to the model
up to ``max_corrections`` times; after that every file is restored and the change is reported as a
deviation. Step, cost and wall-clock budgets stop the loop cleanly: the partial change is restored and
the report says which budget ran out. A change is committed only after validation passes. With a
:class:`~backend_engineer.llm.transcript.Transcript` every model call is written down as it happens.
"""

from __future__ import annotations

import json
import time
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from backend_engineer.events import Event, Status
from backend_engineer.llm import gitrepo
from backend_engineer.llm.clarify import ClarificationRequest, MissingInput
from backend_engineer.llm.providers.base import Message, ModelError, ModelPort, ToolCall
from backend_engineer.llm.tools import SPECS, Toolbox
from backend_engineer.llm.transcript import Transcript
from backend_engineer.llm.validate import Step, Validation, validate

STAGE = "llm"
Outcome = Literal["completed", "no_change", "reverted", "budget_exhausted", "clarification", "error"]

SYSTEM_PROMPT = """You are the backend engineer agent of backend-engineer. You change an existing repository.
Rules:
- Work only with the tools. Paths are relative to the repository root.
- Write only inside the owned paths: {owned}. Never touch: {forbidden}. A change may touch at most {max_files} files.
- Follow the repository's conventions: ports and adapters, the error envelope, tenant isolation, tests for what you add.
- If an input you need is missing (a type, a rule, a permission), call ask_clarification before writing anything.
  Never assume.
- When done, call finish with a one-line summary. The engine then runs: {steps}. If they fail you get the output
  and may correct the change; otherwise it is reverted.
"""


@dataclass(frozen=True)
class Budget:
    """Hard limits. ``max_cost_usd`` None: no cost cap (the price is unknown); ``max_wall_s`` None: no clock."""

    max_steps: int = 30
    max_cost_usd: float | None = None
    max_corrections: int = 2
    max_wall_s: float | None = 1800.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AgentReport:
    status: Outcome
    task: str
    steps: int = 0
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    files: list[str] = field(default_factory=list)
    validations: list[str] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    commit: str | None = None
    summary: str = ""
    clarification: ClarificationRequest | None = None
    model: str = ""
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in ("completed", "no_change")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cost_usd"] = round(self.cost_usd, 6)
        data["wall_s"] = round(self.wall_s, 3)
        data["clarification"] = self.clarification.to_dict() if self.clarification else None
        return data


def _describe(call: ToolCall) -> str:
    args = call.arguments
    key = args.get("path") or args.get("pattern") or args.get("command") or args.get("summary") or ""
    return f"{call.name} {str(key)[:120]}".strip()


class _Run:
    def __init__(self, model: ModelPort, task: str, toolbox: Toolbox, steps: list[Step], budget: Budget) -> None:
        self.model = model
        self.toolbox = toolbox
        self.root: Path = toolbox.root
        self.validation_steps = steps
        self.budget = budget
        self.report = AgentReport("error", task)
        self.before = gitrepo.snapshot(self.root)
        self.corrections = 0
        self.started = time.monotonic()
        self.deadline = self.started + budget.max_wall_s if budget.max_wall_s else None
        toolbox.deadline = self.deadline

    def changed(self) -> list[str]:
        return gitrepo.changed_since(self.root, self.before)

    def revert(self) -> list[str]:
        paths = self.changed()
        gitrepo.restore(self.root, paths, self.before)
        return paths


def run_agent(
    model: ModelPort,
    task: str,
    toolbox: Toolbox,
    validation_steps: list[Step],
    budget: Budget | None = None,
    commit_message: str | None = None,
    author: str = "backend-engineer",
    system_prompt: str | None = None,
    transcript: Transcript | None = None,
) -> Generator[Event, None, AgentReport]:
    """Run the loop; yields progress events and returns the report. Never raises for model or tool failures."""
    run = _Run(model, task, toolbox, validation_steps, budget or Budget())
    report = run.report
    report.model = getattr(model, "model", None) or model.name
    try:
        yield from _loop(run, model, task, commit_message, author, system_prompt, transcript)
    finally:
        report.wall_s = time.monotonic() - run.started
        if transcript is not None:
            transcript.end(report.to_dict(), _result_tree(run))
            transcript.close()
    return report


def _result_tree(run: _Run) -> str | None:
    if not run.report.commit:
        return None
    return gitrepo.git(run.root, "rev-parse", f"{run.report.commit}^{{tree}}").decode().strip()


def _loop(
    run: _Run,
    model: ModelPort,
    task: str,
    commit_message: str | None,
    author: str,
    system_prompt: str | None,
    transcript: Transcript | None,
) -> Generator[Event, None, None]:
    report = run.report
    toolbox = run.toolbox
    validation_steps = run.validation_steps
    scope = toolbox.scope
    system = (system_prompt or SYSTEM_PROMPT).format(
        owned=", ".join(scope.owned),
        forbidden=", ".join(scope.forbidden),
        max_files=scope.max_files,
        steps=", ".join(s.name for s in validation_steps) or "no validation steps",
    )
    messages = [Message("system", system), Message("user", task)]
    if transcript is not None:
        transcript.header(
            task=task,
            model=report.model,
            budget=run.budget.to_dict(),
            validation=[s.name for s in validation_steps],
            sandbox=toolbox.runner.describe() if toolbox.runner else f"none: {toolbox.no_runner_reason}",
            start_tree=gitrepo.git(run.root, "rev-parse", "HEAD^{tree}").decode().strip(),
            tools=[t.name for t in SPECS],
            **transcript.meta,
        )
    yield Event(STAGE, Status.START, f"agent started with {model.name}", run.budget.to_dict())
    while True:
        stop = _budget_stop(run)
        if stop:
            yield from _stop(run, "budget_exhausted", stop)
            return
        try:
            turn = model.complete(messages, list(SPECS))
        except ModelError as exc:
            if transcript is not None:
                transcript.error(report.steps + 1, messages, str(exc))
            yield from _stop(run, "error", f"the model failed: {exc}")
            return
        if transcript is not None:
            transcript.turn(report.steps + 1, messages, turn)
        report.steps += 1
        report.cost_usd += turn.usage.cost_usd
        report.input_tokens += turn.usage.input_tokens
        report.output_tokens += turn.usage.output_tokens
        messages.append(Message("assistant", turn.text, turn.tool_calls))
        if run.budget.max_cost_usd is not None and report.cost_usd > run.budget.max_cost_usd:
            yield from _stop(run, "budget_exhausted", _cost_text(run))
            return
        if not turn.tool_calls:
            messages.append(Message("user", "Reply with a tool call. Call finish when the change is complete."))
            yield Event(STAGE, Status.WARN, f"step {report.steps}: no tool call; reminded the model")
            continue
        for call in turn.tool_calls:
            if call.name == "ask_clarification":
                outcome = yield from _clarify(run, call)
                if outcome is None:
                    return
                messages.append(Message("tool", outcome, tool_call_id=call.id, name=call.name))
                continue
            if call.name == "finish":
                report.summary = str(call.arguments.get("summary", ""))[:500]
                done, feedback = yield from _finish(run, commit_message or f"feat: {task[:60]}", author)
                if done:
                    return
                messages.append(Message("tool", feedback, tool_call_id=call.id, name=call.name))
                continue
            result = toolbox.run(call.name, call.arguments)
            status = Status.WARN if result.refused else (Status.INFO if result.ok else Status.WARN)
            yield Event(
                STAGE,
                status,
                f"step {report.steps}: {_describe(call)}"
                + (f" -> {result.output.splitlines()[0][:160]}" if result.refused else ""),
                {"tool": call.name, "ok": result.ok, "refused": result.refused},
            )
            messages.append(Message("tool", result.output, tool_call_id=call.id, name=call.name))


def _cost_text(run: _Run) -> str:
    return f"cost budget reached: ${run.report.cost_usd:.4f} of ${run.budget.max_cost_usd or 0:.4f}"


def _budget_stop(run: _Run) -> str | None:
    if run.report.steps >= run.budget.max_steps:
        return f"step budget reached: {run.report.steps} of {run.budget.max_steps} model turns"
    if run.budget.max_cost_usd is not None and run.report.cost_usd >= run.budget.max_cost_usd:
        return _cost_text(run)
    if run.deadline is not None and time.monotonic() >= run.deadline:
        return f"wall-clock budget reached: {time.monotonic() - run.started:.0f}s of {run.budget.max_wall_s:.0f}s"
    return None


def _stop(run: _Run, status: Outcome, why: str) -> Generator[Event, None, None]:
    restored = run.revert()
    report = run.report
    report.status = status
    report.refusals = list(run.toolbox.refusals)
    report.deviations.append(why + (f"; restored {len(restored)} file(s), nothing committed" if restored else ""))
    report.files = []
    yield Event(STAGE, Status.FAIL, why, {"restored": restored})


def _clarify(run: _Run, call: ToolCall) -> Generator[Event, None, str | None]:
    if run.changed():
        return "ask_clarification is only allowed before any file is written; finish or continue the change."
    items = []
    for q in call.arguments.get("questions") or []:
        if isinstance(q, dict) and q.get("question"):
            items.append(MissingInput(str(q.get("file", "")), str(q.get("field", "")), str(q["question"])))
    request = ClarificationRequest(run.report.task[:80], items or [MissingInput("", "", "the model asked for input")])
    run.report.status = "clarification"
    run.report.clarification = request
    yield Event(STAGE, Status.ASK, request.render(), request.to_dict())
    return None


def _finish(run: _Run, message: str, author: str) -> Generator[Event, None, tuple[bool, str]]:
    report = run.report
    changed = run.changed()
    if not changed:
        report.status = "no_change"
        report.refusals = list(run.toolbox.refusals)
        yield Event(STAGE, Status.OK, "finished without changing any file")
        return True, ""
    yield Event(STAGE, Status.START, f"validating {len(changed)} changed file(s)")
    toolbox = run.toolbox
    result: Validation = validate(
        run.root,
        run.validation_steps,
        changed,
        runner=toolbox.runner,
        refuse_without_runner=None if toolbox.runner else toolbox.no_runner_reason,
    )
    report.validations.append(result.summary())
    if result.ok:
        try:
            report.commit = gitrepo.commit(run.root, changed, message, author)
        except gitrepo.GitError as exc:
            yield from _stop(run, "error", f"validation passed but the commit failed: {exc}")
            return True, ""
        report.status = "completed"
        report.files = changed
        report.refusals = list(run.toolbox.refusals)
        yield Event(
            STAGE, Status.OK, f"validated and committed {report.commit[:12]}: {result.summary()}", {"files": changed}
        )
        return True, ""
    run.corrections += 1
    yield Event(
        STAGE,
        Status.WARN,
        f"validation failed ({run.corrections}/{run.budget.max_corrections + 1}): {result.summary().splitlines()[-1]}",
    )
    if run.corrections > run.budget.max_corrections:
        yield from _stop(
            run,
            "reverted",
            f"validation still failed after {run.budget.max_corrections} self-correction(s): "
            f"{result.summary().replace(chr(10), ' | ')}",
        )
        return True, ""
    return False, "VALIDATION FAILED. Fix the change and call finish again.\n" + result.feedback()


def dump_report(report: AgentReport) -> str:
    return json.dumps(report.to_dict(), indent=2, default=str)
