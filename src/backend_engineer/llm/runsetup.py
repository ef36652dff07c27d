"""What a command decides before the agent starts: the budget, the sandbox, the transcript and a replay's inputs.

Kept out of the CLI so ``change``, ``build --engine llm`` and the eval harness decide the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from backend_engineer.llm import gitrepo
from backend_engineer.llm.agent import AgentReport, Budget
from backend_engineer.llm.config import DEFAULT_MODELS, LlmConfig, ProviderName
from backend_engineer.llm.prices import PriceQuote
from backend_engineer.llm.providers.base import ModelError
from backend_engineer.llm.sandbox import Limits, Runner, select
from backend_engineer.llm.transcript import read

DEFAULT_MAX_COST_USD = 2.0
UNSAFE_HOST_QUESTION = "Run the agent's commands on the host without a sandbox?"


def budget_for(
    quote: PriceQuote,
    max_cost: float | None,
    max_steps: int = 30,
    max_corrections: int = 2,
    max_wall_s: float | None = 1800.0,
) -> Budget:
    """The run's budget; ``--max-cost`` with an unknown price is refused (a cap that counts $0 is no cap).

    With a known price and no ``--max-cost`` the cap is :data:`DEFAULT_MAX_COST_USD`; with an unknown
    price and no ``--max-cost`` there is no cost cap, and the plan says so.
    """
    if max_cost is not None and not quote.known:
        raise ModelError(f"--max-cost {max_cost:g} cannot be enforced: {quote.describe()}")
    cap = max_cost if max_cost is not None else (DEFAULT_MAX_COST_USD if quote.known else None)
    return Budget(max_steps=max_steps, max_cost_usd=cap, max_corrections=max_corrections, max_wall_s=max_wall_s)


@dataclass(frozen=True)
class Isolation:
    runner: Runner | None
    reason: str

    def describe(self) -> str:
        if self.runner is None:
            return f"none: {self.reason}; commands and validation are refused (pass --unsafe-host to allow the host)"
        return self.runner.describe()

    @property
    def unsafe(self) -> bool:
        return self.runner is not None and self.runner.mode == "unsafe-host"


def isolation(repo: Path, unsafe_host: bool, memory_mb: int | None = None) -> Isolation:
    limits = Limits(memory_mb=memory_mb) if memory_mb else Limits()
    runner, reason = select(repo, unsafe_host, limits)
    return Isolation(runner, reason)


def unsafe_host_answer(reason: str) -> dict[str, str]:
    """The approvals-ledger fields for ``--unsafe-host``: who allowed commands on the host, and why."""
    return {"phrase": UNSAFE_HOST_QUESTION, "answer": "--unsafe-host", "via": f"--unsafe-host flag ({reason})"}


@dataclass(frozen=True)
class ReplayInputs:
    """What a transcript says the run was: the request, the checks, the budget and the starting tree."""

    config: LlmConfig
    request: str
    checks: list[str]
    budget: Budget
    start_tree: str
    header: dict[str, Any]


def replay_inputs(path: Path) -> ReplayInputs:
    records = read(path)
    header = records[0]
    provider = str(header.get("provider") or "scripted")
    budget = header.get("budget") or {}
    return ReplayInputs(
        config=LlmConfig(
            provider=cast(ProviderName, provider if provider in DEFAULT_MODELS else "scripted"),
            model=str(header.get("model") or ""),
            replay=path,
        ),
        request=str(header.get("request") or ""),
        checks=[str(c) for c in header.get("checks") or []],
        budget=Budget(
            max_steps=int(budget.get("max_steps", 30)),
            max_cost_usd=budget.get("max_cost_usd"),
            max_corrections=int(budget.get("max_corrections", 2)),
            max_wall_s=budget.get("max_wall_s"),
        ),
        start_tree=str(header.get("start_tree") or ""),
        header=header,
    )


def check_start_tree(repo: Path, inputs: ReplayInputs) -> None:
    tree = gitrepo.git(repo, "rev-parse", "HEAD^{tree}").decode().strip()
    if inputs.start_tree and tree != inputs.start_tree:
        raise ModelError(
            f"the transcript was recorded on tree {inputs.start_tree[:12]}, the repository is at tree {tree[:12]}: "
            "check out the commit the run started from"
        )


def replay_verdict(repo: Path, report: AgentReport, recorded_end: dict[str, Any] | None) -> list[str]:
    """Where the replayed run's outcome differs from the recorded one (status, files, the committed tree)."""
    if recorded_end is None:
        return ["the transcript has no end record (the recorded run was interrupted)"]
    recorded = recorded_end.get("report") or {}
    diffs = []
    if recorded.get("status") != report.status:
        diffs.append(f"status {report.status!r}, recorded {recorded.get('status')!r}")
    if list(recorded.get("files") or []) != report.files:
        diffs.append(f"files {report.files}, recorded {recorded.get('files')}")
    tree = gitrepo.git(repo, "rev-parse", f"{report.commit}^{{tree}}").decode().strip() if report.commit else None
    if recorded_end.get("result_tree") != tree:
        diffs.append(f"result tree {tree}, recorded {recorded_end.get('result_tree')}")
    return diffs


def usage(report: AgentReport, quote: PriceQuote | None) -> dict[str, Any]:
    """Cost and tokens for the handoff."""
    return {
        "model": report.model,
        "model_turns": report.steps,
        "input_tokens": report.input_tokens,
        "output_tokens": report.output_tokens,
        "cost_usd": round(report.cost_usd, 6),
        "wall_s": round(report.wall_s, 3),
        "price": quote.to_dict() if quote else None,
    }
