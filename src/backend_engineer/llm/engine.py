"""LlmEngine: the deterministic scaffold plus the agent for every operation that needs business logic.

It fulfils the :class:`~backend_engineer.engines.base.Engine` contract, so the workflow's gates, plan,
approvals, verify and handoff apply unchanged. ``render`` writes the scaffold into a scratch git
repository, lets the agent implement each "needs business logic" port there (validated, else
reverted to the stub and recorded as a deviation), and returns the planned files' final content.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Generator
from dataclasses import replace
from pathlib import Path

from backend_engineer.engines.base import ChangeGroup, EngineProposal, PlannedFile, Refusal
from backend_engineer.engines.deterministic.engine import DeterministicEngine, render_service
from backend_engineer.events import Event
from backend_engineer.llm import gitrepo
from backend_engineer.llm.agent import AgentReport, Budget
from backend_engineer.llm.config import LlmConfig, make_model
from backend_engineer.llm.providers.base import ModelError, ModelPort
from backend_engineer.llm.runsetup import budget_for, isolation
from backend_engineer.llm.sandbox import probe
from backend_engineer.llm.tasks import implement_operation, snake
from backend_engineer.llm.transcript import Transcript
from backend_engineer.spec.bundle import Bundle


class LlmEngine:
    name = "llm"

    def __init__(
        self,
        config: LlmConfig | None = None,
        model: ModelPort | None = None,
        budget: Budget | None = None,
        unsafe_host: bool | None = None,
        transcript_dir: Path | None = None,
    ) -> None:
        """``unsafe_host`` None reads ``BE_LLM_UNSAFE_HOST=1``; the cost cap ``BE_LLM_MAX_COST`` (USD).

        Each operation's transcript goes to ``transcript_dir`` (default ``BE_LLM_TRANSCRIPT_DIR``) as
        ``<operation>.jsonl``; without either, none is kept (the scratch repository is temporary).
        """
        self.config = config
        env_dir = os.environ.get("BE_LLM_TRANSCRIPT_DIR")
        self.transcript_dir = transcript_dir or (Path(env_dir) if env_dir else None)
        self.budget = budget or Budget()
        self._explicit_budget = budget is not None
        self.unsafe_host = unsafe_host if unsafe_host is not None else os.environ.get("BE_LLM_UNSAFE_HOST") == "1"
        self._model = model
        self._model_error: str | None = None
        self.reports: list[AgentReport] = []
        self.events: list[Event] = []
        self.deviations: list[str] = []
        self._base = DeterministicEngine()

    def model(self) -> ModelPort:
        if self._model is None:
            config = self.config or LlmConfig.from_env()
            if config is None:
                raise ModelError(
                    "no model configured: set BE_LLM_PROVIDER (openai, anthropic or scripted), BE_LLM_MODEL, "
                    "BE_LLM_BASE_URL and the key variable (OPENAI_API_KEY / ANTHROPIC_API_KEY)"
                )
            if not self._explicit_budget:
                raw = os.environ.get("BE_LLM_MAX_COST", "").strip()
                try:
                    cap = float(raw) if raw else None
                except ValueError:
                    raise ModelError(f"BE_LLM_MAX_COST={raw!r}: expected a number of USD") from None
                self.budget = budget_for(config.price(), cap)
            self._model = make_model(config)
        return self._model

    def usage(self) -> dict[str, object]:
        return usage_summary(self.reports)

    def check_support(self, bundle: Bundle) -> list[Refusal]:
        refusals = []
        try:
            self.model()
        except ModelError as exc:
            refusals.append(Refusal("environment", "BE_LLM_PROVIDER", str(exc), "configure a model provider"))
        found = probe()
        if not found.ok and not self.unsafe_host:
            refusals.append(
                Refusal(
                    "environment",
                    "sandbox",
                    f"the agent's commands need a sandbox: {found.reason}",
                    "install bubblewrap, or set BE_LLM_UNSAFE_HOST=1 to run them on the host",
                )
            )
        for r in self._base.check_support(bundle):
            refusals.append(
                Refusal(
                    r.file,
                    r.field,
                    r.message.replace("deterministic engine", "scaffold the llm engine builds on"),
                    "for another stack, use `backend-engineer change REQUEST --repo PATH` on an existing repository",
                )
            )
        return refusals

    def propose(self, bundle: Bundle, repo: Path | None) -> EngineProposal:
        base = self._base.propose(bundle, repo)
        needs = [e.operation_id for e in base.endpoints if e.status == "needs business logic"]
        stubs = {f"app/custom/operations/{snake(op)}.py": op for op in needs}
        groups = []
        for group in base.groups:
            files = [
                replace(f, purpose=f"implemented by the llm agent: {stubs[f.path]}") if f.path in stubs else f
                for f in group.files
            ]
            if group.key == "custom":
                present = {f.path for f in files}
                extra = ["tests/custom/__init__.py"] + [f"tests/custom/test_{snake(op)}.py" for op in needs]
                for path in extra:
                    if path not in present and not (repo and (repo / path).exists()):
                        files.append(PlannedFile(path, "test", "add", "tests written by the llm agent"))
            groups.append(ChangeGroup(group.key, group.scope, group.title, tuple(files), group.commit_type))
        notes = [*base.notes] + [
            f"{op}: the llm agent implements it behind its port, validated or reverted" for op in needs
        ]
        return EngineProposal(groups=groups, endpoints=base.endpoints, notes=notes)

    def render(self, bundle: Bundle, proposal: EngineProposal, repo: Path | None) -> dict[str, bytes]:
        planned = {f.path for f in proposal.files}
        scaffold = render_service(bundle)
        out = {p: c for p, c in scaffold.items() if p in planned}
        ops = [op for path, op in _stub_ops(proposal) if path in planned]
        if not ops:
            return out
        with tempfile.TemporaryDirectory(prefix="be-llm-") as tmp:
            work = Path(tmp) / "service"
            for rel, content in scaffold.items():
                (work / rel).parent.mkdir(parents=True, exist_ok=True)
                (work / rel).write_bytes(content)
            _init_repo(work)
            sandbox = isolation(work, self.unsafe_host)
            for op in ops:
                transcript = (
                    Transcript(self.transcript_dir / f"{op}.jsonl", operation=op, provider=self.model().name)
                    if self.transcript_dir
                    else None
                )
                gen = implement_operation(
                    self.model(),
                    bundle,
                    work,
                    op,
                    self.budget,
                    runner=sandbox.runner,
                    runner_reason=sandbox.reason,
                    transcript=transcript,
                )
                report = _drain(gen, self.events)
                self.reports.append(report)
                if not report.ok:
                    self.deviations.extend(f"{op}: {d}" for d in report.deviations or [report.status])
            for rel in planned:
                path = work / rel
                if rel.startswith(("app/custom/", "tests/custom/")) and path.is_file():
                    out[rel] = path.read_bytes()
        for rel in sorted(planned - set(out)):
            why = "; ".join(self.deviations) or "the agent did not write it"
            out[rel] = f'"""Planned for the llm agent\'s tests; not written: {why[:300]}."""\n'.encode()
        return out


def usage_summary(reports: list[AgentReport]) -> dict[str, object]:
    """Model turns, tokens, cost and time over every operation the agent implemented (for the handoff)."""
    return {
        "operations": len(reports),
        "model_turns": sum(r.steps for r in reports),
        "input_tokens": sum(r.input_tokens for r in reports),
        "output_tokens": sum(r.output_tokens for r in reports),
        "cost_usd": round(sum(r.cost_usd for r in reports), 6),
        "wall_s": round(sum(r.wall_s for r in reports), 3),
    }


def _stub_ops(proposal: EngineProposal) -> list[tuple[str, str]]:
    return [
        (f"app/custom/operations/{snake(e.operation_id)}.py", e.operation_id)
        for e in proposal.endpoints
        if e.status == "needs business logic"
    ]


def _init_repo(work: Path) -> None:
    gitrepo.git(work, "init", "-q")
    gitrepo.git(work, "add", "-A")
    gitrepo.git(
        work, "-c", "user.name=backend-engineer", "-c", "user.email=be@localhost", "commit", "-q", "-m", "scaffold"
    )


def _drain(gen: Generator[Event, None, AgentReport], sink: list[Event]) -> AgentReport:
    while True:
        try:
            sink.append(next(gen))
        except StopIteration as stop:
            report: AgentReport = stop.value
            return report
